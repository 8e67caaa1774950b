"""A fake kmong and wishket on 127.0.0.1: N synthetic postings, every page rendered up front.

The postings are the recorded fixtures under ``tests/recordings`` with varied values (ids,
titles, amounts, durations, deadlines, counts), so the real spiders parse real markup. Every
response (status line, headers and body) is built once, before the server listens; serving
is one dictionary lookup and one write, so the crawl, never the server, sets the pace.

The server runs in a process of its own (:func:`start`), so its CPU is never counted as the
crawl's. It keeps connections alive, answers pipelined requests in order, and stops by itself
after ``lifetime`` seconds if nobody stops it first.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from math import ceil
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from outsourcing_crawler.spiders.kmong import KmongSpider
from outsourcing_crawler.spiders.wishket import WishketSpider

RECORDINGS = Path(__file__).resolve().parent.parent / "tests" / "recordings"
KMONG = RECORDINGS / "kmong.com"
WISHKET = RECORDINGS / "www.wishket.com"
HOSTS = {"kmong": "kmong.com", "wishket": "www.wishket.com"}
STATS_PATH = b"/__stats__"

# Ids far from the recorded ones, so a synthetic posting is never mistaken for a fixture.
KMONG_FIRST_ID = 700_000
WISHKET_FIRST_ID = 300_000
WISHKET_PAGE_SIZE = 10

_CARD_START = '<div class="project-info-box'
# A card's outer element (not its "project-info-box-wrapper" child).
_CARD_SPLIT = re.compile(r'(?=<div class="project-info-box[ "])')
_PAGINATION = re.compile(r'<div class="pagination-wrapper.*?</div>', re.S)
_CARD_ID = re.compile(r'href="/project/(\d+)/"')
_CARD_TITLE = re.compile(r'class="[^"]*project-link"[^>]*><p[^>]*>(.*?)</p>', re.S)
_CARD_AMOUNT = re.compile(r'<p class="budget[^"]*">.*?([\d,]{5,})원', re.S)
_VIEWS = re.compile(r'(view-status" data-count=")[\d,]+(")')


def local_path(url_host: str, path_and_query: str) -> str:
    """Where a site's URL lives on the fake platform: the host becomes the first segment."""
    return f"/{url_host}{path_and_query}"


def _response(body: bytes, content_type: str, date: str, status: str = "200 OK") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Date: {date}\r\n"
        "Server: nginx\r\n"
        "\r\n"
    )
    return head.encode("latin-1") + body


def _target(url: str) -> bytes:
    """The request target the download handler sends for a site URL."""
    scheme_less = url.split("://", 1)[1]
    host, _, rest = scheme_less.partition("/")
    return local_path(host, "/" + rest).encode("ascii")


# -- kmong: JSON list pages of 50 rows and one JSON detail per request ----------------------


def _kmong_templates() -> list[dict[str, Any]]:
    """The recorded detail bodies that describe a full public request."""
    templates = []
    for meta_path in sorted(KMONG.glob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not re.search(r"/requests/\d+$", meta["request"]["url"]):
            continue
        body = meta_path.with_name(meta["body_file"]).read_text(encoding="utf-8")
        try:
            detail = json.loads(body)
        except ValueError:
            continue  # the recorded block page
        if detail.get("is_confidential") or not detail.get("description"):
            continue
        templates.append(detail)
    return templates


def kmong_pages(count: int, date: str, seed: int = 8) -> Iterator[tuple[bytes, bytes]]:
    """``(request target, full response)`` for kmong's list and detail calls."""
    rng = random.Random(seed)
    templates = _kmong_templates()
    spider = KmongSpider()
    rows: list[dict[str, Any]] = []
    for n in range(count):
        detail = dict(templates[n % len(templates)])
        request_id = KMONG_FIRST_ID + count - n  # newest first, as the site sorts
        amount = detail.get("amount") or 0
        detail |= {
            "id": request_id,
            "title": f"{detail['title']} #{n}",
            "amount": rng.randrange(5, 400) * 100_000 if amount else 0,
            "days": rng.choice([7, 14, 30, 45, 60, 90, 120, 180]),
            "deadline": rng.randint(1, 30),
        }
        body = json.dumps(detail, ensure_ascii=False).encode()
        yield (
            _target(f"https://kmong.com/api/custom-project/v1/requests/{request_id}"),
            (_response(body, "application/json; charset=utf-8", date)),
        )
        row = {key: detail[key] for key in ("id", "title", "amount", "days", "deadline")}
        row |= {
            "content": detail["description"][:120],
            "proposal_count": rng.randint(0, 40),
            "category": detail.get("category"),
            "breadcrumb": detail.get("breadcrumb"),
            "project_type": detail.get("project_type"),
            "business_type": detail.get("business_type"),
            "is_government": False,
            "status": detail.get("status", "APPROVAL"),
        }
        rows.append(row)
    per_page = spider.per_page
    last_page = max(1, ceil(count / per_page))
    for page in range(1, last_page + 1):
        listing = {
            "total": count,
            "last_page": last_page,
            "next_page_link": None,
            "previous_page_link": None,
            "requests": rows[(page - 1) * per_page : page * per_page],
        }
        url = spider.list_url(page)
        if page < last_page:
            listing["next_page_link"] = spider.list_url(page + 1).split("kmong.com", 1)[1]
        body = json.dumps(listing, ensure_ascii=False).encode()
        yield _target(url), _response(body, "application/json; charset=utf-8", date)


# -- wishket: HTML list pages of 10 cards (and an ad) and one HTML page per project ---------


@dataclass
class _WishketTemplate:
    card: str
    detail: str
    project_id: str
    title: str
    amount: str | None  # as printed, "18,000,000"


def _wishket_templates() -> tuple[list[_WishketTemplate], str, str, str]:
    """The recorded cards paired with their detail pages; the list page's frame; an ad card."""
    details: dict[str, str] = {}
    lists: list[str] = []
    for meta_path in sorted(WISHKET.glob("*.meta.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        body = meta_path.with_name(meta["body_file"]).read_text(encoding="utf-8")
        url = meta["request"]["url"]
        if match := re.search(r"/project/(\d+)/$", url):
            details[match[1]] = body
        elif "/project/?" in url:
            lists.append(body)
    templates: list[_WishketTemplate] = []
    ad = ""
    head = tail = ""
    for page in lists:
        start = page.index(_CARD_START)
        end = page.index('<div class="pagination-wrapper')
        # The cards end where the list view closes, just before the pagination.
        cards_end = page.rindex("</div>", start, end)
        head, tail = page[:start], page[cards_end:]
        for card in _CARD_SPLIT.split(page[start:cards_end])[1:]:
            if "ad-project-box" in card:
                ad = card
                continue
            project_id = _CARD_ID.search(card)
            title = _CARD_TITLE.search(card)
            if project_id is None or title is None or project_id[1] not in details:
                continue
            amount = _CARD_AMOUNT.search(card)
            templates.append(
                _WishketTemplate(
                    card=card,
                    detail=details[project_id[1]],
                    project_id=project_id[1],
                    title=title[1],
                    amount=amount[1] if amount else None,
                )
            )
    return templates, head, tail, ad


def _vary_wishket(
    template: _WishketTemplate, n: int, project_id: int, rng: random.Random
) -> tuple[str, str]:
    """The template's card and detail page as posting ``n`` with id ``project_id``."""
    card, detail = template.card, template.detail
    old_id, new_id = template.project_id, str(project_id)
    title = f"{template.title} #{n}"
    card = card.replace(old_id, new_id).replace(template.title, title)
    detail = detail.replace(old_id, new_id).replace(template.title, title)
    if template.amount:
        old = int(template.amount.replace(",", ""))
        new = max(100_000, round(old * rng.uniform(0.5, 2.0), -4))
        card = card.replace(f"{template.amount}원", f"{new:,}원")
        detail = detail.replace(f"{template.amount}원", f"{new:,}원")
        detail = detail.replace(f'"value": {old}', f'"value": {new}')
    card = _VIEWS.sub(lambda m: f"{m[1]}{rng.randint(5, 3000)}{m[2]}", card)
    return card, detail


def _pagination(spider: WishketSpider, page: int, last_page: int) -> str:
    """Numbered links to the block of five pages around ``page``, and 다음 (next)."""
    first = (page - 1) // 5 * 5 + 1
    links = []
    for number in range(first, min(first + 5, last_page + 1)):
        active = " active" if number == page else ""
        href = spider.list_url(number).split("wishket.com", 1)[1]
        links.append(
            f'<li class="page-item{active}"><a class="page-link" href="{href}">{number}</a></li>'
        )
    if first + 5 <= last_page:
        href = spider.list_url(first + 5).split("wishket.com", 1)[1]
        links.append(f'<li class="page-item next"><a class="page-link" href="{href}">다음</a></li>')
    items = "".join(links)
    return f'<div class="pagination-wrapper mt40"><ul class="pagination">{items}</ul></div>'


def wishket_pages(count: int, date: str, seed: int = 8) -> Iterator[tuple[bytes, bytes]]:
    """``(request target, full response)`` for wishket's list and project pages."""
    rng = random.Random(seed)
    templates, head, tail, ad = _wishket_templates()
    spider = WishketSpider()
    last_page = max(1, ceil(count / WISHKET_PAGE_SIZE))
    cards: list[str] = []
    for n in range(count):
        project_id = WISHKET_FIRST_ID + count - n  # newest first
        card, detail = _vary_wishket(templates[n % len(templates)], n, project_id, rng)
        cards.append(card)
        yield (
            _target(f"https://www.wishket.com/project/{project_id}/"),
            (_response(detail.encode(), "text/html; charset=utf-8", date)),
        )
    head = re.sub(r'(<span class="project-count">)\d+', rf"\g<1>{count}", head)
    recorded = _PAGINATION.search(tail)
    assert recorded is not None, "the recorded list page has no pagination"
    before, after = tail[: recorded.start()], tail[recorded.end() :]
    for page in range(1, last_page + 1):
        page_cards = cards[(page - 1) * WISHKET_PAGE_SIZE : page * WISHKET_PAGE_SIZE]
        if ad and len(page_cards) > 3:
            page_cards.insert(3, ad)  # one ad a page, as the recorded list has
        pagination = _pagination(spider, page, last_page)
        body = head + "".join(page_cards) + before + pagination + after
        yield (
            _target(spider.list_url(page)),
            _response(body.encode(), "text/html; charset=utf-8", date),
        )


def _robots(host_dir: Path) -> bytes:
    for meta_path in host_dir.glob("*.meta.json"):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta["request"]["url"].endswith("/robots.txt"):
            return meta_path.with_name(meta["body_file"]).read_bytes()
    return b"User-agent: *\nAllow: /\n"


def build_site(count: int, platforms: tuple[str, ...], date: str) -> dict[bytes, bytes]:
    """Every response of the fake site, by request target."""
    site: dict[bytes, bytes] = {}
    builders = {"kmong": (kmong_pages, KMONG), "wishket": (wishket_pages, WISHKET)}
    for platform in platforms:
        pages, host_dir = builders[platform]
        site.update(pages(count, date))
        site[local_path(HOSTS[platform], "/robots.txt").encode()] = _response(
            _robots(host_dir), "text/plain; charset=utf-8", date
        )
    return site


# -- the server ------------------------------------------------------------------------------


class _HttpProtocol(asyncio.Protocol):
    """HTTP/1.1 GETs, kept alive and pipelined: each request is one lookup and one write."""

    def __init__(self, site: dict[bytes, bytes], counts: dict[str, int]) -> None:
        self.site = site
        self.counts = counts
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            target = head.split(b" ", 2)[1]
            response = self.site.get(target)
            if response is None:
                if target == STATS_PATH:
                    response = _response(json.dumps(self.counts).encode(), "application/json", "")
                else:
                    self.counts["not_found"] += 1
                    response = _response(b"not found", "text/plain", "", "404 Not Found")
            else:
                self.counts["served"] += 1
            self.transport.write(response)


def _serve(
    count: int, platforms: tuple[str, ...], lifetime: float, ready: Connection
) -> None:  # pragma: no cover - runs in the server process
    # A fixed Date for the whole run: kmong's deadlines count days from it, so a re-crawl of
    # the unchanged site yields the same postings to the byte.
    date = formatdate(time.time(), usegmt=True)
    started = time.perf_counter()
    site = build_site(count, platforms, date)
    built = time.perf_counter() - started
    counts = {"served": 0, "not_found": 0}

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: _HttpProtocol(site, counts), "127.0.0.1", 0, backlog=1024
        )
        port = server.sockets[0].getsockname()[1]
        ready.send(
            {
                "port": port,
                "pages": len(site),
                "bytes": sum(map(len, site.values())),
                "build_seconds": built,
            }
        )
        ready.close()
        async with server:
            await asyncio.sleep(lifetime)

    asyncio.run(main())


@dataclass
class Platform:
    """A running fake platform."""

    process: multiprocessing.process.BaseProcess
    port: int
    pages: int
    bytes: int
    build_seconds: float

    @property
    def origin(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def start(count: int, platforms: tuple[str, ...], lifetime: float = 3600.0) -> Platform:
    """Build the site in a process of its own and serve it; returns once it listens."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_serve, args=(count, platforms, lifetime, sender), name="fake-platform", daemon=True
    )
    process.start()
    sender.close()
    if not receiver.poll(600):
        process.terminate()
        raise RuntimeError("the fake platform did not start within 10 minutes")
    info = receiver.recv()
    return Platform(process=process, **info)


# -- measuring the server alone --------------------------------------------------------------


async def _hammer_connection(port: int, targets: list[bytes], deadline: float, depth: int) -> int:
    """Pipelined GETs on one kept-alive connection until the deadline; responses read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    done = 0
    position = 0
    while time.perf_counter() < deadline:
        batch = []
        for _ in range(depth):
            target = targets[position % len(targets)]
            batch.append(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            position += 1
        writer.write(b"".join(batch))
        for _ in range(depth):
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            done += 1
    writer.close()
    await writer.wait_closed()
    return done


def hammer(
    port: int, targets: list[bytes], seconds: float = 3.0, connections: int = 8, depth: int = 16
) -> float:
    """Responses per second that a plain asyncio client gets from the server, alone."""

    async def run() -> tuple[int, float]:
        started = time.perf_counter()
        deadline = started + seconds
        counts = await asyncio.gather(
            *(
                _hammer_connection(port, targets[i::connections] or targets, deadline, depth)
                for i in range(connections)
            )
        )
        return sum(counts), time.perf_counter() - started

    total, elapsed = asyncio.run(run())
    return total / elapsed


def detail_targets(platform: str, count: int) -> list[bytes]:
    """The request targets of the platform's detail pages (for :func:`hammer`)."""
    if platform == "kmong":
        return [
            _target(f"https://kmong.com/api/custom-project/v1/requests/{KMONG_FIRST_ID + k}")
            for k in range(1, count + 1)
        ]
    return [
        _target(f"https://www.wishket.com/project/{WISHKET_FIRST_ID + k}/")
        for k in range(1, count + 1)
    ]


def site_urls(platform: str, count: int, first: int | None = None) -> list[str]:
    """The URLs a crawl of the first ``first`` postings of a site of ``count`` fetches."""
    first = count if first is None else min(first, count)
    if platform == "kmong":
        spider: Any = KmongSpider()
        per_page = spider.per_page
        detail = "https://kmong.com/api/custom-project/v1/requests/{}"
        first_id = KMONG_FIRST_ID
    else:
        spider = WishketSpider()
        per_page = WISHKET_PAGE_SIZE
        detail = "https://www.wishket.com/project/{}/"
        first_id = WISHKET_FIRST_ID
    pages = [spider.list_url(page) for page in range(1, ceil(first / per_page) + 1)]
    return pages + [detail.format(first_id + count - n) for n in range(first)]


def server_counts(port: int) -> dict[str, int]:
    """Responses served and requests for unknown pages so far."""

    async def ask() -> dict[str, int]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET " + STATS_PATH + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"Content-Length: (\d+)", head)[1])  # type: ignore[index]
        body = await reader.readexactly(length)
        writer.close()
        await writer.wait_closed()
        return json.loads(body)

    return asyncio.run(ask())
