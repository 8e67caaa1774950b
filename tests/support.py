"""Building spiders and responses from recordings and fixture files, with no network."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import time_machine
from scrapy import Request, Spider
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from twisted.python.failure import Failure

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun
from outsourcing_crawler.items import ProjectItem
from outsourcing_crawler.recordings import Recording, RecordingIndex
from outsourcing_crawler.spiders.base import SpiderArgumentError

TESTS = Path(__file__).parent
# The replayable "sites": one folder per host, in the layout `-s RECORD_TO` writes.
RECORDINGS = TESTS / "recordings"
# One-off pages (block pages, changed markup, broken JSON) that are not part of a site.
FIXTURES = TESTS / "fixtures"
# Far from every recording's Date header: a spider that read the clock would show.
FROZEN_CLOCK = datetime(2030, 1, 1, tzinfo=UTC)

S = TypeVar("S", bound=Spider)


def make_spider(spidercls: type[S], settings: dict[str, Any] | None = None, **kwargs: Any) -> S:
    """A spider bound to a crawler with stats, as `scrapy crawl` would build it."""
    crawler = get_crawler(spidercls, settings)
    spider = spidercls.from_crawler(crawler, **kwargs)
    crawler.spider = spider
    crawler.stats.open_spider()
    return spider


def argument_error(spidercls: type[Spider], **arguments: Any) -> str:
    """The message of the SpiderArgumentError that these ``-a`` arguments raise."""
    with pytest.raises(SpiderArgumentError) as error:
        make_spider(spidercls, **arguments)
    return str(error.value)


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


def assert_skills(skills: list[str], declared: list[str], mentioned: list[str]) -> None:
    """The site's own skill field first, in its order, then the skills the text mentions;
    no skill twice."""
    assert skills[: len(declared)] == declared
    assert set(mentioned) <= set(skills)
    assert len(skills) == len(set(skills))


def items_by_id(results: Iterable[Any]) -> dict[str, ProjectItem]:
    return {item.external_id: item for item in items_of(results)}  # type: ignore[misc]


def failure(error: Response | BaseException, request: Request | None = None) -> Failure:
    """A failure as an errback gets it: an error response (as the ``HttpError`` Scrapy raises
    for it) or an exception, carrying ``request`` (by default the response's own)."""
    if isinstance(error, Response):
        request = request or error.request
        error = HttpError(error, "Ignoring non-200 response")
    result = Failure(error)
    result.request = request  # type: ignore[attr-defined]
    return result


def started(spider: Spider) -> list[Any]:
    """What ``spider.start()`` yields; it awaits nothing, so it runs without an event loop."""
    generator: AsyncIterator[Any] = spider.start()
    results = []
    while True:
        try:
            generator.__anext__().send(None)  # type: ignore[attr-defined]
        except StopIteration as step:
            results.append(step.value)
        except StopAsyncIteration:
            return results


def answer(request: Request) -> list[Any]:
    """What the spider returns for a request answered from the recordings (a tiny engine):
    its callback's results, or its errback's for an error status."""
    response = recording(request.url, request.method, request.body).response(request)
    if response.status >= 400 and request.errback is not None:
        return list(request.errback(failure(response, request)) or [])
    return list(request.callback(response, **request.cb_kwargs) or [])


def crawl(*requests: Request) -> tuple[list[ProjectItem], list[str]]:
    """Every item of the recorded site from ``requests``, following the spider's requests to
    the end, and the URLs asked, in order.

    The clock stands still far away: every date must come from the responses.
    """
    pending = list(requests)
    items: list[ProjectItem] = []
    urls: list[str] = []
    with time_machine.travel(FROZEN_CLOCK, tick=False):
        while pending:
            request = pending.pop(0)
            urls.append(request.url)
            results = answer(request)
            items += items_of(results)
            pending += requests_of(results)
    return items, urls


@asynccontextmanager
async def database_session(url: str) -> AsyncIterator[AsyncSession]:
    """A session on the database at ``url``; its engine is disposed of afterwards."""
    database = Database(url)
    try:
        async with database.session() as session:
            yield session
    finally:
        await database.dispose()


async def crawl_runs(url: str) -> list[CrawlRun]:
    """Every crawl_runs row, in the order of their crawls' starts."""
    async with database_session(url) as session:
        return list((await session.scalars(select(CrawlRun).order_by(CrawlRun.id))).all())
