"""Stable digests of JSON-like values: the same content gives the same digest on every run."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Any

import orjson


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        # The same instant encodes the same way whatever its offset.
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def stable_json(value: Any) -> bytes:
    """JSON with sorted keys and datetimes in UTC."""
    return orjson.dumps(value, default=_jsonable, option=_OPTIONS)


def fingerprint(value: Any) -> str:
    """A hex digest of a JSON-like value.

    Change detection, not security: SHA-1 is the fastest digest here (measured against
    BLAKE2b, SHA-256 and MD5 on 10 KB postings).
    """
    return hashlib.sha1(stable_json(value), usedforsecurity=False).hexdigest()
