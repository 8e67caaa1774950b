"""Block pages met by the crawl."""

from tests.health.judging import crawl_stats, findings, judge


def test_a_block_page_is_degraded() -> None:
    record = judge(crawl_stats(**{"outsourcing/blocked/kmong": 1}))
    assert findings(record) == {"blocks": ("degraded", "1 block or challenge pages")}
