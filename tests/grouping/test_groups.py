"""Grouping posting by posting gives the groups a rebuild gives, whatever the order."""

from __future__ import annotations

from datetime import timedelta
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outsourcing_crawler.grouping import (
    WINDOW,
    BoilerplateModel,
    Grouper,
    PostingFeatures,
    rebuild,
)
from tests.grouping import variations as v
from tests.grouping.evaluation import evaluation_set, features_of
from tests.grouping.postings import features, recorded

POSTINGS = features_of(evaluation_set()["postings"])
MODEL = BoilerplateModel.fit(POSTINGS.values())
IN_TIME_ORDER = sorted(POSTINGS.values(), key=lambda posting: posting.seen_at)


def grouped_one_by_one(postings: list[PostingFeatures], window: timedelta) -> dict:
    grouper = Grouper(MODEL, window=window)
    for posting in postings:
        grouper.add(posting)
    return grouper.groups()


@pytest.mark.parametrize("days", [5, 20, 60])
def test_adding_in_time_order_gives_the_groups_of_a_rebuild(days: int) -> None:
    window = timedelta(days=days)
    groups = grouped_one_by_one(IN_TIME_ORDER, window)
    assert groups == rebuild(POSTINGS.values(), model=MODEL, window=window)
    assert len(set(groups.values())) < len(groups)  # there is something to group


YEAR = timedelta(days=365)  # one window: no posting leaves the index
IN_ONE_WINDOW = rebuild(POSTINGS.values(), model=MODEL, window=YEAR)


@settings(max_examples=5, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_groups_do_not_depend_on_the_order(random: Random) -> None:
    shuffled = list(POSTINGS.values())
    random.shuffle(shuffled)
    assert grouped_one_by_one(shuffled, YEAR) == IN_ONE_WINDOW
    assert rebuild(shuffled, model=MODEL, window=YEAR) == IN_ONE_WINDOW


def test_adding_in_bulk_is_adding_one_by_one() -> None:
    grouper = Grouper(MODEL)
    grouper.add_many(posting for posting in IN_TIME_ORDER)
    assert grouper.groups() == grouped_one_by_one(IN_TIME_ORDER, WINDOW)


def test_a_rebuild_learns_the_boilerplate_itself() -> None:
    postings = (posting for posting in POSTINGS.values())  # features may come as made
    assert rebuild(postings) == rebuild(POSTINGS.values(), model=MODEL)


def _original_and_repost(gap: float) -> tuple[PostingFeatures, PostingFeatures]:
    posting = recorded(korean=True)[1]
    repost = v.reword(posting, Random(3), strength=0.3)
    return features("original", posting), features("repost", repost, day=gap)


def test_a_group_is_named_after_its_first_posting() -> None:
    original, repost = _original_and_repost(3)
    grouper = Grouper(MODEL)
    assert grouper.add(repost) == "repost"
    assert grouper.add(original) == "original"
    assert grouper.groups() == {"original": "original", "repost": "original"}


def test_postings_further_apart_than_the_window_are_not_grouped() -> None:
    original, repost = _original_and_repost(61)
    assert rebuild([original, repost], model=MODEL) == {
        "original": "original",
        "repost": "repost",
    }
    grouper = Grouper(MODEL)
    grouper.add(original)
    assert grouper.add(repost) == "repost"


def test_a_posting_too_late_for_the_window_is_refused() -> None:
    original, repost = _original_and_repost(61)
    grouper = Grouper(MODEL)
    grouper.add(repost)
    grouper.add(features("later", recorded(korean=True)[2], day=125))  # repost leaves
    with pytest.raises(ValueError, match="too late"):
        grouper.add(original)


def test_a_posting_is_added_once() -> None:
    original, _ = _original_and_repost(1)
    grouper = Grouper(MODEL)
    grouper.add(original)
    with pytest.raises(ValueError, match="grouped already"):
        grouper.add(original)
