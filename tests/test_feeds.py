"""Feed exports (`-O projects.json`, `.jsonl`, `.csv`) of a known crawl, byte for byte.

The known crawl is `scrapy crawl kmong` over its recordings, one request at a time so that the
items come in a fixed order. The golden files under tests/fixtures/feeds/ were written by that
crawl and checked by hand; after a deliberate change to the kmong spider or the exporters,
write them again with::

    scrapy crawl kmong -s REPLAY_FROM=tests/recordings -s STORAGE_ENABLED=0 \\
        -s CONCURRENT_REQUESTS=1 -O tests/fixtures/feeds/kmong.json \\
        -O tests/fixtures/feeds/kmong.jsonl -O tests/fixtures/feeds/kmong.csv
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import func, select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.exporters import CsvExporter
from outsourcing_crawler.items import ProjectItem
from tests.scrapy_run import replay
from tests.support import FIXTURES

GOLDEN = FIXTURES / "feeds"
FORMATS = ("json", "jsonl", "csv")
FIELDS = [field.name for field in dataclasses.fields(ProjectItem)]
DATETIMES = ("posted_at", "deadline", "scraped_at")
BOM = b"\xef\xbb\xbf"
POSTINGS = 9  # kmong's recorded postings, confidential ones left out


def export(folder: Path, *settings: str) -> dict[str, bytes]:
    """The three feeds of one replayed kmong crawl, by format."""
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {fmt: folder / f"projects.{fmt}" for fmt in FORMATS}
    args = ["crawl", "kmong", "-s", "CONCURRENT_REQUESTS=1"]
    for setting in settings:
        args += ["-s", setting]
    for path in outputs.values():
        args += ["-O", str(path)]
    result = replay(*args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"'item_scraped_count': {POSTINGS}," in result.stderr
    return {fmt: path.read_bytes() for fmt, path in outputs.items()}


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Export-only: the database pipeline off."""
    return export(tmp_path_factory.mktemp("feeds"), "STORAGE_ENABLED=0")


def assert_same_bytes(actual: bytes, golden_file: Path) -> None:
    golden = golden_file.read_bytes()
    # Line by line first, for a readable difference.
    assert actual.decode("utf-8").splitlines() == golden.decode("utf-8").splitlines()
    assert actual == golden


@pytest.mark.parametrize("fmt", FORMATS)
def test_feed_matches_golden_file(feeds: dict[str, bytes], fmt: str) -> None:
    assert_same_bytes(feeds[fmt], GOLDEN / f"kmong.{fmt}")


async def stored_postings(url: str) -> int:
    database = Database(url)
    try:
        async with database.session() as session:
            return await session.scalar(select(func.count()).select_from(Project))
    finally:
        await database.dispose()


def records(data: bytes, fmt: str) -> list[bytes] | list[list[str]]:
    """A feed's records in a canonical order, each as exported (CSV: as cells)."""
    if fmt == "csv":
        text = data.decode("utf-8-sig")
        return sorted(csv.reader(io.StringIO(text, newline="")))
    lines = data.splitlines()
    if fmt == "json":
        assert (lines[0], lines[-1]) == (b"[", b"]")
        lines = [line.removesuffix(b",") for line in lines[1:-1]]
    return sorted(lines)


@deferred_f_from_coro_f
async def test_feeds_are_the_same_with_storage_on(database_url: str, tmp_path: Path) -> None:
    exported = export(tmp_path, f"DATABASE_URL={database_url}")
    for fmt in FORMATS:
        golden = (GOLDEN / f"kmong.{fmt}").read_bytes()
        # The same records; the order may differ, as the database takes part in the crawl.
        assert records(exported[fmt], fmt) == records(golden, fmt)
    # The same byte order mark and header line.
    csv_head = (GOLDEN / "kmong.csv").read_bytes().split(b"\r\n", 1)[0]
    assert exported["csv"].split(b"\r\n", 1)[0] == csv_head
    assert await stored_postings(database_url) == POSTINGS


def json_records(feeds: dict[str, bytes], fmt: str) -> list[dict[str, Any]]:
    text = feeds[fmt].decode("utf-8")
    if fmt == "json":
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines()]


def assert_iso_with_offset(value: str) -> None:
    parsed = datetime.fromisoformat(value)
    assert parsed.isoformat() == value
    assert parsed.utcoffset() is not None, value


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_feeds_carry_the_item_fields_as_json(feeds: dict[str, bytes], fmt: str) -> None:
    records = json_records(feeds, fmt)
    assert len(records) == POSTINGS
    # Korean as UTF-8 text, never \uXXXX escapes.
    assert b"\\u" not in feeds[fmt]
    assert "물류센터 WMS 구축 (현장 상주 필수)" in {record["title"] for record in records}
    for record in records:
        assert list(record) == FIELDS
        assert isinstance(record["skills"], list)
        assert all(isinstance(skill, str) for skill in record["skills"])
        assert isinstance(record["extra"], dict)
        for name in DATETIMES:
            if record[name] is not None:
                assert_iso_with_offset(record[name])
    assert any(record["skills"] for record in records)
    assert all(record["scraped_at"] for record in records)
    assert any(record["deadline"].endswith("+09:00") for record in records)


def test_csv_feed_opens_in_a_spreadsheet(feeds: dict[str, bytes]) -> None:
    data = feeds["csv"]
    assert data.startswith(BOM)
    assert not data[len(BOM) :].startswith(BOM)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == FIELDS
    # One record per posting, in the same order as the JSON feed; each cell is text.
    records = json_records(feeds, "json")
    assert len(rows) == 1 + len(records)
    for row, record in zip(rows[1:], records, strict=True):
        cells = dict(zip(FIELDS, row, strict=True))
        assert cells["title"] == record["title"]
        assert cells["description"] == (record["description"] or "")
        assert cells["skills"] == ", ".join(record["skills"])
        assert json.loads(cells["extra"]) == record["extra"]
        for name in DATETIMES:
            assert cells[name] == (record[name] or "")
        assert cells["budget_min"] == (
            "" if record["budget_min"] is None else str(record["budget_min"])
        )


def csv_cells(item: ProjectItem) -> dict[str, str]:
    output = io.BytesIO()
    exporter = CsvExporter(output, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(item)
    exporter.finish_exporting()
    header, row = csv.reader(io.StringIO(output.getvalue().decode("utf-8-sig"), newline=""))
    return dict(zip(header, row, strict=True))


def test_csv_cells_of_nested_values_are_json_text() -> None:
    when = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    cells = csv_cells(
        ProjectItem(
            platform="kmong",
            skills=["Python", "C#"],
            posted_at=when,
            extra={"seen": when, "answers": [{"질문": "예산"}], "rating": 4.5},
        )
    )
    assert cells["skills"] == "Python, C#"
    assert cells["posted_at"] == "2026-11-29T03:00:00+00:00"
    assert json.loads(cells["extra"]) == {
        "answers": [{"질문": "예산"}],
        "rating": 4.5,
        "seen": "2026-11-29T03:00:00+00:00",
    }
    assert "질문" in cells["extra"]  # not \uXXXX
    assert cells["location"] == ""
