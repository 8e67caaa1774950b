"""Content hashes: every stored posting keeps one, so they must never drift."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from outsourcing_crawler.fingerprints import content_hash
from outsourcing_crawler.items import ProjectItem, item_dict
from tests.test_pipelines import KST, posting

# Every field filled.
FULL = posting(1, location="서울", posted_at=datetime(2026, 11, 20, 9, 30, tzinfo=KST))
BARE = ProjectItem(
    platform="guru", external_id="1", url="https://www.guru.com/work/detail/1", title="Logo"
)


@pytest.mark.parametrize(
    ("item", "digest"),
    [(FULL, "1fb8f7c6a464f1c85746cc424fcefe5b"), (BARE, "64c4e8ad02ce570677179719a5102716")],
    ids=["full", "bare"],
)
def test_the_hash_of_a_posting_never_changes(item: ProjectItem, digest: str) -> None:
    """The digests databases already hold: a hash that drifted (a field added to or dropped
    from what it covers, another encoding) would make every stored posting look changed.
    A new ProjectItem field changes them too: leave it out of the content fields, or hash the
    stored postings again in the migration that adds its column (as 0004 does for the budget
    fields)."""
    assert content_hash(item_dict(item)) == digest


@pytest.mark.parametrize(
    "changes",
    [
        {"scraped_at": datetime(2027, 1, 1, tzinfo=UTC)},  # when it was read
        {"platform": "wishket", "external_id": "9"},  # which posting: the key
        {"deadline": datetime(2026, 12, 5, 14, 59, 59, tzinfo=UTC)},  # the same instant
    ],
    ids=["scraped_at", "key", "offset"],
)
def test_what_is_not_content_leaves_the_hash_alone(changes: dict[str, object]) -> None:
    assert content_hash(item_dict(replace(FULL, **changes))) == content_hash(item_dict(FULL))


@pytest.mark.parametrize(
    "changes",
    [{"applicants": 4}, {"extra": {"views": 13}}, {"skills": ["Node.js", "React Native"]}],
    ids=["applicants", "extra", "skills order"],
)
def test_a_change_of_content_changes_the_hash(changes: dict[str, object]) -> None:
    assert content_hash(item_dict(replace(FULL, **changes))) != content_hash(item_dict(FULL))
