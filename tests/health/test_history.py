"""What the history extension records of a crawl: its scope."""

import pytest

from outsourcing_crawler.health.history import crawl_scope
from outsourcing_crawler.spiders.kmong import KmongSpider
from tests.support import make_spider


@pytest.mark.parametrize(
    ("arguments", "incremental", "scope"),
    [
        ({}, True, "incremental"),
        ({"full": "1"}, True, "full"),
        ({}, False, "full"),
        ({"q": "앱", "max_pages": "2"}, True, "incremental max_pages=2 q=앱"),
    ],
)
def test_scope(arguments: dict[str, str], incremental: bool, scope: str) -> None:
    assert crawl_scope(make_spider(KmongSpider, **arguments), incremental) == scope
