"""Whole crawls of kmong's recorded site: three as usual, then with pages that lose a field or
half their postings. Each crawl's verdict is in its crawl_runs row."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from outsourcing_crawler.db.models import CrawlRun
from tests.conftest import run_async
from tests.scrapy_run import RECORDINGS, scrapy
from tests.support import crawl_runs

SITE = "kmong.com"
LIST_PAGES = "GET_api_custom-project_v1_requests_all_page-*_per_page-50.json"
DETAILS = "GET_api_custom-project_v1_requests_6*.json"


def crawl(site: Path, database: Path, *settings: str) -> CrawlRun:
    """A full crawl of the site replayed from ``site`` (with more ``-s`` ``settings``); its
    crawl_runs row."""
    url = f"sqlite:///{database}"
    result = scrapy(
        "crawl",
        "kmong",
        "-a",
        "full=1",
        "-s",
        f"REPLAY_FROM={site}",
        "-s",
        f"DATABASE_URL={url}",
        "-s",
        f"DB_SPOOL_DIR={database.parent}",
        *settings,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    # A finding is reported in a line, not as a crash.
    assert "Traceback" not in result.stderr
    return run_async(crawl_runs(url))[-1]


@pytest.fixture(scope="module")
def usual_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database holding three ordinary crawls of the recorded site."""
    database = tmp_path_factory.mktemp("history") / "crawls.sqlite3"
    for _ in range(3):
        assert crawl(RECORDINGS, database).health["state"] == "ok"
    return database


def changed_site(folder: Path, edit: Callable[[Path, Any], Any]) -> Path:
    """A copy of the recorded site whose JSON bodies ``edit(path, data)`` rewrote."""
    site = folder / "site"
    shutil.copytree(RECORDINGS / SITE, site / SITE)
    for pattern in (LIST_PAGES, DETAILS):
        for path in (site / SITE).glob(pattern):
            if not path.name.endswith(".meta.json") and path.read_bytes().startswith(b"{"):
                path.write_text(json.dumps(edit(path, json.loads(path.read_text()))))
    return site


def without_descriptions(path: Path, data: Any) -> Any:
    """The site after a markup change: no description on any page."""
    for row in data.get("requests", [data]):
        row.pop("content", None)
        row.pop("description", None)
    return data


def half_the_postings(path: Path, data: Any) -> Any:
    """The site after a change that hides half the postings of every list page."""
    if "requests" in data:
        data["requests"] = data["requests"][: len(data["requests"]) // 2]
    return data


def history(tmp_path: Path, usual_history: Path) -> Path:
    database = tmp_path / "crawls.sqlite3"
    shutil.copy(usual_history, database)
    return database


def test_a_site_that_loses_a_field_is_degraded_once(tmp_path: Path, usual_history: Path) -> None:
    database = history(tmp_path, usual_history)
    site = changed_site(tmp_path, without_descriptions)
    first = crawl(site, database).health
    assert first["state"] == "degraded"
    assert first["changed"] is True
    coverage = [f for f in first["findings"] if f["check"] == "coverage"]
    assert coverage == [
        {
            "check": "coverage",
            "severity": "degraded",
            "message": "description filled in 0% of postings (usually 100%)",
        }
    ]
    again = crawl(site, database).health
    assert again["findings"] == first["findings"]
    assert (again["state"], again["previous_state"], again["changed"]) == (
        "degraded",
        "degraded",
        False,
    )


def test_a_site_that_loses_half_its_postings_is_degraded(
    tmp_path: Path, usual_history: Path
) -> None:
    database = history(tmp_path, usual_history)
    run = crawl(changed_site(tmp_path, half_the_postings), database)
    assert run.stats["outsourcing/health/state"] == run.health["state"] == "degraded"
    assert run.health["changed"] is True
    assert [(f["check"], f["message"]) for f in run.health["findings"]] == [
        ("postings", "5 postings seen, 50% of the usual 10 (median of the last 3 crawls)")
    ]
