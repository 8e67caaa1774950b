"""Health check: how often each field is filled, against the spider's earlier crawls.

A site that changed its markup often still yields postings, with a field left empty:
description filled in 98% of postings before, 20% now.
"""

from __future__ import annotations

from spidermon import monitors

from outsourcing_crawler.health.base import HealthMonitor, Stats


def coverage(stats: Stats, spider: str, field: str) -> float:
    """The share of a crawl's postings with ``field`` filled, from the completeness counts."""
    scraped = stats.get("item_scraped_count", 0)
    missing = stats.get(f"outsourcing/missing_fields/{spider}/{field}", 0)
    return 1 - missing / scraped if scraped else 0.0


@monitors.name("coverage")
class CoverageMonitor(HealthMonitor):
    """Field coverage: a field filled far less often than usual is degraded."""

    def test_field_coverage(self) -> None:
        settings = self.crawler.settings
        minimum = settings.getint("HEALTH_COVERAGE_MIN_POSTINGS", 5)
        if self.stats.get("item_scraped_count", 0) < minimum:
            self.skipTest(f"fewer than {minimum} postings scraped")
        runs = self.enough(
            self.earlier_successes(where=lambda run: run.get("item_scraped_count", 0) >= minimum)
        )
        name = self.spider.name
        drop = settings.getfloat("HEALTH_COVERAGE_DROP", 0.3)
        lost = []
        for field in getattr(self.spider, "expected_fields", ()):
            now = coverage(self.stats, name, field)
            usual = self.usual(lambda run, field=field: coverage(run, name, field), runs)
            if usual - now >= drop:
                lost.append(f"{field} filled in {now:.0%} of postings (usually {usual:.0%})")
        if lost:
            self.fail("; ".join(lost))
