"""alerts: saved searches' channels and their deliveries

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)
UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("search", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("since", TIME),
        sa.Column("checked_until", TIME),
        sa.PrimaryKeyConstraint("search", "channel", name="pk_alert_subscriptions"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", ID, primary_key=True),
        sa.Column("search", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("event", sa.String(48), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", TIME),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint(
            "search",
            "channel",
            "project_id",
            "event",
            name="uq_deliveries_search_channel_project_id_event",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_deliveries_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_deliveries_next_attempt_at",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=UNSENT,
        sqlite_where=UNSENT,
    )
    op.create_index("ix_project_changes_changed_at", "project_changes", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_project_changes_changed_at", "project_changes")
    op.drop_table("deliveries")
    op.drop_table("alert_subscriptions")
