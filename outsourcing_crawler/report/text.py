"""The report as plain text for a terminal, and the words for its values in every rendering."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime

from outsourcing_crawler.report.figures import Report


def display_width(text: str) -> int:
    """Terminal columns: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Iterable[int]) -> str:
    """Columns aligned by display width, the ``numeric`` ones to the right."""
    cells = [list(headers), *(list(row) for row in rows)]
    right = set(numeric)
    widths = [max(display_width(line[i]) for line in cells) for i in range(len(headers))]
    lines = []
    for line in cells:
        padded = []
        for i, cell in enumerate(line):
            gap = " " * (widths[i] - display_width(cell))
            padded.append(gap + cell if i in right else cell + gap)
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


KIND_LABELS = {"total": "total", "monthly": "per month"}
SPREAD_HEADERS = (
    "platform",
    "budget",
    "currency",
    "postings",
    "lower quartile",
    "median",
    "upper quartile",
)


def format_amount(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def format_change(change: int) -> str:
    return f"+{change}" if change > 0 else str(change)


def local_time(report: Report, moment: datetime) -> str:
    """A moment in the report's time zone, to the minute, with the zone's name."""
    return f"{moment.astimezone(report.tz):%Y-%m-%d %H:%M} {report.tz}"


def label(value: str | None) -> str:
    """A group's name, or a dash for a posting without one."""
    return "-" if value is None else value


def report_text(report: Report) -> str:
    every = [*report.platforms, report.total]
    counts = table(
        ["platform", "open", "new 24 h", "new 7 d", "closing 3 d"],
        (
            [
                figures.platform or "all",
                str(figures.open),
                str(figures.new_24h),
                str(figures.new_7d),
                str(figures.closing_3d),
            ]
            for figures in every
        ),
        numeric=range(1, 5),
    )
    medians = [
        [
            figures.platform or "",
            label(median.budget_type),
            label(median.category),
            label(median.currency),
            format_amount(median.median),
            str(median.postings),
        ]
        for figures in report.platforms
        for median in figures.median_budgets
    ]
    spreads = [
        [
            spread.platform,
            KIND_LABELS[spread.kind],
            spread.currency,
            str(spread.postings),
            *(
                format_amount(value)
                for value in (spread.lower_quartile, spread.median, spread.upper_quartile)
            ),
        ]
        for spread in report.budget_spreads
    ]
    parts = [
        f"Postings report at {local_time(report, report.now)}",
        "",
        "Postings (open: not closed and not past its deadline; new: first seen by the crawler)",
        counts,
        "",
        "Budgets of open postings in the reference currency (a range counts as its midpoint; "
        "total: fixed budgets; per month: monthly equivalents)",
        table(
            SPREAD_HEADERS,
            spreads,
            numeric=range(3, 7),
        )
        if spreads
        else "(no open posting with a converted budget)",
        "",
        "Median budget of open postings in their own currency (one row per currency)",
        table(
            ["platform", "budget type", "category", "currency", "median", "postings"],
            medians,
            numeric=(4, 5),
        )
        if medians
        else "(no open posting with a budget)",
        "",
        "Top skills this week: postings first seen in the last 7 days; "
        "change = this week's count minus the 7 days before",
    ]
    for figures in every:
        parts.append("")
        parts.append(f"{figures.platform or 'all platforms'}:")
        if not figures.top_skills:
            parts.append("(no skills this week)")
            continue
        parts.append(
            table(
                ["#", "skill", "this week", "last week", "change"],
                (
                    [
                        str(rank),
                        trend.skill,
                        str(trend.this_week),
                        str(trend.last_week),
                        format_change(trend.change),
                    ]
                    for rank, trend in enumerate(figures.top_skills, 1)
                ),
                numeric=(0, 2, 3, 4),
            )
        )
    parts += ["", "Crawl health: each spider's latest judged crawl", health_text(report)]
    return "\n".join(parts)


def health_text(report: Report) -> str:
    if not report.health:
        return "(no crawl judged yet)"
    lines = [
        table(
            ["spider", "state", "change", "finished"],
            (
                [
                    verdict.spider,
                    verdict.state,
                    changed_from(verdict.previous_state, verdict.changed),
                    local_time(report, verdict.finished_at),
                ]
                for verdict in report.health
            ),
            numeric=(),
        )
    ]
    for verdict in report.health:
        lines += [
            f"  {verdict.spider}: {finding.severity} {finding.check}: {finding.message}"
            for finding in verdict.findings
        ]
    return "\n".join(lines)


def changed_from(previous_state: str | None, changed: bool) -> str:
    """Whether the latest crawl changed the spider's state, and from what."""
    if not changed:
        return "unchanged"
    return f"was {previous_state}" if previous_state else "first verdict"
