"""The collector: a cycle of the due spiders on every slot of a period, until it is stopped.

A spider is due once its own interval has passed since its last start (:func:`crawl_intervals`),
so that a site that asks to be crawled slowly is not crawled at every slot. :func:`collect` runs
a :class:`Collector` on a crawler process until SIGINT or SIGTERM: a stop lets the running
crawls close (their pipelines flush) and starts no new cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import signal
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy.exceptions import UsageError
from scrapy.utils.ossignal import install_shutdown_handlers, signal_names

from outsourcing_crawler.collector.cycle import (
    Cycle,
    format_summary,
    prepare_database,
    start_cycle,
)
from outsourcing_crawler.collector.plan import PlannedCrawl

if TYPE_CHECKING:
    from types import FrameType

    from scrapy import Spider
    from scrapy.crawler import CrawlerProcessBase, CrawlerRunnerBase
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhd])+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | float) -> float:
    """Seconds in ``90s``, ``10m``, ``1h``, ``1h30m``, ``1d``; a bare number is seconds.

    Raises ValueError for anything else, and for a duration that is not more than zero.
    """
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        try:
            seconds = float(text)
        except ValueError:
            if not _DURATION.fullmatch(text):
                raise ValueError(f"not a duration: {value!r} (e.g. 90s, 10m, 1h, 1h30m)") from None
            seconds = sum(
                float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(text)
            )
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"not a duration of more than zero: {value!r}")
    return seconds


def crawl_intervals(
    spidercls_of: Callable[[str], type[Spider]],
    names: Sequence[str],
    every: float,
    settings: BaseSettings,
) -> dict[str, float]:
    """Each spider's minimum seconds between two starts of its crawl, in ``names`` order.

    The longest of: ``every``; the spider's entry in ``CRAWL_INTERVALS``; and, for a spider
    whose own ``custom_settings`` set a ``DOWNLOAD_DELAY`` (the site's ``Crawl-delay``), the
    time ``CRAWL_INTERVAL_DELAY_REQUESTS`` requests take at that delay: a site that asks
    for 5 s between requests is crawled at most every 5 minutes, however short ``every``.
    """
    configured = settings.getdict("CRAWL_INTERVALS", {})
    delay_requests = settings.getfloat("CRAWL_INTERVAL_DELAY_REQUESTS", 60)
    intervals = {}
    for name in names:
        interval = every
        if name in configured:
            try:
                interval = max(interval, parse_duration(configured[name]))
            except ValueError as exc:
                raise UsageError(f"CRAWL_INTERVALS[{name!r}]: {exc}", print_help=False) from None
        own_delay = (spidercls_of(name).custom_settings or {}).get("DOWNLOAD_DELAY")
        if own_delay:
            interval = max(interval, float(own_delay) * delay_requests)
        intervals[name] = interval
    return intervals


# Slot times are computed from one start in floating point: a spider whose interval is a
# whole number of slots must not miss its slot by a rounding error.
_SLACK = 1e-3


def due_spiders(
    intervals: Mapping[str, float], last_starts: Mapping[str, float], now: float
) -> list[str]:
    """The spiders whose interval has passed since their last start (or that never started).

    A spider that failed is due like any other: it is retried at its next slot.
    """
    return [
        name
        for name, interval in intervals.items()
        if name not in last_starts or now - last_starts[name] >= interval - _SLACK
    ]


def next_slot(slot: int, elapsed: float, every: float) -> int:
    """The number of the next slot to run, ``elapsed`` seconds after slot 0.

    A cycle that overran its period skips the slots it overlapped rather than catching up
    with cycles back to back.
    """
    return max(slot + 1, math.ceil(elapsed / every))


def _describe(seconds: float) -> str:
    for unit in ("d", "h", "m"):
        if seconds >= _UNIT_SECONDS[unit] and seconds % _UNIT_SECONDS[unit] == 0:
            return f"{seconds / _UNIT_SECONDS[unit]:g}{unit}"
    return f"{seconds:g}s"


class Collector:
    """Runs a cycle of the due spiders on every slot, ``every`` seconds apart, until stopped."""

    def __init__(
        self,
        runner: CrawlerRunnerBase,
        plan: Sequence[PlannedCrawl],
        every: float,
        intervals: Mapping[str, float],
    ) -> None:
        self.runner = runner
        self.plan = list(plan)
        self.every = every
        self.intervals = dict(intervals)
        self.last_starts: dict[str, float] = {}
        # Cycles in a row that each spider did not finish, for the log.
        self.failures: dict[str, int] = {}
        self.cycles = 0
        self._stopping = asyncio.Event()
        self._cycle: Cycle | None = None
        self._stop_crawls: asyncio.Task[None] | None = None

    def request_stop(self, signame: str) -> None:
        """Start no new cycle, and close the running crawls gracefully (on the event loop)."""
        if self._stopping.is_set():
            return
        logger.info(
            "Received %s: stopping once the running crawls have closed; no new cycle starts "
            "(send it again to stop at once)",
            signame,
        )
        self._stopping.set()
        if self._cycle is not None:
            self._stop_crawls = asyncio.ensure_future(self._cycle.stop())

    async def run(self) -> None:
        """Cycles until :meth:`request_stop`; returns once the last cycle is over."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        slot = 0
        logger.info(
            "Collecting every %s: %s",
            _describe(self.every),
            ", ".join(
                f"{name} at most every {_describe(seconds)}"
                for name, seconds in self.intervals.items()
            ),
        )
        while not self._stopping.is_set():
            slot_time = start + slot * self.every
            due = due_spiders(self.intervals, self.last_starts, slot_time)
            if due:
                for name in due:
                    self.last_starts[name] = slot_time
                await self._run_cycle([planned for planned in self.plan if planned.spider in due])
            following = next_slot(slot, loop.time() - start, self.every)
            if due and following > slot + 1:
                logger.warning(
                    "Cycle %d took longer than %s: %d slot(s) skipped",
                    self.cycles,
                    _describe(self.every),
                    following - slot - 1,
                )
            slot = following
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._stopping.wait(), max(0.0, start + slot * self.every - loop.time())
                )
        if self._stop_crawls is not None:
            await self._stop_crawls

    async def _run_cycle(self, plan: Sequence[PlannedCrawl]) -> None:
        self.cycles += 1
        loop = asyncio.get_running_loop()
        started_at, started = datetime.now(UTC), loop.time()
        logger.info(
            "Cycle %d starts: %s", self.cycles, ", ".join(planned.spider for planned in plan)
        )
        self._cycle = cycle = start_cycle(self.runner, plan)
        try:
            await cycle.finished()
        finally:
            self._cycle = None
        rows = cycle.rows()
        header = (
            f"cycle {self.cycles}: started {started_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"took {loop.time() - started:.1f} s{', stopped' if cycle.stopping else ''}"
        )
        table = format_summary(rows)
        print(f"{header}\n{table}\n", flush=True)
        logger.info("%s\n%s", header, table)
        for row in rows:
            if row.succeeded:
                self.failures.pop(row.spider, None)
            elif not (cycle.stopping and row.finish_reason == "shutdown"):
                self.failures[row.spider] = count = self.failures.get(row.spider, 0) + 1
                logger.error(
                    "%s did not finish: %s (%d cycle(s) in a row); retried at its next slot",
                    row.spider,
                    row.finish_reason,
                    count,
                )


def collect(process: CrawlerProcessBase, collector: Collector, settings: BaseSettings) -> int:
    """Run ``collector`` on the process's reactor until it stops; returns the exit status.

    The first SIGINT or SIGTERM asks it to stop (status 0); a second one stops the reactor
    at once, without waiting for the crawls (status 1). Scrapy's own handlers would stop the
    reactor as soon as the crawls they can see have stopped: a collector between cycles, or a
    crawl still opening, would be cut off.
    """
    from twisted.internet import reactor

    status = 0

    def stop_reactor() -> None:
        with contextlib.suppress(RuntimeError):  # already stopping
            reactor.stop()

    def stop_at_once(signame: str) -> None:
        nonlocal status
        logger.warning("Received %s twice: stopping without waiting for the crawls", signame)
        status = 1
        stop_reactor()

    # Signal handlers only hand over to the event loop: logging from one could interrupt a
    # write to the same stream.
    def force(signum: int, _: FrameType | None) -> None:
        install_shutdown_handlers(signal.SIG_IGN)
        reactor.callFromThread(stop_at_once, signal_names[signum])

    def shutdown(signum: int, _: FrameType | None) -> None:
        install_shutdown_handlers(force)
        reactor.callFromThread(collector.request_stop, signal_names[signum])

    async def run() -> None:
        nonlocal status
        try:
            await collector.run()
        except Exception:
            logger.exception("The collector stopped on an unexpected error")
            status = 1
        finally:
            stop_reactor()

    install_shutdown_handlers(shutdown)
    prepare_database(settings)
    # Created before the loop runs, as runner.crawl does; held here, as the loop holds its
    # tasks by weak reference only.
    _running = asyncio.get_event_loop().create_task(run())
    process.start(stop_after_crawl=False, install_signal_handlers=False)
    return status
