"""A posting's signature: its features seen through a boilerplate model."""

from __future__ import annotations

from dataclasses import dataclass

from .boilerplate import BoilerplateModel
from .features import PostingFeatures

__all__ = ["Signature", "signature"]


@dataclass(frozen=True, slots=True, eq=False)
class Signature:
    """The distinctive shingles of a posting's title, of its description and of both."""

    features: PostingFeatures
    title: frozenset[int]
    description: frozenset[int]
    text: frozenset[int]


def signature(features: PostingFeatures, model: BoilerplateModel) -> Signature:
    title = model.distinctive(features.title)
    description = model.distinctive(features.description)
    return Signature(features, title, description, title | description)
