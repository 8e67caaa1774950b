"""Writing a batch of postings: insert new ones, update changed ones, touch unchanged ones.

The batch arrives as plain dicts with the ProjectItem's keys; this module knows nothing of
spiders or Scrapy. One call runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, any_, bindparam, case, func, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db.models import Project, ProjectChange
from outsourcing_crawler.fingerprints import content_hash, stable_json
from outsourcing_crawler.items import CONTENT_FIELDS

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


def _comparable(value: Any) -> Any:
    """A value as JSON keeps it, so that a change row's old and new values compare alike."""
    return orjson.loads(stable_json(value))


def _insert(dialect: str) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(projects)


def among(column: Any, values: Sequence[Any], dialect: str) -> Any:
    """``column IN values``: one array parameter on PostgreSQL, where an expanding IN list
    costs a bound parameter (and its compilation) per value."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def probe_each(
    values: Sequence[Any], column: Any, probe: Callable[[ColumnElement[Any]], Select[Any]]
) -> Select[Any]:
    """``probe(value)`` run for each of ``values`` in one PostgreSQL statement: the values
    unnested, each joined to its own LATERAL probe (at most one row: a key).

    ``column = ANY(values)`` lets the planner read a whole key prefix (every posting of a
    platform) and filter it, which it does while a table has no statistics yet (a first
    crawl) and keeps doing in a prepared statement's cached plan; a probe per value can only
    be an index lookup. The LIMIT keeps the planner from flattening the probe back into a
    join. Values come out in their order, so rows a probe locks are locked in that order.
    """
    wanted = (
        func.unnest(bindparam(None, list(values), type_=ARRAY(column.type)))
        .table_valued("value")
        .render_derived()
    )
    found = probe(wanted.c.value).limit(1).lateral()
    return select(found).select_from(wanted.join(found, true()))


def _chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


async def _touch_existing(
    session: AsyncSession, platform: str, external_ids: Sequence[str], now: datetime
) -> dict[str, dict[str, Any]]:
    """Move ``last_seen_at`` of the rows already stored; returns their ids and content hashes.

    One statement both marks the rows seen and reads them back. On PostgreSQL the rows are
    locked in key order first, so that two crawls writing the same postings wait for each
    other instead of deadlocking, and the second compares against what the first committed.
    """
    dialect = session.bind.dialect.name
    returned = [projects.c.external_id, projects.c.id, projects.c.content_hash]
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(external_ids):
        statement = update(projects).values(last_seen_at=now).returning(*returned)
        if dialect == "postgresql":
            # Locked in key order (the chunk's): probe_each takes the values in turn.
            locked = probe_each(
                chunk,
                projects.c.external_id,
                lambda wanted: (
                    select(projects.c.id)
                    .where(projects.c.platform == platform, projects.c.external_id == wanted)
                    .with_for_update()
                ),
            ).subquery()
            statement = statement.where(projects.c.id == locked.c.id)
        else:
            statement = statement.where(
                projects.c.platform == platform, projects.c.external_id.in_(chunk)
            )
        for row in await session.execute(statement):
            values = row._asdict()
            found[values.pop("external_id")] = values
    return found


async def _tracked_values(session: AsyncSession, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The tracked fields as stored (locked already), read only for the rows that changed:
    a re-crawl of unchanged postings reads nothing but their hashes."""
    dialect = session.bind.dialect.name
    columns = [projects.c.id, *(projects.c[name] for name in TRACKED_FIELDS)]
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        query = select(*columns).where(among(projects.c.id, chunk, dialect))
        for row in await session.execute(query):
            values = row._asdict()
            found[values.pop("id")] = values
    return found


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


def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE of everything but the first-seen time."""
    statement = _insert(dialect)
    excluded = statement.excluded
    refreshed = {
        name: excluded[name]
        for name in (*CONTENT_FIELDS, "scraped_at", "content_hash", "last_seen_at", "updated_at")
    }
    # Keep the first time a posting was seen closed; a reopened posting has none.
    refreshed["closed_at"] = case(
        (excluded.status == "closed", func.coalesce(projects.c.closed_at, excluded.closed_at)),
        else_=None,
    )
    return statement.on_conflict_do_update(
        index_elements=[projects.c.platform, projects.c.external_id],
        set_=refreshed,
        where=projects.c.content_hash != excluded.content_hash,
    )


async def store_batch(
    session: AsyncSession, rows: Iterable[Mapping[str, Any]], now: datetime | None = None
) -> BatchResult:
    """Upsert postings keyed on ``(platform, external_id)``; the last of a repeated key wins."""
    now = now or datetime.now(UTC)
    latest: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in rows:
        latest[(row["platform"], row["external_id"])] = row
    by_platform: dict[str, list[str]] = {}
    for platform, external_id in sorted(latest):
        by_platform.setdefault(platform, []).append(external_id)

    result = BatchResult()
    writes: list[dict[str, Any]] = []
    changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for platform, external_ids in by_platform.items():
        existing = await _touch_existing(session, platform, external_ids, now)
        for external_id in external_ids:
            row = latest[(platform, external_id)]
            digest = content_hash(row)
            stored = existing.get(external_id)
            if stored is not None and stored["content_hash"] == digest:
                result.unchanged += 1
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
                changed.append((stored, values))
                result.updated += 1

    if changed:
        old = await _tracked_values(session, [stored["id"] for stored, _ in changed])
        change_rows = [
            change
            for stored, values in changed
            for change in _changes(stored["id"], old[stored["id"]], values, now)
        ]
        if change_rows:
            await session.execute(project_changes.insert(), change_rows)
            result.changes = len(change_rows)
    if writes:
        # executemany: SQLAlchemy batches the rows within the driver's parameter limit.
        await session.execute(_upsert(session.bind.dialect.name), writes)
    return result


async def close_unseen(
    session: AsyncSession, platform: str, seen_since: datetime, now: datetime | None = None
) -> int:
    """Close the open postings of a platform not seen since ``seen_since``; returns how many.

    For after a crawl that saw the platform's whole listing: a posting gone from it was
    taken down or filled. Each closing is recorded as a status change.
    """
    now = now or datetime.now(UTC)
    closed = (
        (
            await session.execute(
                update(projects)
                .where(
                    projects.c.platform == platform,
                    projects.c.status == "open",
                    projects.c.last_seen_at < seen_since,
                )
                # No hash matches "": a posting that comes back is rewritten whole, reopened.
                .values(status="closed", closed_at=now, updated_at=now, content_hash="")
                .returning(projects.c.id)
            )
        )
        .scalars()
        .all()
    )
    if closed:
        await session.execute(
            project_changes.insert(),
            [
                {
                    "project_id": project_id,
                    "field": "status",
                    "old_value": "open",
                    "new_value": "closed",
                    "changed_at": now,
                }
                for project_id in closed
            ],
        )
    return len(closed)
