"""Groups of postings that are one project, kept up to date posting by posting or rebuilt.

A group is a connected component of the relation "the rule says these two are one project,
and they were first seen within the window of each other": a repost that matches its
original and a copy on another platform that matches the repost join one group even if the
copy and the original differ more. The relation is between two postings alone, so the groups
do not depend on the order the postings come in, and a rebuild gives what adding them one by
one gives. A group is named by the key of its first posting (the earliest ``seen_at``).
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Final

from scipy.cluster.hierarchy import DisjointSet

from .boilerplate import BoilerplateModel
from .features import PostingFeatures
from .index import CandidateIndex
from .rule import MatchRule
from .signature import Signature, signature

__all__ = ["WINDOW", "Grouper", "rebuild"]

# Reposts follow within weeks, copies on other platforms within days.
WINDOW: Final = timedelta(days=60)


@contextmanager
def _bulk() -> Iterator[None]:
    """Cyclic garbage collection paused while many postings are indexed at once.

    Features, signatures and the LSH buckets are millions of small sets that never form a
    reference cycle, yet every collection would walk them all again: that was more than half
    the cost of a rebuild. Reference counting still frees what is dropped meanwhile. One
    full collection at the end settles what was made at once (seconds for 100,000
    postings); otherwise the next collections would walk it all, in the middle of whatever
    comes next (4 ms more for each of the next thousand postings grouped, measured).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


class _Components:
    """Connected components, each named by its earliest posting."""

    def __init__(self) -> None:
        self._sets: DisjointSet = DisjointSet()
        self._first: dict[Hashable, tuple[float, Hashable]] = {}  # root -> (seen_at, key)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._sets

    def add(self, posting: PostingFeatures) -> None:
        self._sets.add(posting.key)
        self._first[posting.key] = (posting.seen_at, posting.key)

    def join(self, a: Hashable, b: Hashable) -> None:
        roots = {self._sets[a], self._sets[b]}
        if len(roots) == 1:
            return
        first = min(self._first.pop(root) for root in roots)
        self._sets.merge(a, b)
        self._first[self._sets[a]] = first

    def group_of(self, key: Hashable) -> Hashable:
        return self._first[self._sets[key]][1]

    def groups(self) -> dict[Hashable, Hashable]:
        return {key: self.group_of(key) for key in self._sets}


def _within(a: Signature, b: Signature, window: float) -> bool:
    return abs(a.features.seen_at - b.features.seen_at) <= window


class Grouper:
    """Assigns each new posting to a group against the postings of the last ``window``.

    Postings must come in the order they were first seen, give or take less than the window
    (the storage step sees them so); older ones leave the index as time moves on, which
    bounds both its size and the cost of a posting. ``model`` is learnt beforehand, from the
    postings of the window (see :class:`BoilerplateModel`).
    """

    def __init__(
        self,
        model: BoilerplateModel,
        rule: MatchRule | None = None,
        window: timedelta = WINDOW,
    ) -> None:
        self.model = model
        self.rule = rule or MatchRule()
        self._window = window.total_seconds()
        self._index = CandidateIndex()
        self._components = _Components()
        self._indexed: dict[Hashable, Signature] = {}
        self._arrivals: deque[Signature] = deque()
        self._evicted_until = -math.inf

    def add(self, posting: PostingFeatures) -> Hashable:
        """Group ``posting`` with the postings it is one project with; its group's name."""
        if posting.key in self._components:
            raise ValueError(f"posting {posting.key!r} is grouped already")
        horizon = posting.seen_at - self._window
        if horizon <= self._evicted_until:
            raise ValueError(
                f"posting {posting.key!r} comes too late: postings it may match have left "
                "the window"
            )
        self._evict(horizon)
        self._components.add(posting)
        new = signature(posting, self.model)
        sketch = self._index.sketch(new.text)
        if sketch is None:
            return posting.key
        for key in self._index.candidates(sketch):
            other = self._indexed[key]
            if _within(new, other, self._window) and self.rule.same_project(new, other):
                self._components.join(posting.key, key)
        self._index.add(posting.key, sketch)
        self._indexed[posting.key] = new
        self._arrivals.append(new)
        return self._components.group_of(posting.key)

    def add_many(self, postings: Iterable[PostingFeatures]) -> None:
        """:meth:`add` each of ``postings``, in bulk (loading the window at crawl open).
        ``postings`` may be a generator computing the features: that work is bulk too."""
        with _bulk():
            for posting in postings:
                self.add(posting)

    def _evict(self, horizon: float) -> None:
        while self._arrivals and self._arrivals[0].features.seen_at < horizon:
            old = self._arrivals.popleft().features
            self._index.remove(old.key)
            del self._indexed[old.key]
            self._evicted_until = max(self._evicted_until, old.seen_at)

    def group_of(self, key: Hashable) -> Hashable:
        return self._components.group_of(key)

    def groups(self) -> dict[Hashable, Hashable]:
        """Every posting added so far, with the name of its group."""
        return self._components.groups()


def rebuild(
    postings: Iterable[PostingFeatures],
    *,
    model: BoilerplateModel | None = None,
    rule: MatchRule | None = None,
    window: timedelta = WINDOW,
) -> dict[Hashable, Hashable]:
    """The groups of ``postings`` all at once: every posting with the name of its group.

    Without ``model``, the boilerplate is learnt from ``postings`` themselves. ``postings``
    may be a generator computing the features: that work is done in bulk too.
    """
    with _bulk():
        return _rebuild(list(postings), model, rule or MatchRule(), window.total_seconds())


def _rebuild(
    postings: list[PostingFeatures],
    model: BoilerplateModel | None,
    rule: MatchRule,
    seconds: float,
) -> dict[Hashable, Hashable]:
    model = model or BoilerplateModel.fit(postings)
    index = CandidateIndex()
    components = _Components()
    position: dict[Hashable, int] = {}
    sketched = []
    for number, posting in enumerate(postings):
        components.add(posting)
        new = signature(posting, model)
        sketch = index.sketch(new.text)
        if sketch is not None:
            index.add(posting.key, sketch)
            position[posting.key] = number
            sketched.append((new, sketch))
    signatures = {new.features.key: new for new, _ in sketched}
    for new, sketch in sketched:
        own = position[new.features.key]
        for key in index.candidates(sketch):
            # Each pair once: from its later member.
            if position[key] < own:
                other = signatures[key]
                if _within(new, other, seconds) and rule.same_project(new, other):
                    components.join(new.features.key, key)
    return components.groups()
