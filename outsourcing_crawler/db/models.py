"""Tables: projects, their observed changes, and one row per crawl.

JSONB and text arrays on PostgreSQL, JSON on SQLite, through SQLAlchemy type variants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, stored in UTC.

    SQLite keeps no offset: without this, ``23:59:59+09:00`` would come back as a naive
    ``23:59:59``. PostgreSQL's timestamptz keeps the instant either way.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


JSONType = JSON().with_variant(JSONB(), "postgresql")
SkillList = JSON().with_variant(ARRAY(Text(), dimensions=1), "postgresql")
# PostgreSQL's timestamptz keeps offsets itself: no per-value conversion there.
Timestamp = UTCDateTime().with_variant(DateTime(timezone=True), "postgresql")

# Constraint names are fixed so that migrations name them the same on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        Index(None, "platform", "status"),
        Index(None, "first_seen_at"),
        Index(None, "deadline"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(Text())
    title: Mapped[str] = mapped_column(Text())
    description: Mapped[str | None] = mapped_column(Text())
    category: Mapped[str | None] = mapped_column(Text())
    skills: Mapped[list[str]] = mapped_column(SkillList, default=list)
    budget_min: Mapped[int | None] = mapped_column(BigInteger())
    budget_max: Mapped[int | None] = mapped_column(BigInteger())
    currency: Mapped[str | None] = mapped_column(String(3))
    budget_type: Mapped[str | None] = mapped_column(String(16))
    duration_days: Mapped[int | None] = mapped_column(Integer())
    work_type: Mapped[str | None] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(Text())
    posted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    deadline: Mapped[datetime | None] = mapped_column(Timestamp)
    applicants: Mapped[int | None] = mapped_column(Integer())
    status: Mapped[str] = mapped_column(String(16))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    scraped_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The budget in one currency, and per month (outsourcing_crawler/budgets.py).
    base_currency: Mapped[str | None] = mapped_column(String(3))
    base_budget_min: Mapped[int | None] = mapped_column(BigInteger())
    base_budget_max: Mapped[int | None] = mapped_column(BigInteger())
    monthly_budget_min: Mapped[int | None] = mapped_column(BigInteger())
    monthly_budget_max: Mapped[int | None] = mapped_column(BigInteger())
    exchange_rate: Mapped[float | None] = mapped_column(Double())
    exchange_rate_date: Mapped[date | None] = mapped_column(Date())
    # Bookkeeping: what the crawler saw and when.
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(Timestamp)
    last_seen_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ProjectChange(Base):
    """One observed change of a tracked field of a project."""

    __tablename__ = "project_changes"
    __table_args__ = (Index(None, "project_id", "changed_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(Timestamp)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = (Index(None, "spider", "started_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    spider: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    items_scraped: Mapped[int] = mapped_column(Integer(), default=0)
    inserted: Mapped[int] = mapped_column(Integer(), default=0)
    updated: Mapped[int] = mapped_column(Integer(), default=0)
    unchanged: Mapped[int] = mapped_column(Integer(), default=0)
    dropped: Mapped[int] = mapped_column(Integer(), default=0)
    errors: Mapped[int] = mapped_column(Integer(), default=0)
    # Everything else the crawl counted, for later questions.
    stats: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # The health checks' verdict on the crawl (state and findings); None before they ran.
    health: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class Listing(Base):
    """What a list page last showed of a posting, and when its detail page was last read.

    Incremental crawls skip a detail page while its listing is unchanged and recent.
    """

    __tablename__ = "listings"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    listing_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(Timestamp)
    # False for a detail page that yields no posting (a confidential request).
    has_item: Mapped[bool] = mapped_column(Boolean)


# -- Alerts: saved searches' channels and what each was sent -----------------------------


class AlertSubscription(Base):
    """One channel of one saved search: from when its postings count, how far they were read.

    A channel is known by the fingerprint of its URL as written in the alerts file (with its
    ``${VARIABLE}`` references, not their secret values), so a rotated token keeps its place.
    """

    __tablename__ = "alert_subscriptions"

    search: Mapped[str] = mapped_column(String(128), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    # Postings first seen (and changes made) before this are the baseline, never sent; None
    # after a backfill: everything stored counts.
    since: Mapped[datetime | None] = mapped_column(Timestamp)
    # Postings and changes up to this time were matched against the search (None: none yet).
    checked_until: Mapped[datetime | None] = mapped_column(Timestamp)


class Delivery(Base):
    """One posting (or one change of it) for one channel of one saved search.

    The row is written when the posting matches, before anything is sent; ``sent_at`` is set
    once the channel took it. Until then ``next_attempt_at`` says when it is due.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("search", "channel", "project_id", "event"),
        Index(
            None,
            "next_attempt_at",
            postgresql_where=text("sent_at IS NULL"),
            sqlite_where=text("sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    search: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(32))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    # "new", or "reopened:<change id>" / "budget_raised:<change id>".
    event: Mapped[str] = mapped_column(String(48))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text())


# Alerts read the changes of the last few minutes of every project.
Index("ix_project_changes_changed_at", ProjectChange.changed_at)
