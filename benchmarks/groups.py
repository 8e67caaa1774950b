"""Grouping benchmark: quality on the labelled pairs, and the cost at 100,000 postings.

    python -m benchmarks.groups [--postings 100000] [--new 1000] [--seed 1]

Prints:

- precision and recall on ``tests/data/grouping_pairs.json``, of the decision rule and of the
  groups (LSH candidates and chains of matches included);
- the CPU (and wall) time to rebuild the groups of N synthetic postings (features,
  boilerplate model, MinHash LSH, decisions), target under 60 s for 100,000, and how the
  groups match the synthetic projects;
- the CPU time to group one new posting against the N stored ones (a :class:`Grouper`
  holding all N in its window), with and without computing its features, target < 2 ms;
- for comparison, the time of one rapidfuzz search of a new posting's text among the N.

The synthetic postings are new projects made from the recorded ones (the lines of two or
three mixed, half of their words replaced from a Zipf-distributed made-up vocabulary so that
each project has words of its own, a product name and budget of its own), one to four copies
of each (reposts, other platforms, changed budgets, translated skills), some filled into
agency templates or put under generic titles, first seen over 59 days.
"""

from __future__ import annotations

import argparse
import itertools
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterator
from datetime import UTC, datetime, timedelta
from random import Random
from typing import TypeVar

from rapidfuzz import fuzz, process

from outsourcing_crawler.grouping import (
    BoilerplateModel,
    Grouper,
    PostingFeatures,
    comparable_text,
    posting_features,
    rebuild,
)
from tests.grouping import variations as v
from tests.grouping.evaluation import evaluation_set, features_of, score

T = TypeVar("T")
Synthetic = tuple[str, v.Posting, datetime]  # key, fields, first seen
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_DAYS = 59  # all within one grouping window: every stored posting is a candidate

_KINDS_KO = ["커머스", "소프트", "병원", "학원", "물류", "랩스", "푸드", "모빌리티", "헬스", "에듀"]
_KINDS_EN = ["Labs", "Studio", "Health", "Logistics", "Foods", "Learning", "Retail", "Systems"]
_HANGUL = re.compile("[가-힣]")
_VOCABULARY_SIZE = 30_000


class Wording:
    """Words for new projects: a Zipf-distributed vocabulary per language, made of the
    syllables of the recorded texts, so that a made-up project has words of its own (as a
    real one has) and common words as often as real text has them."""

    def __init__(self, recorded: list[v.Posting], rng: Random) -> None:
        texts = "".join(f"{p['title']} {p['description']}" for p in recorded)
        korean = sorted(set(_HANGUL.findall(texts)))
        english = [
            onset + vowel
            for onset in [
                "b",
                "c",
                "d",
                "f",
                "g",
                "h",
                "j",
                "k",
                "l",
                "m",
                "n",
                "p",
                "r",
                "s",
                "t",
                "v",
                "w",
                "z",
                "br",
                "cr",
                "dr",
                "fl",
                "gr",
                "pl",
                "st",
                "tr",
                "sh",
            ]
            for vowel in ("a", "e", "i", "o", "u", "ai", "ea", "ou", "er", "in")
        ]
        self.words = {
            True: [self._word(rng, korean, "") for _ in range(_VOCABULARY_SIZE)],
            False: [self._word(rng, english, "") for _ in range(_VOCABULARY_SIZE)],
        }
        self.weights = list(
            itertools.accumulate(1 / rank for rank in range(1, _VOCABULARY_SIZE + 1))
        )

    @staticmethod
    def _word(rng: Random, syllables: list[str], joiner: str) -> str:
        return joiner.join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))

    def reworded(self, line: str, korean: bool, rng: Random) -> str:
        """``line`` with about half of its words replaced by vocabulary words."""
        words = [
            rng.choices(self.words[korean], cum_weights=self.weights)[0]
            if rng.random() < 0.5
            else word
            for word in line.split(" ")
        ]
        return " ".join(words)

    def name(self, korean: bool, rng: Random) -> str:
        word = rng.choice(self.words[korean])
        return word + rng.choice(_KINDS_KO) if korean else f"{word.title()} {rng.choice(_KINDS_EN)}"


def _new_project(rng: Random, recorded: list[v.Posting], wording: Wording) -> v.Posting:
    """A project of its own: the lines of two or three recorded postings of one language in
    its own words, with a client and a product of its own."""
    base = rng.choice(recorded)
    korean = v.is_korean(base)
    same_language = [posting for posting in recorded if v.is_korean(posting) is korean]
    lines = [
        wording.reworded(line, korean, rng)
        for posting in (base, *rng.sample(same_language, rng.randint(1, 2)))
        for line in (posting["description"] or "").split("\n")
        if line
    ]
    product = wording.name(korean, rng)
    factor = rng.choice((0.3, 0.5, 0.8, 1.2, 1.5, 2, 3))
    low, high = base["budget_min"], base["budget_max"]
    return {
        **base,
        "title": f"{product} {wording.reworded(base['title'], korean, rng)}",
        "description": "\n".join(lines),
        "budget_min": round(low * factor) if low else None,
        "budget_max": round(high * factor) if high else None,
    }


def _copy(posting: v.Posting, rng: Random) -> v.Posting:
    edit = rng.choice(("reword", "cross", "budget", "skills"))
    if edit == "cross":
        platforms = v.KOREAN_PLATFORMS if v.is_korean(posting) else v.ENGLISH_PLATFORMS
        return v.cross_post(posting, rng.choice(platforms), rng)
    if edit == "budget":
        return v.reword(v.change_budget(posting, rng), rng, strength=0.2)
    if edit == "skills":
        return v.translate_skills(posting, rng)
    return v.reword(posting, rng)


def synthetic_postings(count: int, seed: int) -> Iterator[Synthetic]:
    """``count`` postings (key, fields, first seen) of about ``count / 1.6`` projects; a key
    is "project.copy"."""
    rng = Random(seed)
    recorded = [
        posting
        for posting in evaluation_set()["postings"].values()
        if not posting["external_id"].startswith("x") and posting["description"]
    ]
    wording = Wording(recorded, rng)
    made = projects = 0
    while made < count:
        project = _new_project(rng, recorded, wording)
        roll = rng.random()
        if roll < 0.03:
            project = v.from_template(project, rng.choice(v.AGENCIES), rng)
        elif roll < 0.05:
            korean = v.is_korean(project)
            titles = v.GENERIC_TITLES_KO if korean else v.GENERIC_TITLES_EN
            project = v.with_generic_title(project, rng.choice(titles), None, rng)
        copies = min(count - made, rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0])
        seen = START + timedelta(seconds=rng.uniform(0, SPAN_DAYS * 86_400))
        for number in range(copies):
            posting = project if number == 0 else _copy(project, rng)
            yield (
                f"{projects}.{number}",
                posting,
                seen + timedelta(hours=number * rng.uniform(1, 72)),
            )
            made += 1
        projects += 1


def _features(postings: list[Synthetic]) -> list[PostingFeatures]:
    return [posting_features(fields, key=key, seen_at=seen) for key, fields, seen in postings]


def _cpu(function: Callable[[], T]) -> tuple[T, float]:
    started = time.process_time()
    result = function()
    return result, time.process_time() - started


def _pairs_in_groups(groups: dict[Hashable, Hashable]) -> list[tuple[Hashable, Hashable]]:
    members: dict[Hashable, list[Hashable]] = defaultdict(list)
    for key, group in groups.items():
        members[group].append(key)
    return [pair for keys in members.values() for pair in itertools.combinations(keys, 2)]


def evaluation_figures() -> None:
    """The rule on the labelled pairs, then the groups (candidates and chains included)."""
    data = evaluation_set()
    rule = score()
    print(f"evaluation set, {len(data['pairs'])} pairs: the rule's precision", end="")
    print(f" {rule.precision:.4f} recall {rule.recall:.4f}")
    groups = rebuild(features_of(data["postings"]).values())
    decided = [(pair["same"], groups[pair["a"]] == groups[pair["b"]]) for pair in data["pairs"]]
    true_positives = sum(same and grouped for same, grouped in decided)
    grouped = sum(grouped for _, grouped in decided)
    same = sum(same for same, _ in decided)
    print(f"  as groups (LSH candidates, chains): precision {true_positives / grouped:.4f}", end="")
    print(f" recall {true_positives / same:.4f}")


def rebuild_figures(stored: list[Synthetic]) -> None:
    """A rebuild of the whole table: features, boilerplate model, index, decisions."""
    started = time.perf_counter()
    groups, seconds = _cpu(
        lambda: rebuild(
            posting_features(fields, key=key, seen_at=seen) for key, fields, seen in stored
        )
    )
    wall = time.perf_counter() - started
    print(f"rebuild of {len(stored):,}: {seconds:.1f} s CPU, {wall:.1f} s (target < 60 s),", end="")
    print(f" {len(set(groups.values())):,} groups")
    together = _pairs_in_groups(groups)
    right = sum(a.split(".")[0] == b.split(".")[0] for a, b in together)
    copies = Counter(key.split(".")[0] for key in groups)
    copy_pairs = sum(count * (count - 1) // 2 for count in copies.values())
    print(f"  pairs of copies of one project in one group: {right / copy_pairs:.3f};", end="")
    print(f" pairs of different projects in one group: {len(together) - right:,}")


def incremental_figures(stored: list[Synthetic], new: list[Synthetic]) -> None:
    """New postings grouped one by one against a window holding every stored one."""
    features = _features(stored)
    model, model_seconds = _cpu(lambda: BoilerplateModel.fit(features))
    grouper = Grouper(model)
    _, load_seconds = _cpu(lambda: grouper.add_many(features))
    print(f"crawl open with {len(stored):,} in the window: boilerplate model", end="")
    print(f" {model_seconds:.1f} s + grouper {load_seconds:.1f} s CPU")
    new_features, features_seconds = _cpu(lambda: _features(new))
    _, add_seconds = _cpu(lambda: [grouper.add(posting) for posting in new_features])
    per_add = add_seconds / len(new) * 1000
    per_posting = (add_seconds + features_seconds) / len(new) * 1000
    print(f"one new posting against {len(stored):,}: {per_posting:.2f} ms CPU with its", end="")
    print(f" features, {per_add:.2f} ms to group it (target < 2 ms), over {len(new):,}")


def rapidfuzz_figures(stored: list[Synthetic], new: list[Synthetic]) -> None:
    """The alternative to an index: comparing a new posting with every stored one."""

    def text(fields: v.Posting) -> str:
        return comparable_text(f"{fields['title']}\n{fields['description']}")

    texts = [text(fields) for _, fields, _ in stored]
    queries = [text(fields) for _, fields, _ in new[:3]]
    _, seconds = _cpu(
        lambda: [
            process.extract(query, texts, scorer=fuzz.ratio, score_cutoff=60) for query in queries
        ]
    )
    print(f"rapidfuzz search of one new text among {len(stored):,}: {seconds / 3:.2f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000, help="postings grouped one by one")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    evaluation_figures()
    generated = list(synthetic_postings(arguments.postings + arguments.new, arguments.seed))
    stored = sorted(generated[: arguments.postings], key=lambda posting: posting[2])
    # New postings come after every stored one, as in a crawl.
    last = stored[-1][2]
    new = [
        (key, fields, last + timedelta(seconds=number + 1))
        for number, (key, fields, _) in enumerate(generated[arguments.postings :])
    ]
    lengths = sorted(len(fields["description"] or "") for _, fields, _ in stored)
    print(
        f"{len(stored):,} synthetic postings, descriptions of {lengths[len(lengths) // 2]}", end=""
    )
    print(f" characters (median), {lengths[len(lengths) * 9 // 10]} (p90)")
    rebuild_figures(stored)
    incremental_figures(stored, new)
    rapidfuzz_figures(stored, new)


if __name__ == "__main__":
    main()
