"""Saved searches' bookkeeping: each channel's baseline, and one delivery row per posting (or
change of it), search and channel, from "matched" to "sent".

A row is written in the transaction that finds the match and marked sent right after the
channel took it, so whatever was stored is sent at a later run if a process dies, and
nothing is sent twice. Before a send the row is claimed for a while (``next_attempt_at``
moved ahead), so that two processes dispatching at once do not both send it. This module
knows nothing of Scrapy or of how messages are written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import AlertSubscription, Delivery, Project, ProjectChange
from outsourcing_crawler.db.upsert import among

__all__ = [
    "ChannelSummary",
    "DueDelivery",
    "changes_since",
    "claim",
    "due",
    "mark_checked",
    "mark_failed",
    "mark_sent",
    "open_postings",
    "postings_by_id",
    "postings_first_seen_since",
    "postpone",
    "record_matches",
    "register",
    "reset_baseline",
    "subscriptions",
    "summary",
]

Pair = tuple[str, str]
"""A saved search's name and one of its channels' keys."""

projects = Project.__table__
# The fields whose changes can make an alert: a reopening, a budget raised.
ALERT_FIELDS = ("status", "budget_min", "budget_max")


def _insert(session: AsyncSession, table: Any) -> Any:
    module = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return module.insert(table)


async def register(session: AsyncSession, pairs: Iterable[Pair], now: datetime) -> None:
    """Start counting a channel's postings from ``now``; a known channel keeps its baseline."""
    rows = [
        {"search": search, "channel": channel, "created_at": now, "since": now}
        for search, channel in pairs
    ]
    if rows:
        await session.execute(_insert(session, AlertSubscription).on_conflict_do_nothing(), rows)


async def subscriptions(session: AsyncSession, pairs: Iterable[Pair]) -> dict[Pair, Any]:
    """The subscription rows of these pairs, by pair."""
    wanted = set(pairs)
    names = sorted({search for search, _ in wanted})
    rows = await session.scalars(
        select(AlertSubscription).where(AlertSubscription.search.in_(names))
    )
    return {(row.search, row.channel): row for row in rows if (row.search, row.channel) in wanted}


async def mark_checked(session: AsyncSession, pairs: Iterable[Pair], until: datetime) -> None:
    """Postings and changes before ``until`` were matched against these pairs' searches."""
    for search, channel in pairs:
        await session.execute(
            update(AlertSubscription)
            .where(AlertSubscription.search == search, AlertSubscription.channel == channel)
            .values(checked_until=until)
        )


async def reset_baseline(session: AsyncSession, search: str) -> int:
    """Make every stored posting count for the search's channels (a backfill)."""
    result = await session.execute(
        update(AlertSubscription)
        .where(AlertSubscription.search == search)
        .values(since=None, checked_until=None)
    )
    return result.rowcount


def _posting_query() -> Any:
    return select(*projects.c).where(projects.c.status == "open")


async def postings_first_seen_since(
    session: AsyncSession, since: datetime | None
) -> list[dict[str, Any]]:
    """Open postings first stored at or after ``since`` (every open one for None)."""
    query = _posting_query()
    if since is not None:
        query = query.where(projects.c.first_seen_at >= since)
    return [row._asdict() for row in await session.execute(query)]


async def open_postings(
    session: AsyncSession, platforms: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Open postings (of these platforms, if any are named), the newest first."""
    query = _posting_query().order_by(projects.c.first_seen_at.desc(), projects.c.id.desc())
    wanted = sorted(platforms)
    if wanted:
        query = query.where(projects.c.platform.in_(wanted))
    return [row._asdict() for row in await session.execute(query)]


async def postings_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    query = select(*projects.c).where(among(projects.c.id, ids, session.bind.dialect.name))
    return {row.id: row._asdict() for row in await session.execute(query)}


async def changes_since(session: AsyncSession, since: datetime | None) -> list[dict[str, Any]]:
    """Changes of a status or a budget at or after ``since``, oldest first."""
    query = (
        select(ProjectChange.__table__)
        .where(ProjectChange.field.in_(ALERT_FIELDS))
        .order_by(ProjectChange.id)
    )
    if since is not None:
        query = query.where(ProjectChange.changed_at >= since)
    return [row._asdict() for row in await session.execute(query)]


async def record_matches(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Write a pending delivery per ``search, channel, project_id, event, created_at`` row
    not written before; returns how many are new. They are due at once."""
    if not rows:
        return 0
    values = [
        {**row, "next_attempt_at": row["created_at"], "attempts": 0, "sent_at": None}
        for row in rows
    ]
    result = await session.execute(
        _insert(session, Delivery).on_conflict_do_nothing().returning(Delivery.id), values
    )
    return len(result.all())


@dataclass(frozen=True)
class DueDelivery:
    id: int
    search: str
    channel: str
    project_id: int
    event: str
    attempts: int


async def due(session: AsyncSession, searches: Iterable[str], now: datetime) -> list[DueDelivery]:
    """The unsent deliveries of these searches whose time has come, oldest first."""
    names = sorted(set(searches))
    query = (
        select(
            Delivery.id,
            Delivery.search,
            Delivery.channel,
            Delivery.project_id,
            Delivery.event,
            Delivery.attempts,
        )
        .where(
            Delivery.sent_at.is_(None),
            Delivery.next_attempt_at <= now,
            Delivery.search.in_(names),
        )
        .order_by(Delivery.id)
    )
    return [DueDelivery(*row) for row in await session.execute(query)]


async def claim(
    session: AsyncSession, ids: Sequence[int], now: datetime, until: datetime
) -> set[int]:
    """Take the deliveries that are still due for one send: none is due again before
    ``until``, when a process that died while sending them has surely gone."""
    result = await session.execute(
        update(Delivery)
        .where(
            among(Delivery.id, ids, session.bind.dialect.name),
            Delivery.sent_at.is_(None),
            Delivery.next_attempt_at <= now,
        )
        .values(next_attempt_at=until)
        .returning(Delivery.id)
    )
    return set(result.scalars())


async def mark_sent(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    await session.execute(
        update(Delivery)
        .where(among(Delivery.id, ids, session.bind.dialect.name))
        .values(sent_at=now, attempts=Delivery.attempts + 1, last_error=None)
    )


async def mark_failed(
    session: AsyncSession, ids: Sequence[int], retry_at: datetime, error: str
) -> None:
    await session.execute(
        update(Delivery)
        .where(among(Delivery.id, ids, session.bind.dialect.name))
        .values(attempts=Delivery.attempts + 1, next_attempt_at=retry_at, last_error=error)
    )


async def postpone(session: AsyncSession, ids: Sequence[int], until: datetime) -> None:
    """Hold back unsent deliveries without an attempt (their channel just failed)."""
    await session.execute(
        update(Delivery)
        .where(among(Delivery.id, ids, session.bind.dialect.name), Delivery.sent_at.is_(None))
        .values(next_attempt_at=until)
    )


@dataclass(frozen=True)
class ChannelSummary:
    search: str
    channel: str
    since: datetime | None
    sent: int
    pending: int
    failing: int
    last_sent_at: datetime | None
    last_error: str | None


async def summary(session: AsyncSession, pairs: Iterable[Pair]) -> dict[Pair, ChannelSummary]:
    """How each channel of these pairs stands: sent, waiting, failing (waiting after a failed
    attempt), and the last error."""
    found = await subscriptions(session, pairs)
    unsent = Delivery.sent_at.is_(None)
    query = select(
        Delivery.search,
        Delivery.channel,
        func.count(Delivery.sent_at),
        func.sum(case((unsent, 1), else_=0)),
        func.sum(case((unsent & (Delivery.attempts > 0), 1), else_=0)),
        func.max(Delivery.sent_at),
    ).group_by(Delivery.search, Delivery.channel)
    counts = {(row[0], row[1]): row[2:] for row in await session.execute(query)}
    errors = {
        (row.search, row.channel): row.last_error
        for row in await session.execute(
            select(Delivery.search, Delivery.channel, Delivery.last_error)
            .where(unsent, Delivery.last_error.is_not(None))
            .order_by(Delivery.id)
        )
    }
    result = {}
    for pair, row in found.items():
        sent, pending, failing, last_sent_at = counts.get(pair, (0, 0, 0, None))
        result[pair] = ChannelSummary(
            *pair, row.since, sent, pending or 0, failing or 0, last_sent_at, errors.get(pair)
        )
    return result
