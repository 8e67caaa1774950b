"""Health check: the crawl ended as a crawl that did its job ends."""

from __future__ import annotations

from spidermon import monitors

from outsourcing_crawler.crawl_stats import succeeded
from outsourcing_crawler.health.base import HealthMonitor


@monitors.name("finish")
class FinishMonitor(HealthMonitor):
    """The finish reason: blocked, unreachable or broken crawls are broken."""

    @monitors.level.high
    def test_finish_reason(self) -> None:
        reason = self.stats.get("finish_reason")
        if not succeeded(reason):
            self.fail(f"the crawl ended as {reason}")
