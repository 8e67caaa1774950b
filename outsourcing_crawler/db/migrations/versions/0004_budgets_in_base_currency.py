"""projects: budgets in the base currency and per month, filled for the rows stored already

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

from outsourcing_crawler import settings
from outsourcing_crawler.budgets import BudgetConverter, NoRateError

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS: dict[str, sa.types.TypeEngine[Any]] = {
    "base_currency": sa.String(3),
    "base_budget_min": sa.BigInteger(),
    "base_budget_max": sa.BigInteger(),
    "monthly_budget_min": sa.BigInteger(),
    "monthly_budget_max": sa.BigInteger(),
    "exchange_rate": sa.Double(),
    "exchange_rate_date": sa.Date(),
}
READ = ("budget_min", "budget_max", "currency", "budget_type", "duration_days")
# Rows read and written per round trip.
CHUNK = 1_000

projects = sa.table(
    "projects",
    sa.column("id", sa.BigInteger()),
    *(sa.column(name) for name in READ),
    sa.column("posted_at", sa.DateTime(timezone=True)),
    sa.column("first_seen_at", sa.DateTime(timezone=True)),
    *(sa.column(name, type_) for name, type_ in COLUMNS.items()),
)


def _as_utc(fields: dict[str, Any]) -> dict[str, Any]:
    """SQLite hands back naive datetimes: they are UTC (see db/models.py UTCDateTime)."""
    for name in ("posted_at", "first_seen_at"):
        value = fields[name]
        if value is not None and value.tzinfo is None:
            fields[name] = value.replace(tzinfo=UTC)
    return fields


def backfill(connection: sa.Connection, converter: BudgetConverter) -> None:
    """Convert every stored budget at the rate of its posted date, else its first-seen date."""
    has_amounts = projects.c.currency.is_not(None) & (
        projects.c.budget_min.is_not(None) | projects.c.budget_max.is_not(None)
    )
    last_id = None
    while True:
        query = (
            sa.select(
                projects.c.id,
                *(projects.c[name] for name in (*READ, "posted_at", "first_seen_at")),
            )
            .where(has_amounts)
            .order_by(projects.c.id)
            .limit(CHUNK)
        )
        if last_id is not None:
            query = query.where(projects.c.id > last_id)
        rows = connection.execute(query).mappings().all()
        if not rows:
            return
        last_id = rows[-1]["id"]
        updates = []
        for row in rows:
            try:
                budget = converter.convert(_as_utc(dict(row)))
            except NoRateError:
                continue  # the fields stay empty, as a crawl leaves them
            updates.append({"row_id": row["id"], **asdict(budget)})
        if updates:
            connection.execute(
                sa.update(projects).where(projects.c.id == sa.bindparam("row_id")), updates
            )


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        for name, type_ in COLUMNS.items():
            batch.add_column(sa.Column(name, type_))
    # The settings module as it stands (environment included): a migration runs outside the
    # crawl whose `-s` overrides it cannot see. Rows seen again are rewritten by the crawl.
    backfill(op.get_bind(), BudgetConverter.from_settings(vars(settings)))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
