"""projects, project_changes and crawl_runs

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SKILLS = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", ID, primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("category", sa.Text()),
        sa.Column("skills", SKILLS, nullable=False),
        sa.Column("budget_min", sa.BigInteger()),
        sa.Column("budget_max", sa.BigInteger()),
        sa.Column("currency", sa.String(3)),
        sa.Column("budget_type", sa.String(16)),
        sa.Column("duration_days", sa.Integer()),
        sa.Column("work_type", sa.String(16)),
        sa.Column("location", sa.Text()),
        sa.Column("posted_at", TIME),
        sa.Column("deadline", TIME),
        sa.Column("applicants", sa.Integer()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("extra", JSON, nullable=False),
        sa.Column("scraped_at", TIME),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("first_seen_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("closed_at", TIME),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("platform", "external_id", name="uq_projects_platform_external_id"),
    )
    op.create_index("ix_projects_platform_status", "projects", ["platform", "status"])
    op.create_index("ix_projects_first_seen_at", "projects", ["first_seen_at"])
    op.create_index("ix_projects_deadline", "projects", ["deadline"])

    op.create_table(
        "project_changes",
        sa.Column("id", ID, primary_key=True),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("old_value", JSON),
        sa.Column("new_value", JSON),
        sa.Column("changed_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_project_changes"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_project_changes_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_project_changes_project_id_changed_at", "project_changes", ["project_id", "changed_at"]
    )

    op.create_table(
        "crawl_runs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("spider", sa.String(32), nullable=False),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("finished_at", TIME),
        sa.Column("finish_reason", sa.String(64)),
        sa.Column("items_scraped", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("stats", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_index("ix_crawl_runs_spider_started_at", "crawl_runs", ["spider", "started_at"])

    if op.get_bind().dialect.name == "postgresql":
        # lz4 TOAST compression (PostgreSQL 14+) writes long descriptions and JSON about twice
        # as fast as the pglz default; a server built without lz4 keeps pglz.
        op.execute(
            """
            DO $$
            BEGIN
                ALTER TABLE projects ALTER COLUMN description SET COMPRESSION lz4;
                ALTER TABLE projects ALTER COLUMN extra SET COMPRESSION lz4;
                ALTER TABLE projects ALTER COLUMN skills SET COMPRESSION lz4;
            EXCEPTION WHEN feature_not_supported OR syntax_error OR undefined_object THEN
                RAISE NOTICE 'lz4 compression unavailable, keeping the default';
            END $$;
            """
        )


def downgrade() -> None:
    op.drop_table("crawl_runs")
    op.drop_table("project_changes")
    op.drop_table("projects")
