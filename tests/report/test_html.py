"""The report as a web page: escaped, requesting nothing, and its charts in headless Chromium.

The browser test saves a screenshot as ``test-artifacts/report.png``; it is skipped without a
Chromium executable, except under ``REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from outsourcing_crawler.report.html import report_html
from tests.commands.test_report import report
from tests.conftest import run_async
from tests.report.test_figures import fill, small_report
from tests.scrapy_run import ROOT

ARTIFACTS = ROOT / "test-artifacts"


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
    assert (package / "report" / "page.html").resolve() in shipped


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


def test_html_budget_and_health_sections() -> None:
    page = report_html(small_report(), "SQLite file x.sqlite3")
    assert page.count('<g class="spread"') == 3
    assert 'id="budgets-total"' in page
    assert 'id="budgets-monthly"' in page
    assert '<span class="state degraded">degraded</span>' in page
    assert "description &lt;20%&gt;, was 98%" in page


async def inspect_sections(executable: str, page_file: Path) -> dict[str, Any]:
    """The boxes of the budget chart and the colours of the health states, as Chromium draws
    them."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu", "--headless"]
        )
        try:
            page = await browser.new_page(viewport={"width": 1100, "height": 900})
            await page.goto(page_file.as_uri())
            boxes = page.locator("svg#budgets-total rect.box")
            return {
                "boxes": [_box(await box.bounding_box()) for box in await boxes.all()],
                "states": await page.locator("#health .state").evaluate_all(
                    "nodes => nodes.map(n => getComputedStyle(n).backgroundColor)"
                ),
            }
        finally:
            await browser.close()


def test_budget_chart_and_health_states_in_chromium(chromium: str, tmp_path: Path) -> None:
    page_file = tmp_path / "sections.html"
    page_file.write_text(report_html(small_report(), "test"), encoding="utf-8")
    seen = run_async(inspect_sections(chromium, page_file))
    # kmong's quartiles 2.5M-5M and wishket's 3M-5M on one scale.
    (kmong_width, kmong_height), (wishket_width, _) = seen["boxes"]
    assert kmong_height > 5
    assert wishket_width / kmong_width == pytest.approx(2 / 2.5, rel=0.02)
    degraded, ok = seen["states"]
    assert degraded != ok
    assert ok == "rgb(26, 127, 55)"
