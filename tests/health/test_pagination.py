"""List pages that only repeated postings already seen."""

from outsourcing_crawler.list_pages import REPEATED_PAGES
from tests.health.judging import crawl_stats, findings, judge


def test_a_repeating_list_page_is_degraded() -> None:
    record = judge(crawl_stats(**{REPEATED_PAGES: 1}))
    assert findings(record) == {
        "pagination": (
            "degraded",
            "1 list pages showed only postings seen before: pagination stopped",
        )
    }
