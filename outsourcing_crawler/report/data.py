"""The report as JSON-ready data, for machines: ``scrapy report --format json``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from outsourcing_crawler.report.figures import Figures, Report


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
    without "median_budgets", "budget_spreads": [{"platform", "kind" (total|monthly),
    "currency", "postings", "min", "lower_quartile", "median", "upper_quartile", "max"}],
    "health": [{"spider", "state", "finished_at", "previous_state", "changed", "findings":
    [{"check", "severity", "message"}]}]}``. Datetimes are ISO 8601 in UTC, dates
    ``YYYY-MM-DD`` in the report's time zone; amounts in whole units of their currency (a
    float only when it falls between); every key is always present.
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
        "budget_spreads": [
            {
                "platform": spread.platform,
                "kind": spread.kind,
                "currency": spread.currency,
                "postings": spread.postings,
                "min": spread.low,
                "lower_quartile": spread.lower_quartile,
                "median": spread.median,
                "upper_quartile": spread.upper_quartile,
                "max": spread.high,
            }
            for spread in report.budget_spreads
        ],
        "health": [
            {
                "spider": verdict.spider,
                "state": verdict.state,
                "finished_at": _iso(verdict.finished_at),
                "previous_state": verdict.previous_state,
                "changed": verdict.changed,
                "findings": [
                    {"check": found.check, "severity": found.severity, "message": found.message}
                    for found in verdict.findings
                ],
            }
            for verdict in report.health
        ],
    }
