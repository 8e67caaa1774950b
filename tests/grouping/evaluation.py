"""The labelled pairs of ``tests/data/grouping_pairs.json``, and how well a rule decides them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from outsourcing_crawler.grouping import (
    BoilerplateModel,
    MatchRule,
    PostingFeatures,
    posting_features,
    signature,
)

PAIRS: Final = Path(__file__).parents[1] / "data" / "grouping_pairs.json"


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    false_positives: list[dict[str, Any]]
    false_negatives: list[dict[str, Any]]


@cache
def evaluation_set() -> dict[str, Any]:
    return json.loads(PAIRS.read_text(encoding="utf-8"))


def features_of(postings: dict[str, dict[str, Any]]) -> dict[str, PostingFeatures]:
    return {
        key: posting_features(
            posting, key=key, seen_at=datetime.fromisoformat(posting["posted_at"])
        )
        for key, posting in postings.items()
    }


def score(rule: MatchRule | None = None) -> Score:
    """Precision and recall of ``rule`` on the set, the boilerplate learnt from its postings."""
    data = evaluation_set()
    features = features_of(data["postings"])
    model = BoilerplateModel.fit(features.values())
    signatures = {key: signature(posting, model) for key, posting in features.items()}
    rule = rule or MatchRule()
    decided = [
        (pair, rule.same_project(signatures[pair["a"]], signatures[pair["b"]]))
        for pair in data["pairs"]
    ]
    true_positives = sum(pair["same"] and same for pair, same in decided)
    false_positives = [pair for pair, same in decided if same and not pair["same"]]
    false_negatives = [pair for pair, same in decided if pair["same"] and not same]
    return Score(
        precision=true_positives / ((true_positives + len(false_positives)) or 1),
        recall=true_positives / ((true_positives + len(false_negatives)) or 1),
        false_positives=false_positives,
        false_negatives=false_negatives,
    )
