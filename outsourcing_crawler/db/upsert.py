"""Writing a batch of postings: insert new ones, update changed ones, touch unchanged ones.

The batch arrives as plain dicts with the ProjectItem's keys; this module knows nothing of
spiders or Scrapy. One call runs inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import Project, ProjectChange

# The posting's own content: what the content hash covers and an update rewrites.
CONTENT_FIELDS: tuple[str, ...] = (
    "url",
    "title",
    "description",
    "category",
    "skills",
    "budget_min",
    "budget_max",
    "currency",
    "budget_type",
    "duration_days",
    "work_type",
    "location",
    "posted_at",
    "deadline",
    "applicants",
    "status",
    "extra",
)
# Fields whose every change is kept in project_changes.
TRACKED_FIELDS: tuple[str, ...] = (
    "status",
    "budget_min",
    "budget_max",
    "deadline",
    "applicants",
    "title",
    "description",
)
# Keys per IN (...) list: far below every driver's parameter limit.
_IN_CHUNK = 2_000

projects = Project.__table__
project_changes = ProjectChange.__table__


@dataclass
class BatchResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: int = 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


# Datetimes go through _jsonable, in UTC: the same instant always encodes the same way.
_JSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _encode(value: Any) -> bytes:
    return orjson.dumps(value, default=_jsonable, option=_JSON_OPTIONS)


def content_hash(row: Mapping[str, Any]) -> str:
    """A digest of the posting's content, the same for the same content on every run."""
    content = {name: row.get(name) for name in CONTENT_FIELDS}
    # Change detection, not security: SHA-1 is the fastest digest here (measured against
    # BLAKE2b, SHA-256 and MD5 on 10 KB postings).
    return hashlib.sha1(_encode(content), usedforsecurity=False).hexdigest()


def _comparable(value: Any) -> Any:
    """A value as JSON keeps it, so that a change row's old and new values compare alike."""
    return orjson.loads(_encode(value))


def _insert(dialect: str) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(projects)


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def _existing(
    session: AsyncSession, platform: str, external_ids: Sequence[str], lock: bool
) -> dict[str, tuple[int, str]]:
    """``external_id -> (id, content_hash)`` of the rows already stored."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(external_ids):
        query = (
            select(projects.c.external_id, projects.c.id, projects.c.content_hash)
            .where(projects.c.platform == platform, projects.c.external_id.in_(chunk))
            .order_by(projects.c.external_id)
        )
        if lock:
            # Rows are locked in one order by every writer, so two crawls never deadlock.
            query = query.with_for_update()
        for external_id, row_id, digest in await session.execute(query):
            found[external_id] = (row_id, digest)
    return found


async def _old_values(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    columns = [projects.c.id, *(projects.c[name] for name in TRACKED_FIELDS)]
    old: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for row in await session.execute(select(*columns).where(projects.c.id.in_(chunk))):
            values = row._asdict()
            old[values.pop("id")] = values
    return old


def _changes(
    project_id: int, old: Mapping[str, Any], new: Mapping[str, Any], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for name in TRACKED_FIELDS:
        before, after = _comparable(old.get(name)), _comparable(new.get(name))
        if before != after:
            rows.append(
                {
                    "project_id": project_id,
                    "field": name,
                    "old_value": before,
                    "new_value": after,
                    "changed_at": now,
                }
            )
    return rows


async def store_batch(
    session: AsyncSession, rows: Iterable[Mapping[str, Any]], now: datetime | None = None
) -> BatchResult:
    """Upsert postings keyed on ``(platform, external_id)``; the last of a repeated key wins."""
    now = now or datetime.now(UTC)
    dialect = session.bind.dialect.name
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in rows:
        latest[(row["platform"], row["external_id"])] = row

    result = BatchResult()
    writes: list[dict[str, Any]] = []
    changed: dict[int, dict[str, Any]] = {}
    unchanged_ids: list[int] = []
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in sorted(latest):
        by_platform.setdefault(platform, []).append(external_id)

    for platform, external_ids in by_platform.items():
        existing = await _existing(session, platform, external_ids, lock=dialect == "postgresql")
        for external_id in external_ids:
            row = latest[(platform, external_id)]
            digest = content_hash(row)
            stored = existing.get(external_id)
            if stored is not None and stored[1] == digest:
                unchanged_ids.append(stored[0])
                continue
            values = {name: row.get(name) for name in CONTENT_FIELDS}
            values.update(
                platform=platform,
                external_id=external_id,
                scraped_at=row.get("scraped_at"),
                content_hash=digest,
                first_seen_at=now,
                last_seen_at=now,
                updated_at=now,
                closed_at=now if row.get("status") == "closed" else None,
            )
            writes.append(values)
            if stored is None:
                result.inserted += 1
            else:
                changed[stored[0]] = values
                result.updated += 1

    if changed:
        old = await _old_values(session, list(changed))
        change_rows = [
            change
            for project_id, values in changed.items()
            for change in _changes(project_id, old.get(project_id, {}), values, now)
        ]
        if change_rows:
            await session.execute(project_changes.insert(), change_rows)
            result.changes = len(change_rows)

    if writes:
        statement = _insert(dialect)
        excluded = statement.excluded
        refreshed = {
            name: excluded[name]
            for name in (
                *CONTENT_FIELDS,
                "scraped_at",
                "content_hash",
                "last_seen_at",
                "updated_at",
            )
        }
        # Keep the first time a posting was seen closed; a reopened posting has none.
        refreshed["closed_at"] = case(
            (excluded.status == "closed", func.coalesce(projects.c.closed_at, excluded.closed_at)),
            else_=None,
        )
        statement = statement.on_conflict_do_update(
            index_elements=[projects.c.platform, projects.c.external_id],
            set_=refreshed,
            where=projects.c.content_hash != excluded.content_hash,
        )
        # executemany: SQLAlchemy batches the rows within the driver's parameter limit.
        await session.execute(statement, writes)

    for chunk in _chunks(unchanged_ids):
        await session.execute(
            update(projects).where(projects.c.id.in_(chunk)).values(last_seen_at=now)
        )
    result.unchanged = len(unchanged_ids)
    return result
