"""Health check: list pages that only repeated postings already seen."""

from __future__ import annotations

from spidermon import monitors

from outsourcing_crawler.health.base import HealthMonitor
from outsourcing_crawler.list_pages import REPEATED_PAGES


@monitors.name("pagination")
class PaginationMonitor(HealthMonitor):
    """Pagination: a list page repeating earlier ones means the site ignores the page asked."""

    def test_pages_do_not_repeat(self) -> None:
        repeated = self.stats.get(REPEATED_PAGES, 0)
        if repeated:
            self.fail(f"{repeated} list pages showed only postings seen before: pagination stopped")
