"""The report as JSON-ready data: its keys, stable and always present."""

from __future__ import annotations

import json

from outsourcing_crawler.report.data import report_json
from tests.report.test_figures import small_report


def test_json_keys_are_stable() -> None:
    data = report_json(small_report())
    assert list(data) == [
        "now",
        "timezone",
        "days",
        "windows",
        "platforms",
        "total",
        "budget_spreads",
        "health",
    ]
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
    assert data["budget_spreads"][0] == {
        "platform": "kmong",
        "kind": "total",
        "currency": "KRW",
        "postings": 4,
        "min": 1_000_000,
        "lower_quartile": 2_500_000,
        "median": 3_500_000,
        "upper_quartile": 5_000_000,
        "max": 8_000_000,
    }
    assert data["health"][0] == {
        "spider": "kmong",
        "state": "degraded",
        "finished_at": "2026-11-28T12:00:00+00:00",
        "previous_state": "ok",
        "changed": True,
        "findings": [
            {"check": "coverage", "severity": "warning", "message": "description <20%>, was 98%"}
        ],
    }
    json.dumps(data)
