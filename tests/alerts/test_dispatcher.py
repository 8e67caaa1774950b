"""Dispatching over a real database (SQLite and PostgreSQL) to real local receivers: each
matching posting once per channel, none from before a search's baseline, a failing channel
retried later and holding back no other."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import select

from outsourcing_crawler.alerts import Dispatcher, DispatchOptions, SavedSearch, preview
from outsourcing_crawler.db import Database, migrate, store_batch
from outsourcing_crawler.db.models import Delivery
from tests.alerts.postings import posting, search
from tests.alerts.receivers import webhook

EVENTS = ("new", "reopened", "budget_raised")
# Retried at the very next dispatch.
AT_ONCE = DispatchOptions(retry_backoff=0, send_timeout=10)


def fresh(external_id: str, **fields: Any) -> dict[str, Any]:
    """A posting with no deadline: it matches whatever the day."""
    return posting(external_id, deadline=None, **fields)


@asynccontextmanager
async def database(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        await migrate(db)
        yield db
    finally:
        await db.dispose()


async def store(db: Database, *rows: dict[str, Any], now: datetime | None = None) -> None:
    async with db.session() as session:
        await store_batch(session, rows, now=now)


async def deliveries(db: Database) -> list[Delivery]:
    async with db.session() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


def urls(messages: list[dict[str, Any]]) -> list[str]:
    return [message["message"].splitlines()[-1] for message in messages]


def dispatcher(
    db: Database, *searches: SavedSearch, options: DispatchOptions = AT_ONCE
) -> tuple[Dispatcher, Counter[str]]:
    counts: Counter[str] = Counter()

    def count(key: str, value: int) -> None:
        counts[key] += value

    return Dispatcher(db, searches, options, count), counts


async def after_a_baseline(db: Database, url: str) -> tuple[Dispatcher, Counter[str]]:
    """A search sending to ``url``, registered after a posting "old" was stored."""
    await store(db, fresh("old"), now=datetime.now(UTC) - timedelta(hours=1))
    sender, counts = dispatcher(db, search("all", url))
    await sender.register()
    return sender, counts


@deferred_f_from_coro_f
async def test_postings_after_the_baseline_are_sent_once(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as db:
            sender, counts = await after_a_baseline(db, hook.url)
            await store(db, fresh("new"))
            assert await sender.dispatch() == (1, 0)
            assert await sender.dispatch() == (0, 0)
            (row,) = await deliveries(db)
    assert urls(hook.messages) == ["https://www.wishket.com/project/new/"]
    assert counts == {"matched": 1, "sent": 1, "messages": 1}
    assert (row.event, row.attempts, row.last_error) == ("new", 1, None)
    assert row.sent_at is not None


@deferred_f_from_coro_f
async def test_a_posting_committed_after_a_dispatch_it_predates_is_sent(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as db:
            sender, _ = dispatcher(db, search("all", hook.url))
            await sender.register(now=datetime.now(UTC) - timedelta(hours=1))
            await sender.dispatch()
            # Stamped first seen before that dispatch, committed only now: a slow flush.
            await store(db, fresh("late"), now=datetime.now(UTC) - timedelta(seconds=30))
            assert await sender.dispatch() == (1, 0)
    assert urls(hook.messages) == ["https://www.wishket.com/project/late/"]


@deferred_f_from_coro_f
async def test_only_matching_postings_and_two_searches_of_one(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as db:
            searches = (
                search("react", hook.url, keywords=("react",)),
                search("node", hook.url, skills=("Node.js",)),
            )
            sender, _ = dispatcher(db, *searches)
            await sender.register()
            await store(
                db,
                fresh("both"),
                fresh("neither", title="Vue 관리자", description="뷰", skills=["Vue.js"]),
                fresh("closed", status="closed"),
            )
            assert await sender.dispatch() == (2, 0)
    assert sorted(hook.titles()) == ["[node] React 예약 앱 개발", "[react] React 예약 앱 개발"]


@deferred_f_from_coro_f
async def test_a_failing_channel_recovers_and_holds_back_no_other(database_url: str) -> None:
    with webhook([500]) as failing, webhook() as working:
        async with database(database_url) as db:
            sender, counts = dispatcher(db, search("all", failing.url, working.url))
            await sender.register()
            await store(db, fresh("1"), fresh("2"))
            # The failing channel is tried once: the other posting waits with it.
            assert await sender.dispatch() == (2, 1)
            assert (len(working.messages), failing.refused, len(failing.messages)) == (2, 1, 0)
            failed = [row for row in await deliveries(db) if row.attempts and not row.sent_at]
            assert len(failed) == 1 and "500" in (failed[0].last_error or "")
            # A later cycle: it answers again, and gets both, once.
            assert await sender.dispatch() == (2, 0)
            assert await sender.dispatch() == (0, 0)
            rows = await deliveries(db)
    assert sorted(urls(failing.messages)) == sorted(urls(working.messages))
    assert len(working.messages) == 2
    assert counts == {"matched": 4, "sent": 4, "messages": 4, "failed": 1}
    assert all(row.sent_at is not None and row.last_error is None for row in rows)
    assert sorted(row.attempts for row in rows) == [1, 1, 1, 2]


@deferred_f_from_coro_f
async def test_a_failed_channel_waits_for_its_backoff(database_url: str) -> None:
    with webhook([500]) as hook:
        async with database(database_url) as db:
            sender, _ = dispatcher(
                db, search("all", hook.url), options=DispatchOptions(retry_backoff=3600)
            )
            await sender.register()
            await store(db, fresh("1"))
            assert await sender.dispatch() == (0, 1)
            assert await sender.dispatch() == (0, 0)
            (row,) = await deliveries(db)
    assert hook.refused == 1 and hook.messages == []
    assert row.next_attempt_at > datetime.now(UTC) + timedelta(minutes=59)


@deferred_f_from_coro_f
async def test_a_digest_goes_out_when_digests_are_due(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as db:
            daily = search("daily", hook.url, mode="digest", language="ko")
            sender, _ = dispatcher(db, daily, options=DispatchOptions(digest_size=2))
            await sender.register()
            await store(db, fresh("1"), fresh("2"), fresh("3"))
            assert await sender.dispatch(digests=False) == (0, 0)
            assert await sender.dispatch() == (3, 0)
    assert hook.titles() == ["[daily] 공고 2건", "[daily] React 예약 앱 개발"]


@deferred_f_from_coro_f
async def test_reopened_and_budget_raised(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as db:
            watching = search("watch", hook.url, events=frozenset(EVENTS))
            sender, _ = dispatcher(db, watching, search("new only", hook.url))
            await sender.register()
            for version in (
                fresh("1"),
                fresh("1", status="closed"),
                fresh("1"),  # reopened
                fresh("1", budget_max=9_000_000),  # raised
                fresh("1", budget_max=7_000_000),  # lowered: no alert
            ):
                await store(db, version)
                await sender.dispatch()
    titles = hook.titles()
    assert sorted(titles[:2]) == ["[new only] React 예약 앱 개발", "[watch] React 예약 앱 개발"]
    assert titles[2:] == [
        "[watch] Reopened: React 예약 앱 개발",
        "[watch] Budget raised: React 예약 앱 개발",
    ]


@deferred_f_from_coro_f
async def test_backfill_sends_the_baseline_once(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as db:
            sender, _ = await after_a_baseline(db, hook.url)
            assert await sender.dispatch() == (0, 0)
            assert [row["external_id"] for row in await preview(db, search("all"))] == ["old"]
            assert await sender.backfill("all") == (1, 0)
            assert await sender.backfill("all") == (0, 0)
    assert urls(hook.messages) == ["https://www.wishket.com/project/old/"]


@deferred_f_from_coro_f
async def test_dispatchers_at_once_send_each_posting_once(database_url: str) -> None:
    with webhook() as hook:
        async with database(database_url) as first, database(database_url) as second:
            watch = search("all", hook.url)
            senders = [dispatcher(db, watch)[0] for db in (first, second, first)]
            await senders[0].register()
            await store(first, *(fresh(str(number)) for number in range(8)))
            results = await asyncio.gather(*(sender.dispatch() for sender in senders))
    assert sum(sent for sent, _ in results) == 8
    assert sorted(urls(hook.messages)) == sorted(
        f"https://www.wishket.com/project/{number}/" for number in range(8)
    )
