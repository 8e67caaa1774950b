"""The report as one self-contained web page: ``scrapy report --html FILE``.

Tables and inline SVG charts drawn here into the ``page.html`` template. The page opens in a
browser with no server and no network: its Content-Security-Policy refuses every request and
every script (pygal, for one, writes an inline ``<script>`` into each chart). Each bar names its
figure in a native tooltip (``<title>``), which needs no script.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from importlib.resources import files
from pathlib import Path
from string import Template

from outsourcing_crawler.items import PLATFORMS
from outsourcing_crawler.report.figures import BudgetSpread, MedianBudget, Report
from outsourcing_crawler.report.text import (
    KIND_LABELS,
    SPREAD_HEADERS,
    changed_from,
    format_amount,
    format_change,
    label,
    local_time,
)

# Tableau 10: distinct colours, one per platform, the same in every report.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#b07aa1",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#bab0ac",
)
THIS_WEEK_COLOUR = "#4e79a7"
LAST_WEEK_COLOUR = "#c9d3de"


def platform_colour(platform: str, others: Sequence[str]) -> str:
    if platform in PLATFORMS:
        return PALETTE[PLATFORMS.index(platform) % len(PALETTE)]
    unknown = [name for name in others if name not in PLATFORMS]
    return PALETTE[(len(PLATFORMS) + unknown.index(platform)) % len(PALETTE)]


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _day_label(day: date) -> str:
    return f"{day.month}/{day.day}"


def days_chart(report: Report) -> str:
    """New postings per day as inline SVG: one row of bars per platform on one date axis.

    Rows rather than one line per platform: seven lines over the same days cross into a
    tangle, while aligned rows keep each platform's days readable and comparable. The bars
    of every row share one scale.
    """
    if not report.platforms:
        return '<p class="empty">No postings stored yet.</p>'
    days = [entry.day for entry in report.total.new_per_day]
    width, label_w, right = 880, 150, 8
    row, bar_h, axis_h = 44, 34, 22
    band = (width - label_w - right) / len(days)
    height = row * len(report.platforms) + axis_h
    peak = max(max(entry.count for entry in figures.new_per_day) for figures in report.platforms)
    names = [figures.platform or "" for figures in report.platforms]
    out = [
        f'<svg id="new-per-day" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="New postings per day per platform">',
    ]
    for i, day in enumerate(days):
        if day.weekday() >= 5:
            out.append(
                f'<rect class="weekend" x="{label_w + i * band:.1f}" y="0" '
                f'width="{band:.1f}" height="{height - axis_h}"/>'
            )
    for index, figures in enumerate(report.platforms):
        name = figures.platform or ""
        colour = platform_colour(name, names)
        baseline = index * row + 4 + bar_h
        total = sum(entry.count for entry in figures.new_per_day)
        out.append(f'<g class="series" data-platform="{_e(name)}">')
        out.append(
            f'<text class="platform" x="0" y="{baseline - 14}">{_e(name)}</text>'
            f'<text class="total" x="0" y="{baseline}">{total} in {len(days)} days</text>'
            f'<line class="axis" x1="{label_w}" x2="{width - right}" '
            f'y1="{baseline + 0.5}" y2="{baseline + 0.5}"/>'
        )
        for i, entry in enumerate(figures.new_per_day):
            if not entry.count:
                continue
            tall = bar_h * entry.count / peak
            out.append(
                f'<rect class="day" x="{label_w + i * band + band * 0.15:.1f}" '
                f'y="{baseline - tall:.1f}" width="{band * 0.7:.1f}" height="{tall:.1f}" '
                f'fill="{colour}"><title>{_e(name)} {entry.day.isoformat()}: '
                f"{entry.count} new</title></rect>"
            )
        out.append("</g>")
    every = math.ceil(len(days) / 15)
    for i, day in enumerate(days):
        if (len(days) - 1 - i) % every == 0:
            out.append(
                f'<text class="x-label" x="{label_w + (i + 0.5) * band:.1f}" '
                f'y="{height - 6}" text-anchor="middle">{_day_label(day)}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def days_scale(report: Report) -> str:
    """What the bars of :func:`days_chart` measure, for the note above it."""
    peak = max((entry.count for f in report.platforms for entry in f.new_per_day), default=0)
    if not peak:
        return "No new postings in these days."
    return (
        f"Every row has the same scale: the tallest bar is {peak} "
        f"posting{'s' * (peak != 1)}. Weekends are shaded."
    )


def skills_chart(report: Report) -> str:
    """This week's top skills of every platform as horizontal bars, last week's beneath."""
    trends = report.total.top_skills
    if not trends:
        return '<p class="empty">No skills in the postings first seen this week.</p>'
    width, row = 880, 28
    label_w = min(240, max(90, 8 * max(len(trend.skill) for trend in trends) + 16))
    value_w = 90
    bar_w = width - label_w - value_w
    height = row * len(trends) + 8
    peak = max(max(trend.this_week, trend.last_week) for trend in trends)
    out = [
        '<ul class="legend">'
        f'<li><span class="swatch" style="background:{THIS_WEEK_COLOUR}"></span>this week</li>'
        f'<li><span class="swatch" style="background:{LAST_WEEK_COLOUR}"></span>last week</li>'
        "</ul>",
        f'<svg id="top-skills" class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Top skills this week">',
    ]
    for i, trend in enumerate(trends):
        top = 4 + i * row
        this_w = bar_w * trend.this_week / peak
        last_w = bar_w * trend.last_week / peak
        change = trend.change
        tone = "up" if change > 0 else "down" if change < 0 else "flat"
        out.append(
            f'<g class="skill-row" data-skill="{_e(trend.skill)}">'
            f'<text class="skill" x="{label_w - 10}" y="{top + 14}" '
            f'text-anchor="end">{_e(trend.skill)}</text>'
            f'<rect class="this-week" x="{label_w}" y="{top + 2}" width="{this_w:.1f}" '
            f'height="14" rx="2" fill="{THIS_WEEK_COLOUR}">'
            f"<title>{_e(trend.skill)}: {trend.this_week} this week</title></rect>"
            f'<rect class="last-week" x="{label_w}" y="{top + 18}" width="{last_w:.1f}" '
            f'height="5" rx="1" fill="{LAST_WEEK_COLOUR}">'
            f"<title>{_e(trend.skill)}: {trend.last_week} last week</title></rect>"
            f'<text class="value" x="{label_w + this_w + 6:.1f}" y="{top + 14}">'
            f"{trend.this_week}"
            f'<tspan class="{tone}" dx="6">{format_change(change)}</tspan></text>'
            "</g>"
        )
    out.append("</svg>")
    return "\n".join(out)


def _spread_rows(
    spreads: Sequence[BudgetSpread], names: Sequence[str], top: float, width: int
) -> list[str]:
    """One box per spread on a shared scale from 0 to ``top``: whiskers from the least to the
    greatest amount, the box from the lower to the upper quartile, a bar at the median."""
    label_w, right, row = 150, 90, 30
    scale = (width - label_w - right) / top
    out = []
    for i, spread in enumerate(spreads):
        middle = i * row + row / 2
        x = {
            name: label_w + scale * value
            for name, value in (
                ("low", spread.low),
                ("q1", spread.lower_quartile),
                ("median", spread.median),
                ("q3", spread.upper_quartile),
                ("high", spread.high),
            )
        }
        colour = platform_colour(spread.platform, names)
        tip = (
            f"{spread.platform}, {KIND_LABELS[spread.kind]}, {spread.postings} postings: "
            f"median {format_amount(spread.median)} {spread.currency}, quartiles "
            f"{format_amount(spread.lower_quartile)} to {format_amount(spread.upper_quartile)}, "
            f"from {format_amount(spread.low)} to {format_amount(spread.high)}"
        )
        out.append(
            f'<g class="spread" data-platform="{_e(spread.platform)}" '
            f'data-kind="{_e(spread.kind)}"><title>{_e(tip)}</title>'
            f'<text class="platform" x="0" y="{middle + 4:.1f}">{_e(spread.platform)}</text>'
            f'<line class="whisker" x1="{x["low"]:.1f}" x2="{x["high"]:.1f}" '
            f'y1="{middle:.1f}" y2="{middle:.1f}"/>'
            f'<rect class="box" x="{x["q1"]:.1f}" y="{middle - 8:.1f}" '
            f'width="{max(x["q3"] - x["q1"], 1):.1f}" height="16" fill="{colour}"/>'
            f'<line class="median" x1="{x["median"]:.1f}" x2="{x["median"]:.1f}" '
            f'y1="{middle - 10:.1f}" y2="{middle + 10:.1f}"/>'
            f'<text class="value" x="{x["high"] + 6:.1f}" y="{middle + 4:.1f}">'
            f"{_e(format_amount(spread.median))}</text></g>"
        )
    return out


def budgets_chart(report: Report) -> str:
    """Box plots of the budgets in the reference currency: one panel per kind, each with its
    own scale (a month's budget and a whole project's are different sizes)."""
    if not report.budget_spreads:
        return '<p class="empty">No open posting with a converted budget.</p>'
    names = sorted({spread.platform for spread in report.budget_spreads})
    width = 880
    out = []
    for kind in KIND_LABELS:
        spreads = [spread for spread in report.budget_spreads if spread.kind == kind]
        if not spreads:
            continue
        top = max(spread.high for spread in spreads) or 1
        currencies = ", ".join(sorted({spread.currency for spread in spreads}))
        out.append(
            f"<h3>{_e(KIND_LABELS[kind])} ({_e(currencies)}; the axis runs from 0 to "
            f"{_e(format_amount(top))})</h3>"
        )
        out.append(
            f'<svg id="budgets-{kind}" class="chart" viewBox="0 0 {width} {30 * len(spreads)}" '
            f'role="img" aria-label="Budgets {_e(KIND_LABELS[kind])} per platform">'
        )
        out += _spread_rows(spreads, names, top, width)
        out.append("</svg>")
    return "\n".join(out)


def budgets_table(report: Report) -> str:
    if not report.budget_spreads:
        return ""
    rows = [
        "<tr>"
        + _cell(spread.platform)
        + _cell(KIND_LABELS[spread.kind])
        + _cell(spread.currency)
        + _cell(spread.postings, numeric=True)
        + "".join(
            _cell(format_amount(value), numeric=True)
            for value in (spread.lower_quartile, spread.median, spread.upper_quartile)
        )
        + "</tr>"
        for spread in report.budget_spreads
    ]
    return _html_table(SPREAD_HEADERS, rows, numeric=range(3, 7))


def health_table(report: Report) -> str:
    if not report.health:
        return '<p class="empty">No crawl judged yet.</p>'
    rows = []
    for verdict in report.health:
        findings = "; ".join(
            f"{found.severity} {found.check}: {found.message}" for found in verdict.findings
        )
        rows.append(
            "<tr>"
            + _cell(verdict.spider)
            + f'<td><span class="state {_e(verdict.state)}">{_e(verdict.state)}</span></td>'
            + _cell(changed_from(verdict.previous_state, verdict.changed))
            + _cell(local_time(report, verdict.finished_at))
            + _cell(findings or "-", extra="wrap")
            + "</tr>"
        )
    return _html_table(["spider", "state", "change", "finished", "findings"], rows, numeric=())


def _cell(value: object, numeric: bool = False, extra: str = "") -> str:
    classes = " ".join(name for name in ("num" if numeric else "", extra) if name)
    attribute = f' class="{classes}"' if classes else ""
    return f"<td{attribute}>{_e(value)}</td>"


def _html_table(headers: Sequence[str], rows: Iterable[str], numeric: Iterable[int]) -> str:
    right = set(numeric)
    head = "".join(
        f'<th class="num">{_e(title)}</th>' if i in right else f"<th>{_e(title)}</th>"
        for i, title in enumerate(headers)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def platform_table(report: Report) -> str:
    rows = []
    for figures in [*report.platforms, report.total]:
        css = ' class="total"' if figures.platform is None else ""
        rows.append(
            f"<tr{css}>{_cell(figures.platform or 'all platforms')}"
            + "".join(
                _cell(value, numeric=True)
                for value in (figures.open, figures.new_24h, figures.new_7d, figures.closing_3d)
            )
            + "</tr>"
        )
    return _html_table(
        ["platform", "open", "new in 24 h", "new in 7 days", "closing in 3 days"],
        rows,
        numeric=range(1, 5),
    )


def medians_table(report: Report) -> str:
    entries: list[tuple[str, MedianBudget]] = [
        (figures.platform or "", median)
        for figures in report.platforms
        for median in figures.median_budgets
    ]
    if not entries:
        return '<p class="empty">No open posting with a budget.</p>'
    rows = [
        "<tr>"
        + _cell(platform)
        + _cell(label(median.budget_type))
        + _cell(label(median.category), extra="wrap")
        + _cell(label(median.currency))
        + _cell(format_amount(median.median), numeric=True)
        + _cell(median.postings, numeric=True)
        + "</tr>"
        for platform, median in entries
    ]
    return _html_table(
        ["platform", "budget type", "category", "currency", "median", "postings"],
        rows,
        numeric=(4, 5),
    )


def platform_skills(report: Report) -> str:
    cards = []
    for figures in report.platforms:
        if not figures.top_skills:
            body = '<p class="empty">No skills this week.</p>'
        else:
            rows = []
            for rank, trend in enumerate(figures.top_skills, 1):
                tone = "up" if trend.change > 0 else "down" if trend.change < 0 else "flat"
                rows.append(
                    "<tr>"
                    + _cell(rank, numeric=True)
                    + _cell(trend.skill)
                    + _cell(trend.this_week, numeric=True)
                    + _cell(trend.last_week, numeric=True)
                    + _cell(format_change(trend.change), numeric=True, extra=tone)
                    + "</tr>"
                )
            body = _html_table(
                ["#", "skill", "this week", "last week", "change"], rows, numeric=(0, 2, 3, 4)
            )
        cards.append(f'<div class="platform-skills"><h3>{_e(figures.platform)}</h3>{body}</div>')
    if not cards:
        return '<p class="empty">No postings stored yet.</p>'
    return f'<div class="grid3">{"".join(cards)}</div>'


def total_cards(report: Report) -> str:
    total = report.total
    return "\n".join(
        f'<div class="card"><div class="value">{value}</div><div class="label">{text}</div></div>'
        for value, text in (
            (total.open, "open now"),
            (total.new_24h, "new in 24 hours"),
            (total.new_7d, "new in 7 days"),
            (total.closing_3d, "closing in 3 days"),
        )
    )


def report_html(report: Report, source: str) -> str:
    """One self-contained page; ``source`` says which database it was read from."""
    template = Template(
        (files("outsourcing_crawler.report") / "page.html").read_text(encoding="utf-8")
    )
    return template.substitute(
        generated=_e(local_time(report, report.now)),
        source=_e(source),
        days=report.days,
        timezone=_e(report.tz),
        cards=total_cards(report),
        platform_table=platform_table(report),
        days_chart=days_chart(report),
        days_scale=_e(days_scale(report)),
        skills_chart=skills_chart(report),
        medians_table=medians_table(report),
        budgets_chart=budgets_chart(report),
        budgets_table=budgets_table(report),
        health_table=health_table(report),
        platform_skills=platform_skills(report),
    )


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step: a web server never serves half a page."""
    path = path.resolve()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
