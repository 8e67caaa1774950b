"""Boilerplate: the shingles too many postings share to tell one project from another.

One project is posted a handful of times (a few reposts, a few platforms); a phrase found in
more postings than that is shared by different projects: a platform's form headings, an
agency's template, "웹사이트 유지보수". Such shingles are no evidence that two postings are one
project, so the comparison leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Self

import numpy as np

from .features import PostingFeatures

__all__ = ["MAX_COPIES", "BoilerplateModel"]

# More postings than one project ever has inside the window.
MAX_COPIES: Final = 20


@dataclass(frozen=True, slots=True)
class BoilerplateModel:
    """The shingles found in at least ``max_copies`` postings of a corpus."""

    common: frozenset[int]
    max_copies: int = MAX_COPIES

    @classmethod
    def fit(cls, postings: Iterable[PostingFeatures], max_copies: int = MAX_COPIES) -> Self:
        """Learn the common shingles of ``postings`` (each posting counts a shingle once)."""
        arrays = [np.fromiter(posting.text, np.uint32, len(posting.text)) for posting in postings]
        if not arrays:
            return cls(frozenset(), max_copies)
        values, counts = np.unique(np.concatenate(arrays), return_counts=True)
        return cls(frozenset(values[counts >= max_copies].tolist()), max_copies)

    def distinctive(self, shingles: frozenset[int]) -> frozenset[int]:
        """``shingles`` without the common ones."""
        return shingles - self.common


NO_BOILERPLATE: Final = BoilerplateModel(frozenset())
