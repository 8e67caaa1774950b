"""Postings for the grouping tests: the recorded ones of the evaluation set, and features of
hand-made ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from outsourcing_crawler.grouping import PostingFeatures, posting_features
from tests.grouping.evaluation import evaluation_set
from tests.grouping.variations import Posting, is_korean

DAY_ONE = datetime(2026, 11, 1, tzinfo=UTC)


def recorded(*, korean: bool, with_text: bool = True) -> list[Posting]:
    """The recorded postings (not the copies made of them) in one language."""
    return [
        posting
        for posting in evaluation_set()["postings"].values()
        if not posting["external_id"].startswith("x")
        and is_korean(posting) is korean
        and (posting["description"] or not with_text)
    ]


def features(key: str, posting: dict[str, Any], day: float = 0) -> PostingFeatures:
    return posting_features(posting, key=key, seen_at=DAY_ONE + timedelta(days=day))
