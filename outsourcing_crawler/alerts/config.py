"""The saved-searches file: TOML read, ``${VARIABLE}`` references expanded, every key checked.

A mistake stops everything with one line naming the file, the search and the key
(:class:`AlertsFileError`), before a crawl sends its first request.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from outsourcing_crawler.alerts.channels import Channel, channel_problem
from outsourcing_crawler.items import BUDGET_TYPES, PLATFORMS, WORK_TYPES
from outsourcing_crawler.normalisers import canonical_skill, currency_code

__all__ = [
    "EVENTS",
    "LANGUAGES",
    "MODES",
    "AlertsFileError",
    "HealthNotice",
    "SavedSearch",
    "load_health_notice",
    "load_searches",
]

MODES: Final = ("each", "digest")
EVENTS: Final = ("new", "reopened", "budget_raised")
LANGUAGES: Final = ("en", "ko")
_REFERENCE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME_LENGTH: Final = 128


class AlertsFileError(ValueError):
    """The alerts file cannot be used; the message is the one line to show."""


@dataclass(frozen=True)
class SavedSearch:
    """One ``[[search]]``: which postings, and where and how they are sent.

    Every criterion that is set must hold; within a list, any one entry is enough.
    """

    name: str
    notify: tuple[Channel, ...]
    platforms: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    budget_min: int | None = None
    budget_max: int | None = None
    # Bounds on the monthly equivalent (budgets.py), in the same currency.
    monthly_min: int | None = None
    monthly_max: int | None = None
    currency: str | None = None
    budget_types: frozenset[str] = frozenset()
    work_types: frozenset[str] = frozenset()
    min_days_left: int | None = None
    mode: str = "each"
    events: frozenset[str] = frozenset({"new"})
    language: str = "en"


@dataclass(frozen=True)
class HealthNotice:
    """The ``[health]`` table: where a message goes when a spider's health state changes."""

    notify: tuple[Channel, ...]
    language: str = "en"


class _Problem(Exception):
    """A bad value of the key being read; :func:`_search` adds where it is."""


def _expand(value: str) -> str:
    def lookup(match: re.Match[str]) -> str:
        name = match[1]
        if name not in os.environ:
            raise _Problem(f"environment variable {name} is not set")
        return os.environ[name]

    return _REFERENCE.sub(lookup, value)


def _strings(value: Any) -> tuple[str, ...]:
    """A string or a list of strings, each expanded and non-empty."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
        raise _Problem("must be a string or a list of strings")
    expanded = tuple(_expand(item).strip() for item in values)
    if not all(expanded):
        raise _Problem("must not hold an empty string")
    return expanded


def _words(allowed: tuple[str, ...]) -> Callable[[Any], frozenset[str]]:
    def read(value: Any) -> frozenset[str]:
        words = _strings(value)
        unknown = [word for word in words if word not in allowed]
        if unknown:
            raise _Problem(f"{unknown[0]!r} is not one of {', '.join(allowed)}")
        return frozenset(words)

    return read


def _one_of(allowed: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in allowed:
            raise _Problem(f"must be one of {', '.join(allowed)}, not {value!r}")
        return str(value)

    return read


def _count(value: Any) -> int:
    # bool is an int to Python, never a count here.
    if type(value) is not int or value < 0:
        raise _Problem(f"must be a whole number of at least 0, not {value!r}")
    return value


def _currency(value: Any) -> str:
    code = currency_code(value) if isinstance(value, str) else None
    if code is None:
        raise _Problem(f"must be a three-letter currency code such as KRW or USD, not {value!r}")
    return code


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _NAME_LENGTH:
        raise _Problem(f"must be a non-empty string of at most {_NAME_LENGTH} characters")
    return value.strip()


def _skills(value: Any) -> tuple[str, ...]:
    names = []
    for written in _strings(value):
        name = canonical_skill(written)
        if name is None:
            raise _Problem(f"{written!r} is not a skill")
        names.append(name)
    return tuple(dict.fromkeys(names))


def _channels(value: Any) -> tuple[Channel, ...]:
    if not isinstance(value, list) or not value:
        raise _Problem("must be a non-empty list of channel URLs")
    channels = []
    for written in value:
        if not isinstance(written, str):
            raise _Problem("must be a list of channel URLs (strings)")
        channel = Channel(written, _expand(written.strip()))
        problem = channel_problem(channel)
        if problem is not None:
            # The URL as written: its expanded form may hold a secret.
            raise _Problem(f"{written!r}: {problem}")
        channels.append(channel)
    return tuple(channels)


# Each key of a [[search]]: the SavedSearch field it fills and how its value is read.
_KEYS: Final[dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "name": ("name", _name),
    "notify": ("notify", _channels),
    "platforms": ("platforms", _words(PLATFORMS)),
    "keywords": ("keywords", _strings),
    "skills": ("skills", _skills),
    "exclude": ("exclude", _strings),
    "budget_min": ("budget_min", _count),
    "budget_max": ("budget_max", _count),
    "monthly_budget_min": ("monthly_min", _count),
    "monthly_budget_max": ("monthly_max", _count),
    "currency": ("currency", _currency),
    "budget_type": ("budget_types", _words(BUDGET_TYPES)),
    "work_type": ("work_types", _words(WORK_TYPES)),
    "min_days_left": ("min_days_left", _count),
    "mode": ("mode", _one_of(MODES)),
    "events": ("events", _words(EVENTS)),
    "language": ("language", _one_of(LANGUAGES)),
}
_REQUIRED: Final = ("name", "notify")
_BOUNDS: Final = ("budget_min", "budget_max", "monthly_budget_min", "monthly_budget_max")


def _search(table: Any, number: int, where: str) -> SavedSearch:
    if not isinstance(table, Mapping):
        raise AlertsFileError(f"{where}: search #{number}: must be a [[search]] table")
    name = table.get("name")
    label = f"search {name!r}" if isinstance(name, str) else f"search #{number}"
    fields: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise AlertsFileError(
                f"{where}: {label}: unknown key {key!r} (the keys are {', '.join(_KEYS)})"
            )
        field, read = _KEYS[key]
        try:
            fields[field] = read(value)
        except _Problem as exc:
            raise AlertsFileError(f"{where}: {label}: key {key!r}: {exc}") from None
    for key in _REQUIRED:
        if key not in table:
            raise AlertsFileError(f"{where}: {label}: key {key!r} is missing")
    bounds = {key: fields.get(_KEYS[key][0]) for key in _BOUNDS}
    for key in ("budget_min", "monthly_budget_min"):
        low, high = bounds[key], bounds[key.replace("_min", "_max")]
        if low is not None and high is not None and low > high:
            raise AlertsFileError(f"{where}: {label}: key {key!r}: more than its maximum")
    bound = next((key for key, value in bounds.items() if value is not None), None)
    if bound is not None and "currency" not in fields:
        raise AlertsFileError(f'{where}: {label}: key {bound!r}: needs a currency (e.g. "KRW")')
    return SavedSearch(**fields)


def _document(path: Path) -> dict[str, Any]:
    where = str(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AlertsFileError(f"{where}: cannot be read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AlertsFileError(f"{where}: not valid TOML: {exc}") from None
    unknown = sorted(set(document) - {"search", "health"})
    if unknown:
        raise AlertsFileError(
            f"{where}: unknown key {unknown[0]!r} (only [[search]] tables and [health])"
        )
    return document


def load_searches(path: Path) -> list[SavedSearch]:
    """The saved searches of the file at ``path``; :class:`AlertsFileError` for any mistake
    (in the ``[health]`` table too)."""
    where = str(path)
    document = _document(path)
    load_health_notice(path, document)
    tables = document.get("search", [])
    if not isinstance(tables, list):
        raise AlertsFileError(f"{where}: key 'search': write each one as a [[search]] table")
    searches = [_search(table, number, where) for number, table in enumerate(tables, 1)]
    names = [search.name for search in searches]
    repeated = next((name for name in names if names.count(name) > 1), None)
    if repeated is not None:
        raise AlertsFileError(f"{where}: search {repeated!r}: key 'name': used twice")
    return searches


_HEALTH_KEYS: Final[dict[str, Callable[[Any], Any]]] = {
    "notify": _channels,
    "language": _one_of(LANGUAGES),
}


def load_health_notice(path: Path, document: dict[str, Any] | None = None) -> HealthNotice | None:
    """The file's ``[health]`` table (None without one); :class:`AlertsFileError` for a
    mistake in it."""
    table = (document if document is not None else _document(path)).get("health")
    if table is None:
        return None
    where = f"{path}: [health]"
    if not isinstance(table, Mapping):
        raise AlertsFileError(f"{where}: must be a table")
    fields: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _HEALTH_KEYS:
            raise AlertsFileError(
                f"{where}: unknown key {key!r} (the keys are {', '.join(_HEALTH_KEYS)})"
            )
        try:
            fields[key] = _HEALTH_KEYS[key](value)
        except _Problem as exc:
            raise AlertsFileError(f"{where}: key {key!r}: {exc}") from None
    if "notify" not in fields:
        raise AlertsFileError(f"{where}: key 'notify' is missing")
    return HealthNotice(**fields)
