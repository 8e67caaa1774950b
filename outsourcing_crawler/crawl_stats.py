"""What a crawl's Scrapy stats say: its drops and errors (its crawl_runs row, the crawlall
summary) and whether its finish reason is a success (the exit status of the crawl commands)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A crawl that ended for one of these reasons did its job; any other reason is a failure.
SUCCESS_REASONS = frozenset({"finished"})


def _sum(stats: Mapping[str, Any], *prefixes: str) -> int:
    return sum(value for key, value in stats.items() if key.startswith(prefixes))


def dropped(stats: Mapping[str, Any]) -> int:
    """Items refused by the pipelines (validation, or a row the database refused)."""
    return _sum(stats, "outsourcing/dropped/")


def errors(stats: Mapping[str, Any]) -> int:
    """Parse errors the spiders counted and exceptions that escaped their callbacks."""
    return _sum(stats, "outsourcing/parse_errors/", "spider_exceptions/")


def succeeded(reason: str | None) -> bool:
    """Whether a finish reason means success (a ``CLOSESPIDER_*`` limit counts as success)."""
    return reason in SUCCESS_REASONS or (reason or "").startswith("closespider_")
