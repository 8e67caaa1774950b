"""The one item every spider yields, the database stores and the feeds export."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any, Final

PLATFORMS: Final = ("kmong", "wishket", "freemoa", "elancer", "freelancer", "guru", "upwork")
BUDGET_TYPES: Final = ("fixed", "hourly", "monthly", "negotiable")
WORK_TYPES: Final = ("remote", "onsite", "hybrid")
STATUSES: Final = ("open", "closed")


@dataclass
class ProjectItem:
    """A normalised project posting.

    Field order is the column order of CSV feeds. Amounts are whole units of ``currency``
    (won for KRW); datetimes are timezone-aware. Every field has a default so that a spider
    can keep a partly parsed posting; the validation pipeline drops an item that lacks one
    of ``platform``, ``external_id``, ``url`` or ``title``.

    The fields after ``scraped_at`` are filled by the budget pipeline, not by spiders: the
    budget in ``base_currency`` (the ``BASE_CURRENCY`` setting) at the ECB reference rate of
    ``exchange_rate_date``, and its monthly equivalent in that currency (docs/budgets.md).
    They are content like the others: a posting stored under another ``BASE_CURRENCY``,
    ``HOURS_PER_MONTH`` or rates file is rewritten when it is seen again.
    """

    platform: str | None = None
    external_id: str | None = None
    url: str | None = None
    title: str | None = None
    description: str | None = None
    category: str | None = None
    skills: list[str] = field(default_factory=list)
    budget_min: int | None = None
    budget_max: int | None = None
    currency: str | None = None
    budget_type: str | None = None
    duration_days: int | None = None
    work_type: str | None = None
    location: str | None = None
    posted_at: datetime | None = None
    deadline: datetime | None = None
    applicants: int | None = None
    status: str = "open"
    extra: dict[str, Any] = field(default_factory=dict)
    scraped_at: datetime | None = None
    base_currency: str | None = None
    base_budget_min: int | None = None
    base_budget_max: int | None = None
    monthly_budget_min: int | None = None
    monthly_budget_max: int | None = None
    exchange_rate: float | None = None
    exchange_rate_date: date | None = None


def _field_types() -> dict[str, tuple[Any, bool]]:
    """Each field's type without None, and whether it may be None, from the annotations."""
    found = {}
    for name, hint in typing.get_type_hints(ProjectItem).items():
        args = typing.get_args(hint) if typing.get_origin(hint) is types.UnionType else (hint,)
        (kind,) = [arg for arg in args if arg is not type(None)]
        found[name] = (kind, type(None) in args)
    return found


# The dataclass is the one source of the field lists below.
FIELD_TYPES: Final = _field_types()
# What a posting's content hash covers and an update rewrites: every field but the
# posting's key and the time it was read.
CONTENT_FIELDS: Final = tuple(
    item_field.name
    for item_field in fields(ProjectItem)
    if item_field.name not in ("platform", "external_id", "scraped_at")
)
DATETIME_FIELDS: Final = tuple(name for name, (kind, _) in FIELD_TYPES.items() if kind is datetime)
DATE_FIELDS: Final = tuple(name for name, (kind, _) in FIELD_TYPES.items() if kind is date)


def item_dict(item: Any) -> dict[str, Any]:
    """An item's fields as a new dict.

    The hot path of every pipeline: for a ProjectItem a shallow copy of its attributes, about
    a hundred times cheaper than ``ItemAdapter.asdict()``, which walks every nested value.
    """
    if type(item) is ProjectItem:
        return dict(vars(item))
    # Imported here: itemadapter imports Scrapy, and the database layer, which knows nothing
    # of Scrapy, reads this module's field lists.
    from itemadapter import ItemAdapter

    return ItemAdapter(item).asdict()
