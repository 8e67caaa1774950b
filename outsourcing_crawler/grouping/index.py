"""Candidate search: the stored postings whose distinctive text may be like a new one's.

A MinHash LSH index (datasketch): each posting's distinctive shingles are sketched with 64
hash permutations and cut into 32 bands of 2; postings sharing a band are candidates. A pair
at Jaccard 0.25 (the least the rule accepts, with its title and skills) shares a band with
probability 0.87, at 0.3 with 0.95, at 0.4 with 0.996 and at 0.05 with 0.08; copies of one
project are mostly far above 0.4, and one missed pair rarely splits a group, which other
copies hold together (on the evaluation set the groups find more pairs than the rule alone).
64 bands would miss less, at twice the cost of every posting: bands are what a posting
costs (a band is a set in the index). Everything is seeded, so a posting's band keys are
the same in every process and can be stored.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Final

from datasketch import MinHash, MinHashLSH

__all__ = ["BANDS", "PERMUTATIONS", "CandidateIndex"]

PERMUTATIONS: Final = 64
BANDS: Final = 32
_ROWS: Final = PERMUTATIONS // BANDS


def _identity(value: int) -> int:
    # Shingles are hashed already (32-bit xxhash).
    return value


class CandidateIndex:
    """Postings by the MinHash bands of their distinctive text."""

    def __init__(self) -> None:
        self._lsh = MinHashLSH(num_perm=PERMUTATIONS, params=(BANDS, _ROWS))
        # The permutations are drawn once: drawing them per sketch costs more than sketching.
        self._permutations = MinHash(num_perm=PERMUTATIONS, hashfunc=_identity).permutations

    def sketch(self, shingles: frozenset[int]) -> MinHash | None:
        """The MinHash of ``shingles``; None for none (such a posting matches nothing)."""
        if not shingles:
            return None
        minhash = MinHash(
            num_perm=PERMUTATIONS,
            hashfunc=_identity,
            permutations=self._permutations,
            scheme="affine32",
        )
        minhash.update_batch(shingles)
        return minhash

    def add(self, key: Hashable, sketch: MinHash) -> None:
        self._lsh.insert(key, sketch, check_duplication=False)

    def remove(self, key: Hashable) -> None:
        self._lsh.remove(key)

    def candidates(self, sketch: MinHash) -> list[Hashable]:
        """The keys sharing at least one band with ``sketch``."""
        return self._lsh.query(sketch)
