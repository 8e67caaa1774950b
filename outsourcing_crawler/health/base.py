"""What every health check shares: this crawl's stats, the spider's earlier crawls, settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from statistics import median
from typing import Any

from spidermon.contrib.scrapy.monitors.base import BaseScrapyMonitor

from outsourcing_crawler.crawl_stats import succeeded
from outsourcing_crawler.health.history import SCOPE_STAT

Stats = Mapping[str, Any]


class HealthMonitor(BaseScrapyMonitor):
    """Base of the health checks.

    A check fails (``self.fail``) with a message a person can act on, and skips
    (``self.skipTest``) when it has nothing to judge by. No check judges a crawl that ended
    for a reason in ``HEALTH_UNJUDGED_REASONS`` (stopped by hand, no database): such a crawl
    says nothing of the site.
    """

    def setUp(self) -> None:
        reason = self.stats.get("finish_reason")
        if reason in self.crawler.settings.getlist("HEALTH_UNJUDGED_REASONS"):
            self.skipTest(f"the crawl ended as {reason}, which says nothing of the site")

    def earlier_successes(
        self, *, same_scope: bool = False, where: Callable[[Stats], bool] | None = None
    ) -> list[Stats]:
        """The spider's earlier crawls that did their job, newest first: of this crawl's scope
        only, or only those ``where`` accepts.

        Skips the check when this crawl did not do its job: a crawl cut short measures
        nothing (the finish check reports it).
        """
        if not succeeded(self.stats.get("finish_reason")):
            self.skipTest("the crawl did not do its job: nothing to compare")
        scope = self.stats.get(SCOPE_STAT)
        return [
            run
            for run in self.data.stats_history
            if succeeded(run.get("finish_reason"))
            and (not same_scope or run.get(SCOPE_STAT) == scope)
            and (where is None or where(run))
        ]

    def enough(self, runs: list[Stats]) -> list[Stats]:
        """``runs``, or a skip while they are fewer than ``HEALTH_MIN_HISTORY_RUNS``."""
        needed = self.crawler.settings.getint("HEALTH_MIN_HISTORY_RUNS", 3)
        if len(runs) < needed:
            self.skipTest(f"{len(runs)} earlier crawls to compare with, {needed} needed")
        return runs

    @staticmethod
    def usual(measure: Callable[[Stats], float], runs: list[Stats]) -> float:
        """The median of a measure over earlier crawls."""
        return median(measure(run) for run in runs)
