"""Health check: parse errors, against the spider's earlier crawls of the same scope.

Some errors are the site's daily noise (a posting taken down, a 503 now and then): only a
share of pages with errors well above the usual one is a finding.
"""

from __future__ import annotations

from collections import Counter

from spidermon import monitors

from outsourcing_crawler import crawl_stats
from outsourcing_crawler.health.base import HealthMonitor, Stats

ERROR_PREFIXES = ("outsourcing/parse_errors/", "spider_exceptions/")


def error_rate(stats: Stats) -> float:
    """Parse errors and callback exceptions per page received."""
    return crawl_stats.errors(stats) / max(1, stats.get("response_received_count", 0))


def error_kinds(stats: Stats) -> Counter[str]:
    """Errors by kind: ``no_cards``, ``http_503``, ``KeyError``..."""
    return Counter(
        {
            key.rpartition("/")[2]: value
            for key, value in stats.items()
            if key.startswith(ERROR_PREFIXES)
        }
    )


@monitors.name("parse_errors")
class ParseErrorsMonitor(HealthMonitor):
    """Parse errors: a share of pages with errors far above the usual one is degraded."""

    def test_parse_errors(self) -> None:
        settings = self.crawler.settings
        errors = crawl_stats.errors(self.stats)
        if errors < settings.getint("HEALTH_MIN_PARSE_ERRORS", 3):
            return
        runs = self.enough(self.earlier_successes(same_scope=True))
        rate, usual = error_rate(self.stats), self.usual(error_rate, runs)
        if rate - usual >= settings.getfloat("HEALTH_PARSE_ERRORS_RISE", 0.2):
            kinds = ", ".join(f"{kind} x{n}" for kind, n in error_kinds(self.stats).most_common(5))
            self.fail(
                f"{errors} errors in {self.stats.get('response_received_count', 0)} pages "
                f"({rate:.0%}, usually {usual:.0%}): {kinds}"
            )
