"""schema.org JSON-LD: the objects of a ``<script type="application/ld+json">`` block and the
values of a ``JobPosting`` that are the same on every site."""

from __future__ import annotations

import html
import json
from typing import Any

from .money import NO_BUDGET, Budget, budget_from_amounts, parse_budget
from .text import clean_text

__all__ = ["budget_from_base_salary", "json_ld_nodes", "location_from_address"]

# QuantitativeValue.unitText -> budget type; any other unit (or none) is a fixed amount.
_SALARY_UNITS = {"HOUR": "hourly", "MONTH": "monthly"}


def _load(text: str) -> Any:
    try:
        return json.loads(text, strict=False)  # control characters inside strings happen
    except ValueError:
        pass
    # Some sites HTML-escape the whole block.
    return json.loads(html.unescape(text), strict=False)


def json_ld_nodes(text: str | None, schema_type: str | None = None) -> list[dict[str, Any]] | None:
    """The objects of one JSON-LD block, in document order: the object itself, those of a
    list, and the members of every ``@graph``; only those of ``schema_type`` when given
    (``"JobPosting"``; an object may list several types). None when the block is no JSON.
    """
    if not isinstance(text, str):
        return None
    try:
        data = _load(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than json allows
        return None
    nodes: list[dict[str, Any]] = []
    pending = [data]
    while pending:  # breadth first, without recursion: a hostile block may nest deeply
        value = pending.pop(0)
        if isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, dict):
            nodes.append(value)
            if isinstance(value.get("@graph"), list):
                pending.extend(value["@graph"])
    if schema_type is None:
        return nodes
    return [node for node in nodes if _is_type(node, schema_type)]


def _is_type(node: dict[str, Any], schema_type: str) -> bool:
    kind = node.get("@type")
    return kind == schema_type or (isinstance(kind, list) and schema_type in kind)


def location_from_address(value: Any) -> str | None:
    """``서울특별시 강남구`` from a ``jobLocation``: a Place or a list of them, each with an
    ``address`` given as text or as a PostalAddress (region, then locality). Several
    places are joined with ``", "``."""
    places = value if isinstance(value, list) else [value]
    names: list[str] = []
    for place in places:
        address = place.get("address") if isinstance(place, dict) else None
        if isinstance(address, dict):
            parts = (address.get("addressRegion"), address.get("addressLocality"))
            name = clean_text(" ".join(part for part in parts if isinstance(part, str)))
        else:
            name = clean_text(address)
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or None


def budget_from_base_salary(salary: Any, *, default_currency: str = "KRW") -> Budget:
    """The budget of a ``baseSalary``: a text, or a MonetaryAmount whose ``value`` is an
    amount or a QuantitativeValue (``minValue``/``maxValue``, ``unitText`` ``MONTH`` or
    ``HOUR``). An empty Budget when there is none."""
    if isinstance(salary, str):
        return parse_budget(salary, default_currency=default_currency) or NO_BUDGET
    if not isinstance(salary, dict):
        return NO_BUDGET
    value = salary.get("value")
    low = high = value
    unit = ""
    if isinstance(value, dict):
        unit = str(value.get("unitText") or "").upper()
        low = value.get("minValue", value.get("value"))
        high = value.get("maxValue", value.get("value"))
    currency = salary.get("currency")
    return budget_from_amounts(
        low,
        high,
        currency=currency if isinstance(currency, str) else default_currency,
        budget_type=_SALARY_UNITS.get(unit, "fixed"),
    )
