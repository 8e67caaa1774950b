"""The report as JSON-ready data: its keys, stable and always present."""

from __future__ import annotations

import json

from outsourcing_crawler.report.data import report_json
from tests.report.test_figures import small_report


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
