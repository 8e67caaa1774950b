"""What list pages showed: a reading counts once its posting is stored, and a lookup probes
the index for each id, even on a table the planner knows nothing about yet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql

from outsourcing_crawler.db import Database, migrate
from outsourcing_crawler.db.listings import known_listings, record_listings
from outsourcing_crawler.db.models import Project

READ_AT = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def reading(external_id: str, digest: str = "h", has_item: bool = True) -> dict[str, Any]:
    return {
        "platform": "kmong",
        "external_id": external_id,
        "listing_hash": digest,
        "fetched_at": READ_AT,
        "has_item": has_item,
    }


def project(external_id: str, seen: datetime) -> dict[str, Any]:
    return {
        "platform": "kmong",
        "external_id": external_id,
        "url": f"https://kmong.com/custom-project/requests/{external_id}",
        "title": f"쇼핑몰 앱 개발 {external_id}",
        "skills": [],
        "extra": {},
        "scraped_at": seen,
        "status": "open",
        "content_hash": "c",
        "first_seen_at": seen,
        "last_seen_at": seen,
        "updated_at": seen,
    }


def literal(value: int | str | list[str]) -> str:
    """A test value as SQL (ids and names without quotes in them)."""
    if isinstance(value, list):
        return f"ARRAY[{', '.join(map(literal, value))}]::varchar[]"
    return str(value) if isinstance(value, int) else f"'{value}'"


@deferred_f_from_coro_f
async def test_a_reading_counts_once_its_posting_is_stored(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate(database)
        async with database.session() as session:
            await record_listings(
                session,
                [
                    reading("1", "old"),
                    reading("1", "new"),  # the last of a repeated key wins
                    reading("2"),  # read, but its posting never stored (a killed crawl)
                    reading("3", has_item=False),  # a detail page with no posting
                    reading("4"),  # stored before this reading only
                    reading("5"),
                ],
            )
            await session.execute(
                insert(Project.__table__),
                [
                    project("1", READ_AT + timedelta(seconds=1)),
                    project("4", READ_AT - timedelta(days=1)),
                    project("5", READ_AT),
                ],
            )
            await session.commit()
        async with database.session() as session:
            known = await known_listings(session, "kmong", ["1", "2", "3", "4", "5", "9"])
            elsewhere = await known_listings(session, "wishket", ["1"])
            nothing = await known_listings(session, "kmong", [])
    finally:
        await database.dispose()
    assert {key: digest for key, (digest, _) in known.items()} == {"1": "new", "3": "h", "5": "h"}
    assert known["1"][1] == READ_AT
    assert elsewhere == nothing == {}


@deferred_f_from_coro_f
async def test_a_lookup_probes_the_index_on_a_table_without_statistics(
    postgresql_url: str,
) -> None:
    """With ``external_id = ANY(...)`` the planner read every listing of the platform and
    filtered it at each lookup while the table had no statistics (a first crawl)."""
    database = Database(postgresql_url)
    try:
        await migrate(database)
        async with database.session() as session:
            await record_listings(session, [reading(str(n)) for n in range(5_000)])
            await session.execute(
                insert(Project.__table__), [project(str(n), READ_AT) for n in range(5_000)]
            )
            await session.commit()
        async with database.session() as session:
            ids = [str(n) for n in range(0, 5_000, 100)]
            asked = [*ids, ids[0], "no-such-id"]  # a repeated id and an unknown one
            # The plan a prepared statement keeps, as asyncpg's are, after a few executions.
            await session.execute(text("SET plan_cache_mode = force_generic_plan"))
            captured: list[Any] = []

            class Capture:
                bind = session.bind

                async def execute(self, query: Any) -> list[Any]:
                    captured.append(query)
                    return []

            await known_listings(Capture(), "kmong", asked)  # type: ignore[arg-type]
            compiled = captured[0].compile(dialect=postgresql.asyncpg.dialect())
            sql = str(compiled)
            values = [compiled.params[name] for name in compiled.positiontup]
            await session.execute(text(f"PREPARE lookup AS {sql}"))
            arguments = ", ".join(map(literal, values))
            plan = await session.scalar(
                text(f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE lookup({arguments})")
            )
            found = await known_listings(session, "kmong", asked)
    finally:
        await database.dispose()
    assert set(found) == set(ids)

    def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
        return [node, *(child for plan in node.get("Plans", []) for child in nodes(plan))]

    def rows_read(relation: str) -> float:
        # EXPLAIN ANALYZE gives both counts per loop (rounded: hence the bound below).
        return sum(
            (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
            for node in nodes(plan[0]["Plan"])
            if node.get("Relation Name") == relation
        )

    # At most a row of each table per id asked; reading the platform's listings would be
    # 5,000 a lookup.
    assert len(ids) <= rows_read("listings") <= len(asked)
    assert len(ids) <= rows_read("projects") <= len(asked)
