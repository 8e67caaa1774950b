"""What a crawl's Scrapy stats add up to, for its crawl_runs row and the crawlall summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _sum(stats: Mapping[str, Any], *prefixes: str) -> int:
    return sum(value for key, value in stats.items() if key.startswith(prefixes))


def dropped(stats: Mapping[str, Any]) -> int:
    """Items refused by the pipelines (validation, or a row the database refused)."""
    return _sum(stats, "outsourcing/dropped/")


def errors(stats: Mapping[str, Any]) -> int:
    """Parse errors the spiders counted and exceptions that escaped their callbacks."""
    return _sum(stats, "outsourcing/parse_errors/", "spider_exceptions/")
