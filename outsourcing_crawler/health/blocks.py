"""Health check: block and challenge pages the crawl met."""

from __future__ import annotations

from spidermon import monitors

from outsourcing_crawler.health.base import HealthMonitor


@monitors.name("blocks")
class BlocksMonitor(HealthMonitor):
    """Blocks: any block page is degraded (a crawl stopped by blocks is broken as well)."""

    def test_no_blocks(self) -> None:
        blocked = self.stats.get(f"outsourcing/blocked/{self.spider.name}", 0)
        if blocked:
            self.fail(f"{blocked} block or challenge pages")
