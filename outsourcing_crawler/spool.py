"""A local file for batches the database would not take, loaded back once it does.

JSON lines, one item a line, fsynced after each batch: a crash loses nothing the spool
accepted, and a line cut short or corrupted loses only itself.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

logger = logging.getLogger(__name__)

DATETIME_FIELDS = ("posted_at", "deadline", "scraped_at")


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __bool__(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def append(self, rows: Iterable[dict[str, Any]]) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = [orjson.dumps(row) + b"\n" for row in rows]
        with self.path.open("ab") as spool:
            spool.writelines(lines)
            spool.flush()
            os.fsync(spool.fileno())
        return len(lines)

    def load(self) -> tuple[list[dict[str, Any]], int]:
        """The spooled rows, and how many broken lines were skipped."""
        rows, broken = [], 0
        if not self.path.exists():
            return rows, broken
        with self.path.open("rb") as spool:
            for number, line in enumerate(spool, 1):
                try:
                    row = orjson.loads(line)
                    if not isinstance(row, dict):
                        raise TypeError(f"a {type(row).__name__}, not an object")
                    for name in DATETIME_FIELDS:
                        if row.get(name) is not None:
                            row[name] = datetime.fromisoformat(row[name])
                except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
                    broken += 1
                    logger.warning(
                        "Skipping broken line %d of the spool %s: %s", number, self.path, exc
                    )
                    continue
                rows.append(row)
        return rows, broken

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
