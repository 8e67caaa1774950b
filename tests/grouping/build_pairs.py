"""Builds ``tests/data/grouping_pairs.json``, the labelled pairs grouping is measured on.

    python -m tests.grouping.build_pairs

The postings come from replaying the recorded crawls through the spiders. Every pair is
labelled by how it was made: a posting and an edited copy of it (a repost, another
platform's copy) are one project; two recorded postings are two projects, and so are the
look-alikes made from two of them (one client's introduction, one agency's template, one
generic title). A few recorded pairs are so close that a reader cannot tell whether they are
one project; they are left out (``AMBIGUOUS``). Seeded: the same recordings give the same
file.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any, Final

from outsourcing_crawler.items import ProjectItem
from tests.grouping import variations as v
from tests.scrapy_run import replay

SEED: Final = 17
OUTPUT: Final = Path(__file__).parents[1] / "data" / "grouping_pairs.json"
SPIDERS: Final = ("kmong", "wishket", "freemoa", "elancer", "freelancer", "guru", "upwork")
# What grouping reads of a posting, and when it was posted.
_LEFT_OUT: Final = {
    "category", "work_type", "location", "deadline", "applicants", "status", "extra", "scraped_at"
}  # fmt: skip
FIELDS: Final = tuple(
    field.name for field in dataclasses.fields(ProjectItem) if field.name not in _LEFT_OUT
)
START: Final = datetime(2026, 11, 1, 9, tzinfo=UTC)

# Recorded postings on one subject that differ in what is asked for, where, or for how much:
# different projects, read one by one.
RECORDED_LOOKALIKES: Final = (
    ("kmong:612344", "wishket:158917"),  # Java backend: other duties, 여의도 vs 중구
    ("kmong:612344", "elancer:29741"),
    ("wishket:158917", "elancer:29741"),
    ("wishket:158921", "freemoa:48512"),  # pet walking apps: other features, 성동구 vs 경기
    ("kmong:612339", "wishket:158921"),
    ("kmong:612339", "freemoa:48512"),
    ("wishket:158843", "freemoa:48502"),  # PMO in 세종 vs PM/PL in 중구
    ("kmong:612337", "freemoa:48509"),  # ERP dashboard vs ERP data migration
    ("wishket:158908", "freemoa:48509"),
    ("freelancer:39871137", "upwork:0140bb5e77c2e9d1a3"),  # 1,200 invoices/Excel vs 400/Sheets
    ("freelancer:39871120", "guru:2058396"),  # old PHP site vs WordPress Contact Form 7
    ("guru:2058409", "upwork:1862504321985220608"),  # Airflow ETL vs Scrapy crawlers
    ("freelancer:39871460", "guru:2058417"),  # IoT sensor vs fleet dashboards
    ("freelancer:39871442", "guru:2058342"),  # booking platform vs property SaaS
    ("freelancer:39871242", "upwork:1862451207335100416"),  # Node vs Django booking API
    ("freelancer:39871145", "upwork:1862451207335100416"),
    ("freelancer:39871295", "guru:2058371"),  # theme customisation vs speed
    ("freelancer:39871400", "upwork:1862447731021946880"),  # fintech vs coffee logo
)
_LOOKALIKE_KEYS: Final = frozenset(key for pair in RECORDED_LOOKALIKES for key in pair)
# Close enough that a reader cannot tell: no label, so neither they nor the copies made of
# them are paired.
AMBIGUOUS: Final = frozenset(
    {
        frozenset({"guru:2058371", "upwork:021862471958812672000"}),  # Shopify speed, 35 vs 38
        frozenset({"kmong:612336", "freemoa:48503"}),  # FAQ RAG chatbots
        frozenset({"kmong:612342", "freemoa:48505"}),  # Flutter app upkeep, one without text
    }
)


def recorded_postings() -> list[v.Posting]:
    """Every posting of every recorded crawl, as the feeds export it, in a stable order."""
    postings: list[v.Posting] = []
    with tempfile.TemporaryDirectory() as folder:
        for spider in SPIDERS:
            feed = Path(folder) / f"{spider}.json"
            database = Path(folder) / f"{spider}.sqlite3"
            result = replay(
                "crawl",
                spider,
                "-O",
                str(feed),
                "-s",
                f"DATABASE_URL=sqlite+aiosqlite:///{database}",
            )
            if result.returncode != 0:
                raise RuntimeError(result.stderr[-3000:])
            postings.extend(json.loads(feed.read_text(encoding="utf-8")))
    return sorted(
        ({field: posting.get(field) for field in FIELDS} for posting in postings),
        key=lambda posting: (posting["platform"], posting["external_id"]),
    )


class SetBuilder:
    """Collects postings and labelled pairs; hands out ids for the copies it makes."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.postings: dict[str, v.Posting] = {}
        self.pairs: dict[frozenset[str], dict[str, Any]] = {}
        self.origin: dict[str, str] = {}  # copy -> the recorded posting it was made from
        self._next_id = 1

    def add(self, posting: v.Posting, *, platform: str | None = None) -> str:
        """Store ``posting`` (a copy under a new id unless it is recorded) and return its key."""
        posting = dict(posting)
        if posting.get("external_id") is None or platform is not None:
            posting["platform"] = platform or posting["platform"]
            posting["external_id"] = f"x{self._next_id:05d}"
            posting["url"] = f"https://example.invalid/{posting['platform']}/{self._next_id}"
            self._next_id += 1
        key = f"{posting['platform']}:{posting['external_id']}"
        self.postings[key] = {field: posting.get(field) for field in FIELDS}
        self.origin.setdefault(key, key)
        return key

    def copy(self, key: str, edited: v.Posting, days: tuple[int, int] = (1, 20)) -> str:
        edited = dict(edited, external_id=None)
        when = datetime.fromisoformat(self.postings[key]["posted_at"])
        edited["posted_at"] = (when + timedelta(days=self.rng.randint(*days))).isoformat()
        new = self.add(edited)
        self.origin[new] = self.origin[key]
        return new

    def pair(self, a: str, b: str, same: bool, kind: str) -> None:
        key = frozenset({a, b})
        ambiguous = frozenset({self.origin[a], self.origin[b]}) in AMBIGUOUS
        if a != b and not ambiguous and key not in self.pairs:
            self.pairs[key] = {"a": a, "b": b, "same": same, "kind": kind}


def _other_platform(rng: Random, posting: v.Posting) -> str:
    platforms = v.KOREAN_PLATFORMS if v.is_korean(posting) else v.ENGLISH_PLATFORMS
    return rng.choice([p for p in platforms if p != posting["platform"]])


def _heavy_edit(posting: v.Posting, rng: Random) -> v.Posting:
    edited = v.reword(posting, rng, strength=0.8)
    edited = v.reorder_sections(edited, rng)
    edited = v.change_budget(edited, rng)
    return v.translate_skills(edited, rng)


def _copies(builder: SetBuilder, originals: list[str]) -> dict[str, list[str]]:
    """Reposts and cross-platform copies of every recorded posting: the positive pairs."""
    rng = builder.rng
    family: dict[str, list[str]] = {}
    for key in originals:
        posting = builder.postings[key]
        members = [key]
        repost = builder.copy(key, v.reword(posting, rng))
        builder.pair(key, repost, True, "repost_reworded")
        members.append(repost)
        elsewhere = _other_platform(rng, posting)
        crossed = builder.copy(key, v.cross_post(posting, elsewhere, rng), days=(0, 5))
        builder.pair(key, crossed, True, "cross_platform")
        members.append(crossed)
        edits = {
            "repost_reordered": lambda p: v.reword(v.reorder_sections(p, rng), rng, strength=0.2),
            "repost_budget_changed": lambda p: v.reword(v.change_budget(p, rng), rng, strength=0.2),
            "skills_translated": lambda p: v.translate_skills(p, rng),
        }
        kind = rng.choice(sorted(edits))
        if kind == "skills_translated" and v.translate_skills(posting, rng) == posting:
            kind = "repost_reordered"  # nothing to translate
        edited = builder.copy(key, edits[kind](posting))
        builder.pair(key, edited, True, kind)
        members.append(edited)
        if rng.random() < 0.5:
            heavy = builder.copy(crossed, _heavy_edit(builder.postings[crossed], rng))
            builder.pair(key, heavy, True, "cross_platform_heavy_edit")
            members.append(heavy)
        if rng.random() < 0.4:
            builder.pair(repost, crossed, True, "copies_of_one_project")
        family[key] = members
    return family


def _clients(builder: SetBuilder, korean: list[str], english: list[str]) -> None:
    """One client's different projects, each opened and closed by the client's own text."""
    rng = builder.rng
    for client in v.CLIENTS:
        pool = korean if any("가" <= ch <= "힣" for ch in client["head"]) else english
        keys = []
        for original in rng.sample(pool, 6):
            keys.append(builder.copy(original, v.with_client(builder.postings[original], client)))
        for a, b in itertools.combinations(keys, 2):
            builder.pair(a, b, False, "same_client")
        reposted = builder.copy(keys[0], v.reword(builder.postings[keys[0]], rng, strength=0.3))
        builder.pair(keys[0], reposted, True, "same_client_repost")


def _agencies(builder: SetBuilder, korean: list[str], english: list[str]) -> None:
    """An agency's template filled with different projects; its reposts stay one project."""
    rng = builder.rng
    for agency in v.AGENCIES:
        pool = korean if any("가" <= ch <= "힣" for ch in agency["body"]) else english
        # An agency keeps only a posting's first lines, and for two recorded look-alikes
        # those can be one sentence: such copies could no longer be told apart.
        pool = [
            key
            for key in pool
            if builder.postings[key].get("description") and key not in _LOOKALIKE_KEYS
        ]
        keys = [
            builder.copy(original, v.from_template(builder.postings[original], agency, rng))
            for original in rng.sample(pool, min(len(pool), 24))
        ]
        for a, b in rng.sample(list(itertools.combinations(keys, 2)), 30):
            builder.pair(a, b, False, "agency_template")
        for key in keys[:8]:
            posting = builder.postings[key]
            reposted = builder.copy(key, v.reword(posting, rng, strength=0.3, drop_line=False))
            builder.pair(key, reposted, True, "agency_template_repost")


def _generic_titles(builder: SetBuilder, korean: list[str], english: list[str]) -> None:
    """Generic titles over different work (some with a short text only)."""
    rng = builder.rng
    for titles, bodies, pool in (
        (v.GENERIC_TITLES_KO, v.GENERIC_BODIES_KO, korean),
        (v.GENERIC_TITLES_EN, v.GENERIC_BODIES_EN, english),
    ):
        for title in titles:
            keys = []
            for index, body in enumerate(rng.sample(bodies, 4)):
                original = rng.choice(pool)
                text = body if index < 3 else None  # the last keeps its own, longer text
                posting = v.with_generic_title(builder.postings[original], title, text, rng)
                keys.append(builder.copy(original, posting))
            for a, b in itertools.combinations(keys, 2):
                builder.pair(a, b, False, "generic_title")
            reposted = builder.copy(
                keys[-1], v.reword(builder.postings[keys[-1]], rng, strength=0.3)
            )
            builder.pair(keys[-1], reposted, True, "generic_title_repost")


def _lookalikes(builder: SetBuilder, family: dict[str, list[str]]) -> None:
    """Recorded postings on one subject, and the copies of each, are different projects."""
    rng = builder.rng
    for a, b in RECORDED_LOOKALIKES:
        builder.pair(a, b, False, "recorded_lookalike")
        builder.pair(
            rng.choice(family[a][1:]), rng.choice(family[b][1:]), False, "lookalike_copies"
        )


def _unrelated(builder: SetBuilder, originals: list[str], count: int) -> None:
    """Different recorded postings in one language, half of them sharing a skill."""
    rng = builder.rng
    shared, other = [], []
    for a, b in itertools.combinations(originals, 2):
        pa, pb = builder.postings[a], builder.postings[b]
        if v.is_korean(pa) != v.is_korean(pb):
            continue
        (shared if set(pa["skills"]) & set(pb["skills"]) else other).append((a, b))
    for kind, pairs in (("same_skills", shared), ("different_projects", other)):
        for a, b in rng.sample(pairs, count):
            builder.pair(a, b, False, kind)


def build(recorded: list[v.Posting], seed: int = SEED) -> dict[str, Any]:
    rng = Random(seed)
    builder = SetBuilder(rng)
    originals = []
    for index, posting in enumerate(recorded):
        when = START + timedelta(days=index % 30, minutes=index)
        originals.append(builder.add(dict(posting, posted_at=when.isoformat())))
    korean = [key for key in originals if v.is_korean(builder.postings[key])]
    english = [key for key in originals if key not in korean]
    family = _copies(builder, originals)
    _clients(builder, korean, english)
    _agencies(builder, korean, english)
    _generic_titles(builder, korean, english)
    _lookalikes(builder, family)
    _unrelated(builder, originals, 40)
    return {
        "about": (
            "Labelled posting pairs for grouping: same=true when both are one project. "
            "Built by tests/grouping/build_pairs.py from the recorded crawls."
        ),
        "seed": seed,
        "postings": builder.postings,
        "pairs": list(builder.pairs.values()),
    }


def main() -> None:
    data = build(recorded_postings())
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    same = sum(pair["same"] for pair in data["pairs"])
    print(f"{OUTPUT}: {len(data['postings'])} postings, {len(data['pairs'])} pairs ({same} same)")


if __name__ == "__main__":
    main()
