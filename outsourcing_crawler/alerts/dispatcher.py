"""From the database to the channels: which stored postings match a saved search, and
sending each of them once to each of its channels.

A dispatch has two steps. *Matching* reads the postings first stored (and the changes made)
since a channel's last dispatch, and records a pending delivery for each match, all in one
transaction. *Sending* takes the pending deliveries that are due, claims each message's rows,
sends, and marks them sent at once. What a process stored but did not send before it died
is matched and sent by the next dispatch; nothing is recorded twice, so nothing is sent
twice. A channel that fails is retried at later dispatches, backing off, and holds back no
other channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from outsourcing_crawler.alerts.channels import Channel
from outsourcing_crawler.alerts.config import SavedSearch
from outsourcing_crawler.alerts.matching import matches
from outsourcing_crawler.alerts.messages import SAMPLE, message
from outsourcing_crawler.budgets import BudgetConverter
from outsourcing_crawler.db import Database
from outsourcing_crawler.db import deliveries as store
from outsourcing_crawler.db.deliveries import DueDelivery, Pair

__all__ = ["DispatchOptions", "Dispatcher", "change_events", "preview", "send_sample"]

logger = logging.getLogger(__name__)

Count = Callable[[str, int], None]


@dataclass(frozen=True)
class DispatchOptions:
    """The knobs of sending (the ``ALERTS_*`` settings)."""

    send_timeout: float = 30.0
    retry_backoff: float = 60.0
    retry_backoff_max: float = 3600.0
    # Postings stored this long before a channel's last dispatch are matched again: a crawl
    # may commit a posting a while after the time it stamps on it as first seen.
    lookback: float = 300.0
    digest_size: int = 50
    # Budgets converted as the crawl's settings say (BASE_CURRENCY aside); None: the defaults.
    budgets: BudgetConverter | None = None

    @property
    def lease(self) -> timedelta:
        """How long a claimed delivery waits before another dispatch may send it."""
        return timedelta(seconds=2 * self.send_timeout + 60)

    def retry_at(self, now: datetime, attempts: int) -> datetime:
        """When to try again after the ``attempts``-th failure in a row."""
        delay = min(self.retry_backoff * 2 ** max(attempts - 1, 0), self.retry_backoff_max)
        return now + timedelta(seconds=delay)


def change_events(changes: Iterable[Mapping[str, Any]]) -> list[tuple[str, int, datetime]]:
    """``(event, project_id, changed_at)`` for each reopening and budget raise among change
    rows; the changes of one posting at one moment make one event."""
    events: dict[tuple[int, datetime, str], int] = {}
    for change in changes:
        old, new = change["old_value"], change["new_value"]
        if change["field"] == "status":
            kind = "reopened" if (old, new) == ("closed", "open") else None
        else:
            numbers = isinstance(old, int) and isinstance(new, int)
            kind = "budget_raised" if numbers and new > old else None
        if kind is not None:
            key = (change["project_id"], change["changed_at"], kind)
            events[key] = min(events.get(key, change["id"]), change["id"])
    return [(f"{kind}:{first}", project, at) for (project, at, kind), first in events.items()]


def _lower_bound(subscription: Any, lookback: timedelta) -> datetime | None:
    """From when a channel's postings are still to be matched (None: from the start)."""
    checked = subscription.checked_until
    bounds = [subscription.since, checked - lookback if checked is not None else None]
    known = [bound for bound in bounds if bound is not None]
    return max(known) if known else None


class Dispatcher:
    """Dispatches the saved searches' postings through one database."""

    def __init__(
        self,
        database: Database,
        searches: Sequence[SavedSearch],
        options: DispatchOptions | None = None,
        count: Count | None = None,
    ) -> None:
        self.database = database
        self.searches = {search.name: search for search in searches}
        self.options = options or DispatchOptions()
        self.count: Count = count or (lambda key, value: None)
        self.channels: dict[Pair, Channel] = {
            (search.name, channel.key): channel for search in searches for channel in search.notify
        }

    def _pairs(self, only: str | None) -> list[Pair]:
        return [pair for pair in self.channels if only is None or pair[0] == only]

    async def register(self, now: datetime | None = None) -> None:
        """Set the baseline of every channel not seen before: postings stored until now are
        not sent. Call it before a crawl stores anything."""
        async with self.database.session() as session:
            await store.register(session, self.channels, now or datetime.now(UTC))

    async def backfill(self, name: str) -> tuple[int, int]:
        """Send the search's stored matches that its channels have not had; (sent, failed)."""
        async with self.database.session() as session:
            await store.register(session, self._pairs(name), datetime.now(UTC))
            await store.reset_baseline(session, name)
        return await self.dispatch(only=name)

    async def dispatch(self, *, digests: bool = True, only: str | None = None) -> tuple[int, int]:
        """Match, then send what is due; returns how many deliveries were (sent, failed).

        ``digests=False`` leaves digest searches' deliveries for a later dispatch (a digest
        goes out once per crawl); ``only`` limits the dispatch to one search.
        """
        await self._match(self._pairs(only), datetime.now(UTC))
        return await self._send(only, digests, datetime.now(UTC))

    async def _match(self, pairs: Sequence[Pair], now: datetime) -> None:
        lookback = timedelta(seconds=self.options.lookback)
        async with self.database.session() as session:
            await store.register(session, pairs, now)
            subscriptions = await store.subscriptions(session, pairs)
            bounds = {pair: _lower_bound(subscriptions[pair], lookback) for pair in pairs}
            known = [bound for bound in bounds.values() if bound is not None]
            earliest = min(known) if len(known) == len(bounds) and known else None
            postings = await store.postings_first_seen_since(session, earliest)
            events: list[tuple[str, int, datetime]] = []
            if any(self.searches[name].events - {"new"} for name, _ in pairs):
                events = change_events(await store.changes_since(session, earliest))
            changed = await store.postings_by_id(session, sorted({event[1] for event in events}))
            found: dict[str, list[tuple[str, dict[str, Any], datetime]]] = {}
            rows = []
            for pair in pairs:
                name, channel = pair
                search = self.searches[name]
                if name not in found:
                    candidates = [("new", row, row["first_seen_at"]) for row in postings]
                    candidates += [
                        (event, changed[project], at)
                        for event, project, at in events
                        if project in changed
                    ]
                    found[name] = [
                        (event, posting, at)
                        for event, posting, at in candidates
                        if event.split(":", 1)[0] in search.events
                        and matches(search, posting, now, self.options.budgets)
                    ]
                bound = bounds[pair]
                rows += [
                    {
                        "search": name,
                        "channel": channel,
                        "project_id": posting["id"],
                        "event": event,
                        "created_at": now,
                    }
                    for event, posting, at in found[name]
                    if bound is None or at >= bound
                ]
            recorded = await store.record_matches(session, rows)
            await store.mark_checked(session, pairs, now)
        if recorded:
            self.count("matched", recorded)

    async def _send(self, only: str | None, digests: bool, now: datetime) -> tuple[int, int]:
        names = [name for name, _ in self._pairs(only)]
        async with self.database.session() as session:
            due = await store.due(session, names, now)
            postings = await store.postings_by_id(
                session, sorted({delivery.project_id for delivery in due})
            )
        groups: dict[Pair, list[DueDelivery]] = {}
        for delivery in due:
            pair = (delivery.search, delivery.channel)
            # A channel dropped from the file keeps its rows until it comes back.
            if pair in self.channels and (digests or self.searches[pair[0]].mode == "each"):
                groups.setdefault(pair, []).append(delivery)
        results = await asyncio.gather(
            *(self._send_channel(pair, rows, postings, now) for pair, rows in groups.items())
        )
        return sum(sent for sent, _ in results), sum(failed for _, failed in results)

    async def _send_channel(
        self,
        pair: Pair,
        rows: Sequence[DueDelivery],
        postings: Mapping[int, dict[str, Any]],
        now: datetime,
    ) -> tuple[int, int]:
        search, channel = self.searches[pair[0]], self.channels[pair]
        size = 1 if search.mode == "each" else self.options.digest_size
        batches = [list(rows[start : start + size]) for start in range(0, len(rows), size)]
        sent = 0
        for number, batch in enumerate(batches):
            async with self.database.session() as session:
                claimed = await store.claim(
                    session, [row.id for row in batch], now, now + self.options.lease
                )
            batch = [row for row in batch if row.id in claimed and row.project_id in postings]
            if not batch:
                continue
            title, body = message(
                search, [(row.event, postings[row.project_id]) for row in batch], now
            )
            error = await channel.send(title, body, self.options.send_timeout)
            ids = [row.id for row in batch]
            if error is None:
                async with self.database.session() as session:
                    await store.mark_sent(session, ids, datetime.now(UTC))
                sent += len(batch)
                self.count("sent", len(batch))
                self.count("messages", 1)
                continue
            retry_at = self.options.retry_at(now, max(row.attempts for row in batch) + 1)
            later = [row.id for rest in batches[number + 1 :] for row in rest]
            async with self.database.session() as session:
                await store.mark_failed(session, ids, retry_at, error[:1000])
                await store.postpone(session, later, retry_at)
            self.count("failed", len(batch))
            logger.warning(
                "Alert %r could not send %d posting(s) to %s (%s); trying again after %s",
                search.name,
                len(batch),
                channel.masked,
                error,
                f"{retry_at:%Y-%m-%d %H:%M:%S} UTC",
            )
            return sent, len(batch)
        if sent:
            logger.info("Alert %r sent %d posting(s) to %s", search.name, sent, channel.masked)
        return sent, 0


async def preview(
    database: Database,
    search: SavedSearch,
    now: datetime | None = None,
    budgets: BudgetConverter | None = None,
) -> list[dict[str, Any]]:
    """The stored open postings that match the search now, the newest first."""
    now = now or datetime.now(UTC)
    async with database.session() as session:
        postings = await store.open_postings(session, search.platforms)
    return [posting for posting in postings if matches(search, posting, now, budgets)]


async def send_sample(search: SavedSearch, time_limit: float) -> list[tuple[Channel, str | None]]:
    """One sample message to each of the search's channels: ``(channel, error or None)``."""
    title, body = message(search, [("new", SAMPLE)], datetime.now(UTC))
    errors = await asyncio.gather(
        *(channel.send(title, body, time_limit) for channel in search.notify)
    )
    return list(zip(search.notify, errors, strict=True))
