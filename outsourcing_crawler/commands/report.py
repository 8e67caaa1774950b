"""``scrapy report``: the figures of ``outsourcing_crawler.report`` as text, JSON or a web page.

Text (the default) for people at a terminal; ``--format json`` for machines (the shape is in
:func:`report_json`); ``--html FILE`` writes one self-contained page with inline SVG charts
that opens in a browser with no server and no network (its Content-Security-Policy forbids
every request). The database is migrated first when it is empty or older, as a crawl would.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import math
import os
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, tzinfo
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from outsourcing_crawler.db import Database, DatabaseTooNew, describe_target, migrate
from outsourcing_crawler.items import PLATFORMS
from outsourcing_crawler.report import DAYS, Figures, MedianBudget, Report, build_report


async def load_report(url: str, now: datetime, tz: tzinfo, days: int) -> tuple[Report, bool]:
    """The report of the database at ``url``, and whether it had to be migrated first."""
    database = Database(url)
    try:
        before, after = await migrate(database)
        engine = database.engine
        if database.dialect == "postgresql":
            # One snapshot for every query, so the figures agree while a crawl writes.
            engine = engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        async with AsyncSession(engine) as session, session.begin():
            report = await build_report(session, now, tz=tz, days=days)
        return report, before != after
    finally:
        await database.dispose()


# -- JSON -------------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _figures_json(figures: Figures) -> dict[str, Any]:
    result: dict[str, Any] = {
        "open": figures.open,
        "new_24h": figures.new_24h,
        "new_7d": figures.new_7d,
        "closing_3d": figures.closing_3d,
        "new_per_day": [
            {"date": entry.day.isoformat(), "count": entry.count} for entry in figures.new_per_day
        ],
        "top_skills": [
            {
                "rank": rank,
                "skill": trend.skill,
                "this_week": trend.this_week,
                "last_week": trend.last_week,
                "change": trend.change,
            }
            for rank, trend in enumerate(figures.top_skills, 1)
        ],
    }
    if figures.platform is not None:
        result["median_budgets"] = [
            {
                "budget_type": median.budget_type,
                "category": median.category,
                "currency": median.currency,
                "median": median.median,
                "postings": median.postings,
            }
            for median in figures.median_budgets
        ]
    return result


def report_json(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data.

    ``{"now", "timezone", "days", "windows": {name: ISO datetime}, "platforms": {platform:
    {"open", "new_24h", "new_7d", "closing_3d", "new_per_day": [{"date", "count"}],
    "top_skills": [{"rank", "skill", "this_week", "last_week", "change"}], "median_budgets":
    [{"budget_type", "category", "currency", "median", "postings"}]}}, "total": the same
    without "median_budgets"}``. Datetimes are ISO 8601 in UTC, dates ``YYYY-MM-DD`` in the
    report's time zone; every key is always present.
    """
    return {
        "now": _iso(report.now),
        "timezone": str(report.tz),
        "days": report.days,
        "windows": {
            "new_24h_since": _iso(report.new_24h_since),
            "new_7d_since": _iso(report.new_7d_since),
            "closing_3d_until": _iso(report.closing_until),
            "skills_this_week_since": _iso(report.new_7d_since),
            "skills_last_week_since": _iso(report.last_week_since),
        },
        "platforms": {
            figures.platform: _figures_json(figures)
            for figures in report.platforms
            if figures.platform is not None
        },
        "total": _figures_json(report.total),
    }


# -- Text -------------------------------------------------------------------------------------


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


def format_amount(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")


def format_change(change: int) -> str:
    return f"+{change}" if change > 0 else str(change)


def _local(report: Report, moment: datetime) -> str:
    return f"{moment.astimezone(report.tz):%Y-%m-%d %H:%M} {report.tz}"


def _label(value: str | None) -> str:
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
            _label(median.budget_type),
            _label(median.category),
            _label(median.currency),
            format_amount(median.median),
            str(median.postings),
        ]
        for figures in report.platforms
        for median in figures.median_budgets
    ]
    parts = [
        f"Postings report at {_local(report, report.now)}",
        "",
        "Postings (open: not closed and not past its deadline; new: first seen by the crawler)",
        counts,
        "",
        "Median budget of open postings (a range counts as its midpoint; one row per currency)",
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
    return "\n".join(parts)


# -- HTML -------------------------------------------------------------------------------------

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
        + _cell(_label(median.budget_type))
        + _cell(_label(median.category), extra="wrap")
        + _cell(_label(median.currency))
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
        f'<div class="card"><div class="value">{value}</div><div class="label">{label}</div></div>'
        for value, label in (
            (total.open, "open now"),
            (total.new_24h, "new in 24 hours"),
            (total.new_7d, "new in 7 days"),
            (total.closing_3d, "closing in 3 days"),
        )
    )


def report_html(report: Report, source: str) -> str:
    """One self-contained page; ``source`` says which database it was read from."""
    template = Template(
        (files("outsourcing_crawler") / "templates" / "report.html").read_text(encoding="utf-8")
    )
    return template.substitute(
        generated=_e(_local(report, report.now)),
        source=_e(source),
        days=report.days,
        timezone=_e(report.tz),
        cards=total_cards(report),
        platform_table=platform_table(report),
        days_chart=days_chart(report),
        days_scale=_e(days_scale(report)),
        skills_chart=skills_chart(report),
        medians_table=medians_table(report),
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


# -- The command ------------------------------------------------------------------------------


def emit(text: str) -> None:
    """Print to stdout; a reader that went away (``scrapy report | head``) is no error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python would complain again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(ScrapyCommand):
    requires_project = True
    default_settings = {"LOG_ENABLED": False}  # noqa: RUF012 (Scrapy's own attribute)

    def syntax(self) -> str:
        return "[--format text|json] [--html FILE] [--days N] [--timezone ZONE]"

    def short_desc(self) -> str:
        return "Print figures of the stored postings per platform, or write them as a web page"

    def long_desc(self) -> str:
        return (
            "Per platform, from the database at DATABASE_URL: postings open now, new in the "
            "last 24 hours and 7 days, closing in the next 3 days, median budgets by budget "
            "type, category and currency, and the 20 skills most asked for this week with "
            "their change from last week. Prints text, or JSON with --format json; --html "
            "FILE writes a self-contained page with charts instead (add --format to print "
            "as well)."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--format",
            choices=("text", "json"),
            default=None,
            help="what to print: text (default) or json",
        )
        parser.add_argument("--html", metavar="FILE", help="write a one-page HTML report")
        parser.add_argument(
            "--days",
            type=int,
            default=DAYS,
            help=f"days in the new-postings-per-day series (default {DAYS})",
        )
        parser.add_argument(
            "--timezone",
            default="UTC",
            metavar="ZONE",
            help="IANA time zone of the days and times shown, e.g. Asia/Seoul (default UTC)",
        )
        # The reference time, for reproducible reports and tests.
        parser.add_argument("--now", type=_moment, default=None, help=argparse.SUPPRESS)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError("scrapy report takes no arguments", print_help=False)
        if not 1 <= opts.days <= 366:
            raise UsageError("--days must be between 1 and 366", print_help=False)
        try:
            tz = ZoneInfo(opts.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"unknown time zone {opts.timezone!r}", print_help=False) from None
        url = self.settings["DATABASE_URL"]
        target = describe_target(url)
        now = opts.now or datetime.now(UTC)
        try:
            report, migrated = asyncio.run(load_report(url, now, tz, opts.days))
        except (OSError, SQLAlchemyError, DatabaseTooNew) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"Cannot read the postings from {target}: {reason}", file=sys.stderr)
            self.exitcode = 1
            return
        if migrated:
            print(f"Migrated {target} to the current schema first", file=sys.stderr)
        if opts.html:
            try:
                write_atomically(Path(opts.html), report_html(report, target))
            except OSError as exc:
                print(f"Cannot write {opts.html}: {exc.strerror or exc}", file=sys.stderr)
                self.exitcode = 1
                return
            print(f"Wrote {opts.html}", file=sys.stderr)
        if opts.format == "json":
            emit(json.dumps(report_json(report), ensure_ascii=False, indent=2))
        elif opts.format == "text" or not opts.html:
            emit(report_text(report))
