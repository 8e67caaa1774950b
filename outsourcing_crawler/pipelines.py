"""Item pipelines, one concern each: validate, count completeness, store."""

from __future__ import annotations

import asyncio
import logging
import typing
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import astuple
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import CloseSpider, DropItem, NotConfigured
from scrapy.utils.project import data_path
from sqlalchemy import literal, select
from sqlalchemy.exc import SQLAlchemyError

from outsourcing_crawler.budgets import (
    BUDGET_FIELDS,
    NOT_CONVERTED,
    BudgetConverter,
    NoRateError,
)
from outsourcing_crawler.db import (
    BatchResult,
    Database,
    DatabaseTooNew,
    databases,
    describe_target,
    open_migrated,
    store_batch,
)
from outsourcing_crawler.db.first_seen import first_seen_undated
from outsourcing_crawler.items import (
    BUDGET_TYPES,
    FIELD_TYPES,
    PLATFORMS,
    STATUSES,
    WORK_TYPES,
    ProjectItem,
    item_dict,
)
from outsourcing_crawler.spool import Spool
from outsourcing_crawler.storage import storage_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

REQUIRED = ("platform", "external_id", "url", "title")
ALLOWED_WORDS: dict[str, tuple[str, ...]] = {
    "platform": PLATFORMS,
    "budget_type": BUDGET_TYPES,
    "work_type": WORK_TYPES,
    "status": STATUSES,
}
Check = Callable[[Any], bool]


def _checker(hint: Any) -> Check:
    """A fast test for one non-None annotation, built once: validation runs on every item."""
    origin = typing.get_origin(hint)
    if origin is list:
        (inner,) = typing.get_args(hint)
        return lambda value: isinstance(value, list) and all(isinstance(v, inner) for v in value)
    if origin is dict:
        return lambda value: isinstance(value, dict)
    if hint is int:
        return lambda value: type(value) is int  # bool is an int, and never an amount
    if hint is datetime:
        return lambda value: isinstance(value, datetime) and value.tzinfo is not None
    return lambda value: isinstance(value, hint)


# ``(field, may be None, check)``: the dataclass is the schema.
SCHEMA = [(name, nullable, _checker(kind)) for name, (kind, nullable) in FIELD_TYPES.items()]
# The database pipeline's signal, sent with ``database=`` once the crawl's database is
# migrated, before the pipeline writes to it: what keeps the crawl's own records there (the
# crawl_runs extension) starts then. A handler that raises one of UNAVAILABLE stops the crawl
# as the pipeline does when it cannot use the database.
database_opened = object()
UNAVAILABLE = (OSError, SQLAlchemyError, DatabaseTooNew)


def problem(fields: dict[str, Any]) -> str | None:
    """Why an item may not be stored (``missing_title``, ``invalid_budget_type``...), or None."""
    for name in REQUIRED:
        value = fields.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"missing_{name}"
    for name, nullable, check in SCHEMA:
        value = fields.get(name)
        if value is None:
            if nullable:
                continue
            return f"missing_{name}"
        if not check(value):
            return f"invalid_{name}"
    for name, allowed in ALLOWED_WORDS.items():
        value = fields.get(name)
        if value is not None and value not in allowed:
            return f"invalid_{name}"
    minimum, maximum = fields.get("budget_min"), fields.get("budget_max")
    if minimum is not None and maximum is not None and minimum > maximum:
        return "invalid_budget_range"
    if (minimum is not None or maximum is not None) and fields.get("currency") is None:
        return "missing_currency"
    return None


class ValidationPipeline:
    """Drops an item that breaks the ProjectItem contract, naming the field."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        fields = item_dict(item)
        reason = problem(fields)
        if reason is not None:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"outsourcing/dropped/{reason}")
            raise DropItem(
                f"{reason}: {fields.get('platform')}/{fields.get('external_id')} "
                f"{fields.get('url')}"
            )
        return item


class CompletenessPipeline:
    """Counts items missing a field that their spider's site normally fills.

    A site that changed its markup shows up here as a rising count, not as silence.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        assert self.crawler.stats is not None and spider is not None
        expected = getattr(spider, "expected_fields", ())
        fields = item_dict(item) if expected else {}
        for name in expected:
            if fields.get(name) in (None, "", [], {}):
                self.crawler.stats.inc_value(f"outsourcing/missing_fields/{spider.name}/{name}")
        return item


def _default_spool_dir() -> Path:
    """``.scrapy/spool`` of the project, or of the working folder where there is no
    scrapy.cfg: Scrapyd runs a deployed egg, and ``data_path`` would raise NotConfigured
    there, silently turning the pipeline off."""
    try:
        return Path(data_path("spool", createdir=True))
    except NotConfigured:
        path = Path(".scrapy", "spool")
        path.mkdir(parents=True, exist_ok=True)
        return path


class DatabasePipeline:
    """Stores items in batches through one upsert per flush.

    A flush runs at ``DB_BATCH_SIZE`` buffered items, every ``DB_FLUSH_INTERVAL`` seconds (so a
    slow crawl still lands postings promptly) and at close. Flushes take turns, each in its
    own session. The database is migrated when the crawl opens; one that cannot be used stops
    the crawl as ``database_unavailable``. ``STORAGE_ENABLED = False`` leaves the pipeline out
    (export-only runs).
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        url = storage_url(settings)
        if url is None:
            raise NotConfigured("STORAGE_ENABLED is off")
        self.crawler = crawler
        self.url = url
        self.batch_size = settings.getint("DB_BATCH_SIZE", 500)
        self.interval = settings.getfloat("DB_FLUSH_INTERVAL", 5.0)
        self.retries = settings.getint("DB_FLUSH_RETRIES", 3)
        self.backoff = settings.getfloat("DB_RETRY_BACKOFF", 1.0)
        spool_dir = settings.get("DB_SPOOL_DIR") or _default_spool_dir()
        self.spool = Spool(Path(spool_dir) / f"{crawler.spidercls.name}.jsonl")
        self.database: Database | None = None
        # Holds the database from open_spider to close_spider.
        self._held = AsyncExitStack()
        self.buffer: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()
        self._closing = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._writing: asyncio.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def stats(self) -> Any:
        return self.crawler.stats

    async def open_spider(self) -> None:
        try:
            database, migration = await self._held.enter_async_context(
                open_migrated(self.url, databases)
            )
            for _, outcome in await self.crawler.signals.send_catch_log_async(
                database_opened, database=database, dont_log=UNAVAILABLE
            ):
                if isinstance(outcome, UNAVAILABLE):
                    raise outcome
        except UNAVAILABLE as exc:
            await self._held.aclose()
            reason = exc.orig if isinstance(exc, SQLAlchemyError) and exc.orig else exc
            logger.error(
                "Cannot use the database at %s: %s: %s",
                describe_target(self.url),
                type(reason).__name__,
                str(reason).splitlines()[0] if str(reason) else "",
            )
            raise CloseSpider("database_unavailable") from None
        if migration.changed:
            logger.info("Migrated the database from %s to %s", *migration)
        self.database = database
        if self.spool:
            # What an earlier crawl could not store goes in before anything new.
            await self.flush()
        self._timer = asyncio.create_task(self._flush_periodically())

    async def process_item(self, item: Any) -> Any:
        self.buffer.append(item_dict(item))
        if len(self.buffer) >= self.batch_size:
            if self._writing is not None and not self._writing.done():
                # One batch is written while the crawl goes on; the next waits for it, so
                # memory stays bounded when the database is slower than the sites.
                await asyncio.shield(self._writing)
            if len(self.buffer) >= self.batch_size:
                self._writing = asyncio.ensure_future(self.flush())
        return item

    async def _flush_periodically(self) -> None:
        while not self._closing.is_set():
            try:
                await asyncio.wait_for(self._closing.wait(), self.interval)
            except TimeoutError:
                await self.flush()

    async def flush(self) -> None:
        """Write the buffer (after anything spooled) in one transaction.

        A failed write is retried with exponential backoff; if the database still refuses
        it, the batch goes to the spool and the crawl goes on.
        """
        async with self._lock:
            if self.database is None or not (self.buffer or self.spool):
                return
            batch, self.buffer = self.buffer, []
            spooled, broken = self.spool.load() if self.spool else ([], 0)
            started = perf_counter()
            for attempt in range(self.retries + 1):
                try:
                    result = await self._store([*spooled, *batch])
                    break
                except Exception as exc:  # the database is unreachable: _store said so
                    self.stats.inc_value("outsourcing/db/flush_errors")
                    error = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                    if attempt < self.retries:
                        delay = self.backoff * 2**attempt
                        logger.warning(
                            "Storing %d items in %s failed (%s); retrying in %.1f s",
                            len(spooled) + len(batch),
                            describe_target(self.url),
                            error,
                            delay,
                        )
                        await asyncio.sleep(delay)
                        continue
                    spooled_now = self.spool.append(batch)
                    self.stats.inc_value("outsourcing/db/spooled", spooled_now)
                    if spooled_now < len(batch):
                        self.stats.inc_value(
                            "outsourcing/dropped/unspoolable", len(batch) - spooled_now
                        )
                    logger.error(
                        "Could not store %d items in %s (%s): spooled to %s for the next flush",
                        len(batch),
                        describe_target(self.url),
                        error,
                        self.spool.path,
                    )
                    return
            if spooled or broken:
                self.spool.remove()
                self.stats.inc_value("outsourcing/db/spool_loaded", len(spooled))
                if broken:
                    self.stats.inc_value("outsourcing/db/spool_broken_lines", broken)
            self.stats.inc_value("outsourcing/db/flushes")
            self.stats.inc_value("outsourcing/db/flush_seconds", perf_counter() - started)
            self.stats.inc_value("outsourcing/db/inserted", result.inserted)
            self.stats.inc_value("outsourcing/db/updated", result.updated)
            self.stats.inc_value("outsourcing/db/unchanged", result.unchanged)
            self.stats.inc_value("outsourcing/db/changes", result.changes)

    async def _store(self, rows: list[dict[str, Any]]) -> BatchResult:
        """Store rows in one transaction; raises only when the database cannot be reached.

        A database that answers yet refuses the batch refuses some row in it (a NUL
        character, a number too large for its column...): the batch is halved until that
        row is alone, and only that row is left out, logged and counted. Retrying or
        spooling the whole batch would refuse it again, and every batch after it.
        """
        assert self.database is not None
        try:
            async with self.database.session() as session:
                return await store_batch(session, rows)
        except Exception as exc:
            if not await self._reachable():
                raise
            if len(rows) > 1:
                half = len(rows) // 2
                first, second = await self._store(rows[:half]), await self._store(rows[half:])
                return BatchResult(
                    *(a + b for a, b in zip(astuple(first), astuple(second), strict=True))
                )
            self.stats.inc_value("outsourcing/dropped/refused_by_database")
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
            logger.error(
                "The database refused %s/%s, left out: %s",
                rows[0].get("platform"),
                rows[0].get("external_id"),
                reason,
            )
            return BatchResult()

    async def _reachable(self) -> bool:
        assert self.database is not None
        try:
            async with self.database.session() as session:
                await session.execute(select(literal(1)))
        except Exception:
            return False
        return True

    async def close_spider(self) -> None:
        if self._timer is not None:
            # Let a flush already under way finish: cancelling it would lose its batch.
            self._closing.set()
            await self._timer
        if self._writing is not None:
            await self._writing
        await self.flush()
        self.database = None
        await self._held.aclose()


class BudgetPipeline:
    """Puts every posting's budget on one scale: in ``BASE_CURRENCY`` at the ECB reference
    rate of its day, and per month (outsourcing_crawler/budgets.py, docs/budgets.md).

    A posting without a posted date takes the day it was first seen: for one stored already,
    its ``first_seen_at``, read once as the crawl opens, so that seeing it again converts it as
    before instead of rewriting it at each day's rate. A posting whose currency has no rate
    keeps the fields empty, counted as ``outsourcing/budgets/<reason>/<currency>``.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.converter = BudgetConverter.from_settings(settings)
        self.url = storage_url(settings)
        self.first_seen: dict[str, datetime] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def open_spider(self) -> None:
        if self.url is None:
            return
        database = databases.acquire(self.url)
        try:
            async with database.session() as session:
                self.first_seen = await first_seen_undated(session, self.crawler.spider.name)
        except (OSError, SQLAlchemyError) as exc:
            # A new database has no table yet (the database pipeline creates it); one that
            # cannot be reached stops the crawl there, with the reason.
            logger.debug("No first-seen times of stored postings: %s", exc)
        finally:
            await databases.release(database)

    async def process_item(self, item: Any) -> Any:
        fields = item_dict(item)
        if fields.get("posted_at") is None:
            fields["first_seen_at"] = self.first_seen.get(str(fields.get("external_id")))
        try:
            budget = self.converter.convert(fields)
        except NoRateError as error:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(
                f"outsourcing/budgets/{error.reason}/{fields.get('currency')}"
            )
            budget = NOT_CONVERTED
        # The item's own attributes where it has them: a tenth of ItemAdapter's cost.
        target = vars(item) if type(item) is ProjectItem else ItemAdapter(item)
        for name in BUDGET_FIELDS:
            target[name] = getattr(budget, name)
        return item
