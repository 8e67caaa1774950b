"""`scrapy report` as a user runs it: text, JSON and a web page opened in headless Chromium.

The database is filled with the postings of ``tests/test_report.py``, whose figures are known.
The browser test saves a screenshot as ``test-artifacts/report.png``; it is skipped without a
Chromium executable, except under ``REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import glob
import json
import re
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from outsourcing_crawler.commands.report import (
    display_width,
    report_html,
    report_json,
    report_text,
    table,
)
from outsourcing_crawler.report import DayCount, Figures, MedianBudget, Report, SkillTrend
from tests.conftest import run_async
from tests.scrapy_run import ROOT, scrapy
from tests.test_report import NOW, fill

ARTIFACTS = ROOT / "test-artifacts"


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


# -- Rendering, without a database ------------------------------------------------------------


def small_report() -> Report:
    days = (DayCount(date(2026, 11, 28), 1), DayCount(date(2026, 11, 29), 0))
    kmong = Figures(
        platform="kmong",
        open=1,
        new_24h=0,
        new_7d=1,
        closing_3d=0,
        median_budgets=(MedianBudget("fixed", "앱 <개발>", "KRW", 5_000_000, 1),),
        top_skills=(SkillTrend("C++", 1, 0),),
        new_per_day=days,
    )
    total = Figures(None, 1, 0, 1, 0, (), (SkillTrend("C++", 1, 0),), days)
    return Report(now=NOW, tz=UTC, days=2, platforms=(kmong,), total=total)


def test_json_keys_are_stable() -> None:
    data = report_json(small_report())
    assert list(data) == ["now", "timezone", "days", "windows", "platforms", "total"]
    assert list(data["windows"]) == [
        "new_24h_since",
        "new_7d_since",
        "closing_3d_until",
        "skills_this_week_since",
        "skills_last_week_since",
    ]
    figures = ["open", "new_24h", "new_7d", "closing_3d", "new_per_day", "top_skills"]
    assert list(data["platforms"]["kmong"]) == [*figures, "median_budgets"]
    assert list(data["total"]) == figures
    json.dumps(data)


def test_text_columns_line_up_with_korean_text() -> None:
    assert display_width("앱 개발") == 7
    assert table(["category", "n"], [["앱 개발", "12"], ["web", "3"]], numeric=[1]) == (
        "category   n\n앱 개발   12\nweb        3"
    )
    assert line(report_text(small_report()), "kmong", "fixed", "앱 <개발>", "KRW", "5,000,000", 1)


def test_html_escapes_data_and_requests_nothing() -> None:
    page = report_html(small_report(), "SQLite file x.sqlite3")
    assert "앱 &lt;개발&gt;" in page
    assert "<개발>" not in page
    # No URL of any kind: nothing to fetch, and the page's policy forbids fetching anyway.
    assert not re.search(r"""(src|href)\s*=|url\(|@import|<script|<link""", page, re.I)
    assert "default-src 'none'" in page


def test_the_page_template_ships_with_the_package() -> None:
    """The template is package data: a wheel or a Scrapyd egg without it has no --html."""
    package = ROOT / "outsourcing_crawler"
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["outsourcing_crawler"]
    shipped = {
        Path(found).resolve()
        for pattern in globs
        for found in glob.glob(str(package / pattern), recursive=True)
    }
    assert (package / "templates" / "report.html").resolve() in shipped


# -- The page in a real browser ---------------------------------------------------------------


def _box(found: dict[str, float] | None) -> tuple[float, float]:
    assert found is not None
    return found["width"], found["height"]


async def inspect_page(executable: str, page_file: Path, screenshot: Path) -> dict[str, Any]:
    """What Chromium shows of the page, and every request and console error it had."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu", "--headless"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            requests: list[str] = []
            errors: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.on(
                "console",
                lambda message: errors.append(message.text) if message.type == "error" else None,
            )
            await page.goto(page_file.as_uri())
            days = page.locator("svg#new-per-day")
            skills = page.locator("svg#top-skills")
            seen = {
                "requests": requests,
                "errors": errors,
                "days_box": _box(await days.bounding_box()),
                "skills_box": _box(await skills.bounding_box()),
                "series": await days.locator("g.series").evaluate_all(
                    "nodes => nodes.map(n => n.dataset.platform)"
                ),
                "bars": [
                    (await bar.get_attribute("fill"), _box(await bar.bounding_box()))
                    for bar in await days.locator("rect.day").all()
                ],
                "row_labels": await days.locator("text.platform").all_text_contents(),
                "row_totals": await days.locator("text.total").all_text_contents(),
                "x_labels": await days.locator("text.x-label").all_text_contents(),
                "skill_labels": await skills.locator("text.skill").all_text_contents(),
                "bar_widths": [
                    _box(await bar.bounding_box())[0]
                    for bar in await skills.locator("rect.this-week").all()
                ],
                "cards": await page.locator("#totals .value").all_text_contents(),
            }
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(screenshot), full_page=True)
            return seen
        finally:
            await browser.close()


def test_html_report_renders_its_charts_in_chromium(chromium: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'report.sqlite3'}"
    run_async(fill(url))
    page_file = tmp_path / "report.html"
    result = report(url, "--html", str(page_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"Wrote {page_file}" in result.stderr

    screenshot = ARTIFACTS / "report.png"
    screenshot.unlink(missing_ok=True)
    seen = run_async(inspect_page(chromium, page_file, screenshot))

    assert seen["requests"] == [page_file.as_uri()]
    assert seen["errors"] == []
    assert seen["cards"] == ["15", "3", "12", "4"]
    for width, height in (seen["days_box"], seen["skills_box"]):
        assert width > 600
        assert height > 150
    assert seen["series"] == ["freelancer", "guru", "kmong", "wishket"]
    assert seen["row_labels"] == seen["series"]
    assert seen["row_totals"] == ["7 in 14 days", "0 in 14 days", "7 in 14 days", "3 in 14 days"]
    # One bar per platform and day with new postings, in the platform's colour: freelancer
    # 5, kmong 7, wishket 2; the tallest (2 postings) twice as tall as the others.
    fills = [fill for fill, _ in seen["bars"]]
    assert len(fills) == 14
    assert len(set(fills)) == 3
    heights = sorted(height for _, (width, height) in seen["bars"] if width > 5)
    assert len(heights) == 14
    assert heights[-1] == pytest.approx(2 * heights[0], rel=0.02)
    assert heights.count(heights[-1]) == 3  # freelancer on the 27th and 29th, wishket the 25th
    assert seen["x_labels"][0] == "11/16"
    assert seen["x_labels"][-1] == "11/29"
    assert seen["skill_labels"][:3] == ["Python", "React", "Java"]
    assert len(seen["skill_labels"]) == 9
    # Bars in proportion: Python 6, React 4, Java 2, then 1s.
    widths = seen["bar_widths"]
    assert widths[0] > widths[1] > widths[2] > widths[3] > 0
    assert widths[1] / widths[0] == pytest.approx(4 / 6, rel=0.02)
    assert screenshot.stat().st_size > 10_000


def test_empty_html_report_is_a_valid_page(tmp_path: Path) -> None:
    page_file = tmp_path / "empty.html"
    result = report(f"sqlite:///{tmp_path / 'empty.sqlite3'}", "--html", str(page_file))
    assert result.returncode == 0, result.stderr
    seen = page_file.read_text(encoding="utf-8")
    assert "No postings stored yet." in seen
    assert "<svg" not in seen


def test_html_to_an_unwritable_place_is_reported(sqlite_url: str, tmp_path: Path) -> None:
    result = report(sqlite_url, "--html", str(tmp_path / "missing" / "report.html"))
    assert result.returncode == 1
    assert "Cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_now_defaults_to_the_clock(sqlite_url: str) -> None:
    result = scrapy("report", "-s", f"DATABASE_URL={sqlite_url}", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert datetime.fromisoformat(json.loads(result.stdout)["now"]).tzinfo is not None
