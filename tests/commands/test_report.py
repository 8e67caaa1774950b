"""`scrapy report` as a user runs it: text, JSON and a web page, its options and errors.

The database is filled with the postings of ``tests/report/test_figures.py``, whose figures
are known. The page in a real browser is in ``tests/report/test_html.py``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import run_async
from tests.report.test_figures import NOW, fill
from tests.scrapy_run import scrapy


def report(url: str, *args: str) -> Any:
    return scrapy("report", "-s", f"DATABASE_URL={url}", "--now", NOW.isoformat(), *args)


def line(text: str, *cells: object) -> str | None:
    """The line of ``text`` made of exactly these cells, whatever the spacing."""
    pattern = r"^\s*" + r"\s+".join(re.escape(str(cell)) for cell in cells) + r"\s*$"
    found = re.search(pattern, text, re.MULTILINE)
    return found.group(0) if found else None


def test_text_report_of_a_filled_database(database_url: str) -> None:
    run_async(fill(database_url))
    result = report(database_url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2026-11-29 12:00 UTC" in out
    assert line(out, "platform", "open", "new 24 h", "new 7 d", "closing 3 d")
    assert line(out, "freelancer", 6, 2, 6, 1)
    assert line(out, "guru", 0, 0, 0, 0)
    assert line(out, "kmong", 7, 1, 4, 3)
    assert line(out, "wishket", 2, 0, 2, 0)
    assert line(out, "all", 15, 3, 12, 4)
    assert line(out, "kmong", "fixed", "IT·프로그래밍 / 앱 개발", "KRW", "4,000,000", 5)
    assert line(out, "freelancer", "hourly", "Websites, IT & Software", "USD", "27.5", 2)
    assert line(out, "freelancer", "fixed", "-", "USD", "1,000", 1)
    assert line(out, "wishket", "fixed", "개발 / 웹", "KRW", "13,500,000", 2)
    all_platforms = out[out.index("all platforms:") :]
    assert line(all_platforms, 1, "Python", 6, 2, "+4")
    assert line(all_platforms, 3, "Java", 2, 3, -1)
    assert line(all_platforms, 7, "Scrapy", 1, 1, 0)
    assert "guru:\n(no skills this week)" in out
    assert "Migrated" not in result.stderr


def test_json_report_of_a_filled_database(sqlite_url: str) -> None:
    run_async(fill(sqlite_url))
    result = report(sqlite_url, "--format", "json", "--timezone", "Asia/Seoul", "--days", "3")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["now"] == "2026-11-29T12:00:00+00:00"
    assert data["timezone"] == "Asia/Seoul"
    assert data["windows"]["new_24h_since"] == "2026-11-28T12:00:00+00:00"
    assert data["windows"]["skills_last_week_since"] == "2026-11-15T12:00:00+00:00"
    assert list(data["platforms"]) == ["freelancer", "guru", "kmong", "wishket"]
    kmong = data["platforms"]["kmong"]
    assert (kmong["open"], kmong["new_24h"], kmong["new_7d"], kmong["closing_3d"]) == (7, 1, 4, 3)
    assert kmong["new_per_day"] == [
        {"date": "2026-11-27", "count": 0},
        {"date": "2026-11-28", "count": 2},
        {"date": "2026-11-29", "count": 1},
    ]
    assert kmong["median_budgets"][0] == {
        "budget_type": "fixed",
        "category": "IT·프로그래밍 / 앱 개발",
        "currency": "KRW",
        "median": 4_000_000,
        "postings": 5,
    }
    assert data["platforms"]["freelancer"]["median_budgets"][-1]["median"] == 27.5
    assert data["total"]["top_skills"][2] == {
        "rank": 3,
        "skill": "Java",
        "this_week": 2,
        "last_week": 3,
        "change": -1,
    }
    assert "median_budgets" not in data["total"]


def test_unmigrated_database_is_migrated_and_reports_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = report(url, "--format", "json", "--days", "2")
    assert result.returncode == 0, result.stderr
    assert "Migrated SQLite file" in result.stderr
    data = json.loads(result.stdout)
    assert data["platforms"] == {}
    assert data["total"] == {
        "open": 0,
        "new_24h": 0,
        "new_7d": 0,
        "closing_3d": 0,
        "new_per_day": [{"date": "2026-11-28", "count": 0}, {"date": "2026-11-29", "count": 0}],
        "top_skills": [],
    }
    text = report(url)
    assert text.returncode == 0, text.stderr
    assert line(text.stdout, "all", 0, 0, 0, 0)
    assert "Migrated" not in text.stderr


def test_unreachable_database_is_reported_in_one_line() -> None:
    result = report("postgresql://crawler:s3cret-pass@127.0.0.1:1/outsourcing")
    assert result.returncode == 1
    assert result.stderr.startswith("Cannot read the postings from 127.0.0.1:1/outsourcing: ")
    assert "s3cret-pass" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_bad_options_are_usage_errors(sqlite_url: str) -> None:
    zone = report(sqlite_url, "--timezone", "Mars/Olympus")
    assert zone.returncode == 2
    assert "unknown time zone 'Mars/Olympus'" in zone.stderr
    days = report(sqlite_url, "--days", "0")
    assert days.returncode == 2
    assert "--days" in days.stderr


def test_html_to_an_unwritable_place_is_reported(sqlite_url: str, tmp_path: Path) -> None:
    result = report(sqlite_url, "--html", str(tmp_path / "missing" / "report.html"))
    assert result.returncode == 1
    assert "Cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_now_defaults_to_the_clock(sqlite_url: str) -> None:
    result = scrapy("report", "-s", f"DATABASE_URL={sqlite_url}", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert datetime.fromisoformat(json.loads(result.stdout)["now"]).tzinfo is not None
