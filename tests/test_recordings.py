"""Recording a crawl of a live (local) site with ``-s RECORD_TO``, then replaying it offline.

The site is a stdlib HTTP server on 127.0.0.1; the spider below is crawled by the real
``scrapy crawl`` (``-s SPIDER_MODULES=tests.test_recordings``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from outsourcing_crawler.recordings import META_SUFFIX
from tests.scrapy_run import scrapy as run_scrapy

# path -> (status, content type, body) of the local site.
PAGES: dict[str, tuple[int, str, bytes]] = {
    "/list?page=1": (
        200,
        "text/html; charset=utf-8",
        '<html><body><h1>프로젝트 목록</h1><a href="/item/1">첫 번째</a>'
        '<a href="/item/2?lang=ko">두 번째</a><a href="/gone">없음</a></body></html>'.encode(),
    ),
    "/item/1": (
        200,
        "text/html; charset=utf-8",
        "<html><body><p>웹사이트 개발 (React)</p></body></html>".encode(),
    ),
    "/item/2?lang=ko": (
        200,
        "application/json",
        json.dumps({"title": "앱 개발", "budget": 3_000_000}, ensure_ascii=False).encode(),
    ),
}
NOT_FOUND = (404, "text/plain; charset=utf-8", b"not here")


class LocalSite(BaseHTTPRequestHandler):
    """Serves PAGES, echoes POST /search, and 404 for anything else (robots.txt too)."""

    served: ClassVar[list[tuple[str, str, int, str, bytes]]] = []

    def do_GET(self) -> None:
        self.answer(*PAGES.get(self.path, NOT_FOUND))

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path != "/search":
            self.answer(*NOT_FOUND)
            return
        self.answer(200, "application/json", json.dumps({"query": body.decode()}).encode())

    def answer(self, status: int, content_type: str, body: bytes) -> None:
        self.served.append((self.command, self.path, status, content_type, body))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Site", "local")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalSiteSpider(scrapy.Spider):
    """Every page of the local site: the list, what it links to, and a form search."""

    name = "local_site"
    custom_settings: ClassVar[dict[str, Any]] = {
        "ITEM_PIPELINES": {},
        "STORAGE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "RETRY_ENABLED": False,
    }
    handle_httpstatus_list: ClassVar[list[int]] = [404]
    site = ""

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(f"{self.site}/list?page=1", callback=self.parse_list)
        yield scrapy.FormRequest(
            f"{self.site}/search", formdata={"q": "파이썬"}, callback=self.parse_page
        )

    def parse_list(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_page, errback=self.failed)

    def parse_page(self, response: Response) -> Iterator[dict[str, Any]]:
        yield {"url": response.url, "status": response.status, "text": response.text}

    def failed(self, failure: Failure) -> Iterator[dict[str, Any]]:
        yield {"url": failure.request.url, "failed": failure.type.__name__}


@pytest.fixture
def site() -> Iterator[tuple[str, ThreadingHTTPServer]]:
    LocalSite.served = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), LocalSite)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()
    thread.join(10)


def crawl(site: str, output: Path, *settings: str) -> Any:
    args = ["crawl", LocalSiteSpider.name, "-a", f"site={site}", "-O", str(output)]
    args += ["-s", f"SPIDER_MODULES={__name__}"]
    for setting in settings:
        args += ["-s", setting]
    return run_scrapy(*args)


def items(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda item: item["url"])


def test_record_then_replay_offline(site: tuple[str, ThreadingHTTPServer], tmp_path: Path) -> None:
    base, server = site
    recordings = tmp_path / "recordings"
    result = crawl(base, tmp_path / "live.jsonl", f"RECORD_TO={recordings}")
    assert result.returncode == 0, result.stderr[-3000:]
    served = list(LocalSite.served)
    # robots.txt, the list, its three links and the form search
    assert len(served) == 6, served

    # -- the layout: a body file per response, named from its method and URL, meta beside it
    folder = recordings / "127.0.0.1"
    assert [path.parent for path in recordings.rglob("*") if path.is_file()] == [folder] * 12
    metas = sorted(folder.glob(f"*{META_SUFFIX}"))
    assert len(metas) == len(served)
    expected_names = {
        ("GET", "/robots.txt"): r"GET_robots\.txt_[0-9a-f]{8}\.txt",
        ("GET", "/list?page=1"): r"GET_list_page-1_[0-9a-f]{8}\.html",
        ("GET", "/item/1"): r"GET_item_1_[0-9a-f]{8}\.html",
        ("GET", "/item/2?lang=ko"): r"GET_item_2_lang-ko_[0-9a-f]{8}\.json",
        ("GET", "/gone"): r"GET_gone_[0-9a-f]{8}\.txt",
        ("POST", "/search"): r"POST_search_[0-9a-f]{8}\.json",
    }
    bodies = {(method, path): rest for method, path, *rest in served}
    for meta_path in metas:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        method, url = meta["request"]["method"], meta["request"]["url"]
        key = (method, url.removeprefix(base))
        status, content_type, body = bodies.pop(key)
        assert re.fullmatch(expected_names[key], meta["body_file"]), meta["body_file"]
        assert meta_path.name == meta["body_file"] + META_SUFFIX
        assert (folder / meta["body_file"]).read_bytes() == body
        assert meta["response"]["status"] == status
        headers = {name.lower(): values for name, values in meta["response"]["headers"].items()}
        assert headers["x-site"] == ["local"]
        assert headers["content-type"] == [content_type]
        if method == "POST":
            assert meta["request"]["body"] == "q=%ED%8C%8C%EC%9D%B4%EC%8D%AC"
    assert not bodies

    # -- replay: the site is gone, every request is answered from the folder
    server.shutdown()
    server.server_close()
    LocalSite.served = []
    replayed = crawl(base, tmp_path / "replayed.jsonl", f"REPLAY_FROM={recordings}")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    assert LocalSite.served == []
    assert items(tmp_path / "replayed.jsonl") == items(tmp_path / "live.jsonl")
    assert len(items(tmp_path / "live.jsonl")) == 4
    assert "'httpcache/hit': 6" in replayed.stderr
    assert "recordings/missing" not in replayed.stderr
    assert "downloader/exception" not in replayed.stderr
    assert "'finish_reason': 'finished'" in replayed.stderr

    # -- a request with no recording fails alone: counted and logged, the crawl goes on
    (item_1,) = folder.glob("GET_item_1_*.html")
    item_1.unlink()
    item_1.with_name(item_1.name + META_SUFFIX).unlink()
    partial = crawl(base, tmp_path / "partial.jsonl", f"REPLAY_FROM={recordings}")
    assert partial.returncode == 0, partial.stderr[-3000:]
    assert "'recordings/missing': 1," in partial.stderr
    warnings = [line for line in partial.stderr.splitlines() if "No recording for" in line]
    assert len(warnings) == 1
    assert f"WARNING: No recording for GET {base}/item/1 in {recordings}" in warnings[0]
    assert "'finish_reason': 'finished'" in partial.stderr
    # The missing request is ignored before the downloader; nothing else went wrong.
    exceptions = re.findall(r"'downloader/exception_type_count/([\w.]+)': (\d+)", partial.stderr)
    assert exceptions == [("scrapy.exceptions.IgnoreRequest", "1")]
    expected = [
        {"url": f"{base}/item/1", "failed": "IgnoreRequest"}
        if item["url"] == f"{base}/item/1"
        else item
        for item in items(tmp_path / "live.jsonl")
    ]
    assert items(tmp_path / "partial.jsonl") == expected
