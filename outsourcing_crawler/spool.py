"""A local file for batches the database would not take, loaded back once it does.

JSON lines, one item a line, fsynced after each batch: a crash loses nothing the spool
accepted, and a line cut short or corrupted loses only itself. Crawls of the same spider may
share the file (two at once on one machine): every change to it happens under a lock on
its folder, and removing what was loaded keeps the lines another crawl appended meanwhile.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from outsourcing_crawler.items import DATE_FIELDS, DATETIME_FIELDS

try:
    import fcntl
except ImportError:  # Windows: one crawl at a time per spool folder
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: bytes | None = None  # what load() read

    def __bool__(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive lock on the spool's folder (never deleted, unlike the spool)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fcntl is None:
            yield
            return
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
            yield
        finally:
            os.close(folder)  # releases the lock

    def append(self, rows: Iterable[dict[str, Any]]) -> int:
        """Add rows; returns how many were written (a row JSON cannot hold is left out)."""
        lines = []
        for row in rows:
            try:
                lines.append(orjson.dumps(row) + b"\n")
            except TypeError as exc:  # a lone surrogate, an integer past 64 bits
                logger.error(
                    "Cannot spool %s/%s, left out: %s",
                    row.get("platform"),
                    row.get("external_id"),
                    exc,
                )
        if not lines:
            return 0
        with self._locked(), self.path.open("ab+") as spool:
            if spool.tell() and (spool.seek(-1, os.SEEK_END), spool.read(1))[1] != b"\n":
                # A crash cut the last line short: the next line must not join it.
                spool.write(b"\n")
            spool.writelines(lines)
            spool.flush()
            os.fsync(spool.fileno())
        return len(lines)

    def load(self) -> tuple[list[dict[str, Any]], int]:
        """The spooled rows, and how many broken lines were skipped."""
        rows: list[dict[str, Any]] = []
        broken = 0
        with self._locked():
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                self._loaded = None
                return rows, broken
            self._loaded = data
        for number, line in enumerate(io.BytesIO(data), 1):
            try:
                row = orjson.loads(line)
                if not isinstance(row, dict):
                    raise TypeError(f"a {type(row).__name__}, not an object")
                for name in DATETIME_FIELDS:
                    if row.get(name) is not None:
                        row[name] = datetime.fromisoformat(row[name])
                for name in DATE_FIELDS:
                    if row.get(name) is not None:
                        row[name] = date.fromisoformat(row[name])
            except (orjson.JSONDecodeError, TypeError, ValueError) as exc:
                broken += 1
                logger.warning(
                    "Skipping broken line %d of the spool %s: %s", number, self.path, exc
                )
                continue
            rows.append(row)
        return rows, broken

    def remove(self) -> None:
        """Remove what :meth:`load` read; lines appended since then stay."""
        loaded, self._loaded = self._loaded, None
        if loaded is None:
            return
        with self._locked():
            try:
                current = self.path.read_bytes()
            except FileNotFoundError:
                return  # another crawl loaded and removed it
            if not current.startswith(loaded):
                # ...and a new spool was begun since (inode numbers are reused: only the
                # content tells): none of it was loaded here.
                return
            rest = current[len(loaded) :]
            if not rest:
                self.path.unlink()
                return
            fresh = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            with fresh.open("wb") as out:
                out.write(rest)
                out.flush()
                os.fsync(out.fileno())
            fresh.replace(self.path)
