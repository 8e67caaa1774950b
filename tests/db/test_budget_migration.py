"""The migration that adds budgets in the base currency fills the rows stored before it."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import Connection, insert, inspect, select, text

from outsourcing_crawler.budgets import BaseBudget
from outsourcing_crawler.db import Database, migrate
from outsourcing_crawler.db.migrate import alembic_config
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.items import ProjectItem
from tests.test_budget_pipeline import crawl
from tests.test_pipelines import posting

BUDGET_COLUMNS = {field.name for field in dataclasses.fields(BaseBudget)}
SEEN = datetime(2026, 11, 29, 3, tzinfo=UTC)
SEEN_FIELDS = ("first_seen_at", "last_seen_at", "updated_at")
# The fields of a posting stored before the budget fields.
OLD_FIELDS = [
    field.name for field in dataclasses.fields(ProjectItem) if field.name not in BUDGET_COLUMNS
]
# (posted, first seen, budget) -> (base min, base max, monthly min, rate date): ECB fixings
# of 14 March 2025 (1 EUR = 1582.87 KRW = 1.0889 USD = 0.84183 GBP) and 24 December 2025
# (1707.04 KRW, 0.8729 GBP).
ROWS: list[tuple[datetime | None, datetime, dict[str, Any], tuple[Any, ...]]] = [
    # Posted on a Saturday: Friday's rate.
    (
        datetime(2025, 3, 15, 10, tzinfo=UTC),
        SEEN,
        {"budget_min": 25, "budget_max": 45, "currency": "USD", "budget_type": "hourly"},
        (36_341, 65_414, 6_299_112, date(2025, 3, 14)),
    ),
    # No posted date: the day it was first seen (Christmas: the 24th's rate).
    (
        None,
        datetime(2025, 12, 25, 1, tzinfo=UTC),
        {"budget_min": 3_000, "budget_max": 3_000, "currency": "GBP", "budget_type": "monthly"},
        (5_866_789, 5_866_789, 5_866_789, date(2025, 12, 24)),
    ),
    (
        None,
        SEEN,
        {"budget_min": 30_000_000, "budget_max": 30_000_000, "currency": "KRW",
         "budget_type": "fixed", "duration_days": 90},
        (30_000_000, 30_000_000, 10_000_000, None),
    ),
    # Nothing to convert, or nothing to convert it at: left empty.
    (None, SEEN, {"currency": "TWD", "budget_min": 1_000, "budget_type": "fixed"}, None),
    (None, SEEN, {"budget_type": "negotiable"}, None),
]  # fmt: skip


def to_revision(connection: Connection, url: str, revision: str, down: bool = False) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


def columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("projects")}


def old_row(n: int, posted: datetime | None, seen: datetime, budget: dict[str, Any]) -> dict:
    return {
        "platform": "guru",
        "external_id": str(n),
        "url": f"https://www.guru.com/jobs/{n}",
        "title": f"Job {n}",
        "skills": [],
        "status": "open",
        "extra": {},
        "posted_at": posted,
        "content_hash": "",
        "first_seen_at": seen,
        "last_seen_at": seen,
        "updated_at": seen,
        **budget,
    }


@deferred_f_from_coro_f
async def test_rows_stored_before_are_converted(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(to_revision, database_url, "0003")
            assert not BUDGET_COLUMNS & await connection.run_sync(columns)
            # Only the columns revision 0003 knows.
            old = Project.__table__
            for n, (posted, seen, budget, _) in enumerate(ROWS):
                await connection.execute(insert(old), [old_row(n, posted, seen, budget)])
        before, _ = await migrate(database)
        assert before == "0003"
        async with database.session() as session:
            stored = (await session.scalars(select(Project).order_by(Project.id))).all()
        for project, (_, _, _, expected) in zip(stored, ROWS, strict=True):
            figures = (
                project.base_budget_min,
                project.base_budget_max,
                project.monthly_budget_min,
                project.exchange_rate_date,
            )
            if expected is None:
                assert figures == (None, None, None, None)
                assert project.base_currency is None
            else:
                assert figures == expected
                assert project.base_currency == "KRW"
        assert stored[0].exchange_rate == pytest.approx(1582.87 / 1.0889)
        assert stored[2].exchange_rate is None  # already in won
    finally:
        await database.dispose()


@deferred_f_from_coro_f
async def test_downgrade_drops_the_columns(database_url: str) -> None:
    database = Database(database_url)
    try:
        await migrate(database)
        async with database.engine.begin() as connection:
            assert await connection.run_sync(columns) >= BUDGET_COLUMNS
            await connection.run_sync(to_revision, database_url, "0003", True)
            assert not BUDGET_COLUMNS & await connection.run_sync(columns)
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert version == "0003"
    finally:
        await database.dispose()


@pytest.mark.parametrize(
    "changes",
    [
        {},  # in won, no posted date
        {"currency": "USD", "budget_min": 25, "budget_max": 45, "budget_type": "hourly",
         "posted_at": datetime(2025, 3, 15, 10, tzinfo=UTC)},
    ],
    ids=["krw", "usd"],
)  # fmt: skip
@deferred_f_from_coro_f
async def test_postings_stored_before_are_not_rewritten_when_seen_again(
    database_url: str, changes: dict[str, Any]
) -> None:
    item = replace(posting(1), **changes)
    gone = replace(posting(2), status="closed")
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(to_revision, database_url, "0003")
            for stored, digest in ((item, "a digest of the fields before"), (gone, "")):
                values = {name: getattr(stored, name) for name in OLD_FIELDS}
                row = {**values, "content_hash": digest, **dict.fromkeys(SEEN_FIELDS, SEEN)}
                await connection.execute(insert(Project.__table__), [row])
        await migrate(database)
    finally:
        await database.dispose()
    stats = await crawl(database_url, [item, replace(gone, status="open")])
    assert stats["outsourcing/db/unchanged"] == 1
    # The posting closed as gone is rewritten, reopened.
    assert stats["outsourcing/db/updated"] == 1
