"""The decision: are two postings one project?"""

from __future__ import annotations

from dataclasses import dataclass

from .evidence import numbers_apart, skills_agree
from .signature import Signature

__all__ = ["MatchRule"]


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    shared = len(a & b)
    union = len(a) + len(b) - shared
    return shared / union if union else 0.0


def _containment(a: frozenset[int], b: frozenset[int]) -> float:
    # Titles are edited by adding ("[재공고]", "Urgent:") or dropping ("(6개월)") a part:
    # the shorter one is then contained in the longer.
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


@dataclass(frozen=True, slots=True)
class MatchRule:
    """Two postings are one project when their distinctive text agrees.

    - At least ``min_shared`` distinctive shingles in common between the descriptions: a
      title alone ("Website maintenance") is never enough, nor a text that is boilerplate
      but for a few words. A posting without a description therefore stays alone.
    - A Jaccard similarity of the distinctive text of ``same_text`` or more is enough on its
      own: the texts are all but identical.
    - From ``similar_text`` on, more must agree: the titles (``similar_title`` of the
      shorter one's distinctive shingles are in the other), the skills (one in common, or
      none named by either), and budget and duration must not be further apart than
      ``numbers_factor``. One client's different projects share an introduction and
      conditions, but not a title and the skills.
    """

    min_shared: int = 12
    same_text: float = 0.8
    similar_text: float = 0.25
    similar_title: float = 0.4
    numbers_factor: float = 2.5

    def same_project(self, a: Signature, b: Signature) -> bool:
        if len(a.description & b.description) < self.min_shared:
            return False
        similarity = _jaccard(a.text, b.text)
        if similarity >= self.same_text:
            return True
        return (
            similarity >= self.similar_text
            and _containment(a.title, b.title) >= self.similar_title
            and skills_agree(a.features, b.features)
            and not numbers_apart(a.features, b.features, self.numbers_factor)
        )
