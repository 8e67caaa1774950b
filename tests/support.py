"""Building spiders and responses from recordings and fixture files, with no network."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler

from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.recordings import Recording, RecordingIndex

TESTS = Path(__file__).parent
# The replayable "sites": one folder per host, in the layout `-s RECORD_TO` writes.
RECORDINGS = TESTS / "recordings"
# One-off pages (block pages, changed markup, broken JSON) that are not part of a site.
FIXTURES = TESTS / "fixtures"

S = TypeVar("S", bound=Spider)


def make_spider(spidercls: type[S], settings: dict[str, Any] | None = None, **kwargs: Any) -> S:
    """A spider bound to a crawler with stats, as `scrapy crawl` would build it."""
    crawler = get_crawler(spidercls, settings)
    spider = spidercls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


@functools.cache
def _index() -> RecordingIndex:
    # Fingerprints as Scrapy's default fingerprinter computes them.
    return RecordingIndex(RECORDINGS, get_crawler().request_fingerprinter.fingerprint)


def recording(url: str, method: str = "GET", body: bytes | str = b"") -> Recording:
    request = Request(url, method=method, body=body)
    found = _index().find(request)
    if found is None:
        raise LookupError(f"no recording for {method} {url} under {RECORDINGS}")
    return found


def recorded_response(
    url: str,
    method: str = "GET",
    body: bytes | str = b"",
    *,
    meta: dict[str, Any] | None = None,
    cb_kwargs: dict[str, Any] | None = None,
) -> Response:
    """The recorded response to a request, with the request as a spider would send it."""
    request = Request(url, method=method, body=body, meta=meta or {}, cb_kwargs=cb_kwargs or {})
    return recording(url, method, body).response(request)


def fixture_response(
    path: str | Path,
    url: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    meta: dict[str, Any] | None = None,
    cb_kwargs: dict[str, Any] | None = None,
    method: str = "GET",
) -> Response:
    """A response built from a file under ``tests/fixtures`` with the URL it stands for."""
    body = (FIXTURES / path).read_bytes()
    request = Request(url, method=method, meta=meta or {}, cb_kwargs=cb_kwargs or {})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body, request=request)


def items_of(results: Iterable[Any]) -> list[ProjectItem]:
    return [result for result in results if isinstance(result, ProjectItem)]


def requests_of(results: Iterable[Any]) -> list[Request]:
    return [result for result in results if isinstance(result, Request)]


def stat(spider: Spider, key: str) -> Any:
    return spider.crawler.stats.get_value(key)
