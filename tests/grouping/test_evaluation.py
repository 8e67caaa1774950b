"""Grouping quality on the labelled pairs built from the recorded postings."""

from __future__ import annotations

from collections import Counter

from outsourcing_crawler.grouping import BoilerplateModel, rebuild
from tests.grouping.build_pairs import build
from tests.grouping.evaluation import evaluation_set, features_of, score

REQUIRED_KINDS = {
    True: {
        "repost_reworded",
        "repost_reordered",
        "repost_budget_changed",
        "skills_translated",
        "cross_platform",
        "cross_platform_heavy_edit",
    },
    False: {"same_client", "agency_template", "generic_title", "recorded_lookalike"},
}


def test_the_set_holds_every_kind_of_pair() -> None:
    pairs = evaluation_set()["pairs"]
    kinds = Counter((pair["same"], pair["kind"]) for pair in pairs)
    assert len(pairs) >= 300
    for same, required in REQUIRED_KINDS.items():
        assert required <= {kind for label, kind in kinds if label is same}
    assert (
        min(sum(n for (label, _), n in kinds.items() if label is same) for same in REQUIRED_KINDS)
        >= 150
    )


def test_the_set_is_what_the_script_builds() -> None:
    data = evaluation_set()
    recorded = [p for p in data["postings"].values() if not p["external_id"].startswith("x")]
    assert build(recorded, data["seed"]) == data


def test_the_rule_meets_its_targets() -> None:
    result = score()
    assert result.precision >= 0.97, result.false_positives
    assert result.recall >= 0.90, result.false_negatives


def test_groups_keep_negative_pairs_apart() -> None:
    """Groups are connected components: a chain of matches must not join two projects."""
    data = evaluation_set()
    features = features_of(data["postings"])
    groups = rebuild(features.values(), model=BoilerplateModel.fit(features.values()))
    joined = [pair for pair in data["pairs"] if groups[pair["a"]] == groups[pair["b"]]]
    wrongly = [pair for pair in joined if not pair["same"]]
    assert 1 - len(wrongly) / len(joined) >= 0.97, wrongly
