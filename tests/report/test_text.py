"""The report as text: columns that line up, Korean included."""

from __future__ import annotations

from outsourcing_crawler.report.text import display_width, report_text, table
from tests.commands.test_report import line
from tests.report.test_figures import small_report


def test_text_columns_line_up_with_korean_text() -> None:
    assert display_width("앱 개발") == 7
    assert table(["category", "n"], [["앱 개발", "12"], ["web", "3"]], numeric=[1]) == (
        "category   n\n앱 개발   12\nweb        3"
    )
    assert line(report_text(small_report()), "kmong", "fixed", "앱 <개발>", "KRW", "5,000,000", 1)


def test_text_shows_budget_spreads_and_health() -> None:
    text = report_text(small_report())
    assert line(text, "kmong", "total", "KRW", 4, "2,500,000", "3,500,000", "5,000,000")
    assert line(text, "kmong", "per month", "KRW", 1, "6,000,000", "6,000,000", "6,000,000")
    assert line(text, "kmong", "degraded", "was ok", "2026-11-28 12:00 UTC")
    assert line(text, "wishket", "ok", "unchanged", "2026-11-29 11:00 UTC")
    assert "  kmong: warning coverage: description <20%>, was 98%" in text
