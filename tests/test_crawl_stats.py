"""A crawl's stats add up to its dropped and error counts."""

from outsourcing_crawler import crawl_stats

STATS = {
    "outsourcing/dropped/missing_title": 2,
    "outsourcing/dropped/refused_by_database": 1,
    "outsourcing/parse_errors/kmong/http_503": 1,
    "outsourcing/parse_errors/kmong/missing_key_status": 3,
    "spider_exceptions/KeyError": 1,
    "outsourcing/missing_fields/kmong/deadline": 5,
    "item_scraped_count": 9,
}


def test_dropped_counts_every_drop_reason() -> None:
    assert crawl_stats.dropped(STATS) == 3


def test_errors_count_parse_errors_and_escaped_exceptions() -> None:
    assert crawl_stats.errors(STATS) == 5


def test_an_empty_crawl_counts_nothing() -> None:
    assert crawl_stats.dropped({}) == crawl_stats.errors({}) == 0
