"""`scrapy check`: every spider's callback contracts hold, offline, over the recordings."""

import pytest

from tests.commands.test_crawl import SPIDERS
from tests.scrapy_run import replay


@pytest.mark.parametrize("spider", sorted(SPIDERS))
def test_contracts_pass_offline(spider: str) -> None:
    listed = replay("check", "--list", spider)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("*") >= 1, f"{spider} has no contracts"
    result = replay("check", spider)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK" in result.stderr
