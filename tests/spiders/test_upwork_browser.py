"""The upwork spider through the real Chromium, against a local page that renders its tiles.

A small HTTP server on 127.0.0.1 serves a search page whose job tiles are inserted by
JavaScript 300 ms after load: the spider, run as ``scrapy crawl upwork`` with its search URL
pointed at the server, extracts them through the browser; the same page fetched without a
browser has no tiles. Skipped without a Chromium executable, except under
``REQUIRE_BROWSER=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from outsourcing_crawler.spiders.upwork import UpworkSpider
from tests.support import items_of, make_spider, stat

PROJECT = Path(__file__).resolve().parents[2]
SEARCH_PATH = "/nx/search/jobs/"

# The app's state; the script renders it into tiles and a pager after a delay, like the
# real search page renders its results after its API answered.
JOBS = [
    {
        "uid": "1862504321985220608",
        "slug": "Python-developer-for-Scrapy-data-pipeline",
        "title": "Python developer for Scrapy data pipeline",
        "posted": "3 hours ago",
        "type": "Hourly: $25.00 - $45.00",
        "level": "Intermediate",
        "duration": "1 to 3 months, Less than 30 hrs/week",
        "description": "Move our crawlers to Scrapy 2.x and store the items in PostgreSQL.",
        "skills": ["Python", "Scrapy", "PostgreSQL"],
    },
    {
        "uid": "1862498877305745408",
        "slug": "Landing-page-React-Tailwind",
        "title": "Landing page in React + Tailwind",
        "posted": "yesterday",
        "type": "Fixed price",
        "budget": "$500.00",
        "level": "Entry level",
        "description": "One responsive landing page from our Figma file.",
        "skills": ["React", "Tailwind CSS"],
    },
]
APP_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Freelance Jobs - Most Recent | Upwork</title></head>
<body><div id="__nuxt"><main><img src="/logo.png" alt="Upwork">
<section data-test="JobsList" class="card-list-container" aria-busy="true"></section>
<nav data-test="pagination"></nav></main></div>
<script>
window.__STATE__ = {jobs: JOBS_JSON};
function tile(job) {
  var info = '<li data-test="job-type-label"><strong>' + job.type + '</strong></li>'
    + '<li data-test="experience-level"><strong>' + job.level + '</strong></li>'
    + (job.budget ? '<li data-test="is-fixed-price"><strong>Est. budget:</strong> <strong>'
       + job.budget + '</strong></li>' : '')
    + (job.duration ? '<li data-test="duration-label"><strong>Est. time:</strong> <strong>'
       + job.duration + '</strong></li>' : '');
  var skills = job.skills.map(function (s) {
    return '<button class="air3-token" data-test="token"><span>' + s + '</span></button>';
  }).join('');
  return '<article class="job-tile" data-test="JobTile" data-ev-job-uid="' + job.uid + '">'
    + '<small data-test="job-pubilshed-date"><span>Posted</span> <span>' + job.posted
    + '</span></small><h2 class="job-tile-title"><a href="/jobs/' + job.slug + '_~02'
    + job.uid + '/">' + job.title + '</a></h2><ul>' + info + '</ul>'
    + '<div class="job-description"><p>' + job.description + '</p></div>'
    + '<div class="air3-token-container">' + skills + '</div></article>';
}
setTimeout(function () {
  var list = document.querySelector('[data-test="JobsList"]');
  list.innerHTML = window.__STATE__.jobs.map(tile).join('');
  list.removeAttribute('aria-busy');
  document.querySelector('[data-test="pagination"]').innerHTML =
    '<button data-test="next-page" type="button">Next</button>';
}, 300);
</script></body></html>
""".replace("JOBS_JSON", json.dumps(JOBS))
# A page whose results never arrive: the wait for the tiles times out.
STUCK_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Freelance Jobs - Most Recent | Upwork</title></head>
<body><div id="__nuxt"><div class="air3-loader" aria-busy="true"></div></div></body></html>
"""


class _Site(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        parts = urlsplit(self.path)
        page = parse_qs(parts.query).get("page", ["1"])[0]
        if parts.path != SEARCH_PATH:
            self.send_error(404)
            return
        body = (APP_PAGE if page == "1" else STUCK_PAGE).encode("utf-8")
        self.send_response(200)  # with a Date header: the crawl's reference time
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    hits: Counter[str]


@pytest.fixture(scope="module")
def site() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Site)
    server.hits = Counter()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def search_url(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{SEARCH_PATH}"


def scrapy(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=PROJECT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def crawl_upwork(server: _Server, out: Path, env: dict[str, str], returncode: int = 0) -> str:
    result = scrapy(
        "crawl",
        "upwork",
        "-a",
        "max_pages=2",
        "-s",
        f"UPWORK_SEARCH_URL={search_url(server)}",
        "-s",
        "UPWORK_WAIT_TIMEOUT=1.5",
        "-s",
        "ROBOTSTXT_OBEY=0",
        "-s",
        "STORAGE_ENABLED=0",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "AUTOTHROTTLE_ENABLED=0",
        "-s",
        "LOG_LEVEL=INFO",
        "-O",
        str(out),
        env=env,
    )
    assert result.returncode == returncode, result.stderr[-3000:]
    return result.stderr


def stat_in_log(log: str, key: str) -> Any:
    match = re.search(rf"'{re.escape(key)}': ([^,\n]+)", log)
    return None if match is None else match[1].strip("'")


def test_spider_extracts_tiles_rendered_by_javascript(
    site: _Server, chromium: str, tmp_path: Path
) -> None:
    site.hits.clear()
    started = time.monotonic()
    log = crawl_upwork(site, tmp_path / "out.json", {"PLAYWRIGHT_CHROMIUM": chromium})
    elapsed = time.monotonic() - started
    print(f"browser crawl took {elapsed:.1f}s")

    items = {item["external_id"]: item for item in json.loads((tmp_path / "out.json").read_text())}
    assert sorted(items) == ["1862498877305745408", "1862504321985220608"]
    hourly, fixed = items["1862504321985220608"], items["1862498877305745408"]
    assert hourly["title"] == "Python developer for Scrapy data pipeline"
    shown = "/jobs/Python-developer-for-Scrapy-data-pipeline_~021862504321985220608/"
    assert hourly["url"] == f"https://www.upwork.com{shown}"
    assert (hourly["budget_min"], hourly["budget_max"], hourly["budget_type"]) == (25, 45, "hourly")
    assert (fixed["budget_min"], fixed["budget_max"], fixed["budget_type"]) == (500, 500, "fixed")
    assert hourly["skills"] == ["Python", "Scrapy", "PostgreSQL"]
    assert hourly["duration_days"] == 90
    scraped_at = datetime.fromisoformat(hourly["scraped_at"])
    assert datetime.fromisoformat(hourly["posted_at"]) == scraped_at - timedelta(hours=3)

    assert stat_in_log(log, "finish_reason") == "finished"
    # Page 2 never shows tiles: its wait timed out, it was retried once, then counted.
    assert site.hits[f"{SEARCH_PATH}?sort=recency&page=2"] == 2
    assert stat_in_log(log, "outsourcing/parse_errors/upwork/browser_timeout") == "1"
    # One browser, one context; every page closed; images never loaded.
    assert stat_in_log(log, "playwright/browser_count") == "1"
    assert stat_in_log(log, "playwright/context_count") == "1"
    assert stat_in_log(log, "playwright/page_count") == "3"
    assert stat_in_log(log, "playwright/page_count/closed") == "3"
    assert site.hits["/logo.png"] == 0
    assert "Closing browser" in log


def test_without_the_browser_the_page_has_no_tiles(site: _Server) -> None:
    url = f"{search_url(site)}?sort=recency&page=1"
    with urllib.request.urlopen(url, timeout=10) as answer:  # a plain HTTP request
        body, date = answer.read(), answer.headers["Date"]
    spider = make_spider(UpworkSpider)
    response = HtmlResponse(url, body=body, headers={"Date": date}, request=Request(url))
    assert response.css(".job-tile, [data-test~=JobTile], [data-ev-job-uid]") == []
    assert items_of(spider.parse_search(response, page_number=1)) == []
    assert stat(spider, "outsourcing/parse_errors/upwork/no_tiles") == 1


def test_replay_answers_the_browser_requests_without_a_browser(tmp_path: Path) -> None:
    # The HTTP cache middleware (REPLAY_FROM) answers before any download handler runs:
    # the browser requests of a replayed crawl never reach Chromium, nor need one.
    result = scrapy(
        "crawl",
        "upwork",
        "-s",
        "REPLAY_FROM=tests/recordings",
        "-s",
        "STORAGE_ENABLED=0",
        "-s",
        "LOG_LEVEL=INFO",
        "-O",
        str(tmp_path / "out.json"),
        env={"PLAYWRIGHT_CHROMIUM": "/nonexistent/chrome"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    items = json.loads((tmp_path / "out.json").read_text())
    assert len(items) == len({item["external_id"] for item in items}) == 9
    log = result.stderr
    assert stat_in_log(log, "httpcache/hit") == "4"  # robots.txt and three search pages
    assert stat_in_log(log, "recordings/missing") is None
    assert "playwright/page_count" not in log
    assert "Launching browser" not in log


def test_missing_browser_stops_upwork_before_any_request(site: _Server, tmp_path: Path) -> None:
    site.hits.clear()
    env = {"PLAYWRIGHT_CHROMIUM": "/nonexistent/chrome"}
    # `scrapy crawl` fails (exit status 1) a crawl that finished for any reason but success.
    log = crawl_upwork(site, tmp_path / "out.json", env, returncode=1)
    assert stat_in_log(log, "finish_reason") == "browser_missing"
    assert "Browser missing: no Chromium executable at '/nonexistent/chrome'" in log
    assert "apt-get install chromium" in log
    assert sum(site.hits.values()) == 0
    assert stat_in_log(log, "playwright/browser_count") is None
    assert json.loads((tmp_path / "out.json").read_text() or "[]") == []
