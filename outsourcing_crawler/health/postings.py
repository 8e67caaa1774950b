"""Health check: the postings a crawl saw, against the spider's earlier crawls of its scope."""

from __future__ import annotations

from spidermon import monitors

from outsourcing_crawler.health.base import HealthMonitor, Stats
from outsourcing_crawler.list_pages import POSTINGS_SEEN


def postings(stats: Stats) -> int:
    """Postings a crawl saw: those its list pages showed, or scraped where more."""
    return max(stats.get(POSTINGS_SEEN, 0), stats.get("item_scraped_count", 0))


@monitors.name("postings")
class PostingsMonitor(HealthMonitor):
    """Postings seen: none at all is broken, far fewer than usual is degraded."""

    @monitors.level.high
    def test_some_postings(self) -> None:
        if postings(self.stats):
            return
        runs = self.earlier_successes(same_scope=True)
        if runs and self.usual(postings, runs) == 0:
            return  # this crawl's scope usually sees nothing (a rare search)
        if not runs and getattr(self.spider, "arguments_given", None):
            self.skipTest("a search may match nothing, and no earlier crawl of it says more")
        self.fail("no posting seen on any list page")

    @monitors.level.normal
    def test_usual_postings(self) -> None:
        seen = postings(self.stats)
        if not seen:
            self.skipTest("no posting at all: the check above reports it")
        runs = self.enough(self.earlier_successes(same_scope=True))
        usual = self.usual(postings, runs)
        ratio = self.crawler.settings.getfloat("HEALTH_MIN_POSTINGS_RATIO", 0.5)
        if seen <= ratio * usual:
            self.fail(
                f"{seen} postings seen, {seen / usual:.0%} of the usual {usual:g} "
                f"(median of the last {len(runs)} crawls)"
            )
