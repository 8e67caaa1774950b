"""projects: budgets in the base currency and per month, filled for the rows stored already

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from outsourcing_crawler import settings
from outsourcing_crawler.budgets import NOT_CONVERTED, BudgetConverter, NoRateError
from outsourcing_crawler.fingerprints import content_hash

revision: str = "0004"
down_revision: str | None = "0003"
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
TIME = sa.DateTime(timezone=True)
# The content of a posting as this revision stores it: what its content hash covers.
CONTENT: dict[str, sa.types.TypeEngine[Any] | None] = {
    "url": None,
    "title": None,
    "description": None,
    "category": None,
    "skills": sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql"),
    "budget_min": None,
    "budget_max": None,
    "currency": None,
    "budget_type": None,
    "duration_days": None,
    "work_type": None,
    "location": None,
    "posted_at": TIME,
    "deadline": TIME,
    "applicants": None,
    "status": None,
    "extra": sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
    **COLUMNS,
}
# Rows read and written per round trip.
CHUNK = 1_000

projects = sa.table(
    "projects",
    sa.column("id", sa.BigInteger()),
    sa.column("content_hash", sa.String(64)),
    sa.column("first_seen_at", TIME),
    *(sa.column(name, type_) for name, type_ in CONTENT.items()),
)


def _as_utc(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite hands back naive datetimes: they are UTC (see db/models.py UTCDateTime)."""
    for name, value in row.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            row[name] = value.replace(tzinfo=UTC)
    return row


def backfill(connection: sa.Connection, converter: BudgetConverter) -> None:
    """Convert every stored budget at the rate of its posted date, else its first-seen date,
    and hash every posting again as the crawl now does.

    The content hash covers the new fields: without a new hash, every stored posting would
    look changed, and be rewritten, at its next crawl. A posting whose hash was emptied to
    have it rewritten when it comes back (closed as gone) keeps it empty.
    """
    last_id = -1
    while True:
        rows = (
            connection.execute(
                sa.select(projects)
                .where(projects.c.id > last_id)
                .order_by(projects.c.id)
                .limit(CHUNK)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        last_id = rows[-1]["id"]
        updates = []
        for stored in rows:
            row = _as_utc(dict(stored))
            try:
                budget = converter.convert(row)
            except NoRateError:
                budget = NOT_CONVERTED  # the fields stay empty, as a crawl leaves them
            row.update(asdict(budget))
            if row["content_hash"]:
                row["content_hash"] = content_hash(row)
            updates.append(
                {
                    "row_id": row["id"],
                    "content_hash": row["content_hash"],
                    **{name: row[name] for name in COLUMNS},
                }
            )
        connection.execute(
            sa.update(projects).where(projects.c.id == sa.bindparam("row_id")), updates
        )


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        for name, type_ in COLUMNS.items():
            batch.add_column(sa.Column(name, type_))
    # The settings module as it stands (environment included): a migration runs outside the
    # crawl whose `-s` overrides it cannot see. A crawl under other settings rewrites the
    # postings it sees again.
    backfill(op.get_bind(), BudgetConverter.from_settings(vars(settings)))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        for name in COLUMNS:
            batch.drop_column(name)
