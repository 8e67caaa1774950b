"""What ``scrapy alerts list`` and ``scrapy alerts preview`` print: saved searches, how their
channels stand, and the stored postings a search matches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from outsourcing_crawler.alerts.config import SavedSearch
from outsourcing_crawler.db import Database
from outsourcing_crawler.db import deliveries as store
from outsourcing_crawler.db.deliveries import ChannelSummary

__all__ = ["criteria", "posting_lines", "search_lines"]


def _moment(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "the start"


def criteria(search: SavedSearch) -> str:
    """The search's criteria in one line."""
    parts = []
    lists = (
        ("platforms", search.platforms),
        ("keywords", search.keywords),
        ("skills", search.skills),
        ("exclude", search.exclude),
        ("budget type", search.budget_types),
        ("work type", search.work_types),
    )
    for label, values in lists:
        if values:
            parts.append(
                f"{label}: {', '.join(sorted(values) if isinstance(values, frozenset) else values)}"
            )
    low, high = search.budget_min, search.budget_max
    if low is not None and high is not None:
        parts.append(f"budget: {low:,}–{high:,} {search.currency}")
    elif low is not None:
        parts.append(f"budget: at least {low:,} {search.currency}")
    elif high is not None:
        parts.append(f"budget: at most {high:,} {search.currency}")
    if search.min_days_left is not None:
        parts.append(f"at least {search.min_days_left} days left")
    return "; ".join(parts) or "every new posting"


async def search_lines(database: Database | None, searches: Sequence[SavedSearch]) -> list[str]:
    """Each search, its criteria and, with a database, how each of its channels stands."""
    summaries: Mapping[tuple[str, str], ChannelSummary] = {}
    if database is not None:
        pairs = [(search.name, channel.key) for search in searches for channel in search.notify]
        async with database.session() as session:
            summaries = await store.summary(session, pairs)
    lines = []
    for search in searches:
        events = ", ".join(sorted(search.events))
        lines.append(f"{search.name}  ({search.mode}; {events}; {search.language})")
        lines.append(f"  {criteria(search)}")
        for channel in search.notify:
            lines.append(f"  -> {channel.masked}")
            found = summaries.get((search.name, channel.key))
            if found is None:
                if database is not None:
                    lines.append("     not started: its first crawl sets the baseline")
                continue
            state = (
                f"     since {_moment(found.since)}: sent {found.sent}, waiting {found.pending}"
                f", failing {found.failing}"
            )
            if found.last_sent_at is not None:
                state += f"; last sent {_moment(found.last_sent_at)}"
            lines.append(state)
            if found.last_error:
                lines.append(f"     last error: {found.last_error}")
    return lines


def posting_lines(postings: Sequence[Mapping[str, Any]], limit: int) -> list[str]:
    """The first ``limit`` postings, one line each, and how many more there are."""
    lines = [
        f"{posting['first_seen_at']:%Y-%m-%d %H:%M}  {posting['platform']:<10}  "
        f"{posting['title']}  {posting['url']}"
        for posting in postings[:limit]
    ]
    if len(postings) > limit:
        lines.append(f"... and {len(postings) - limit} more")
    return lines
