"""Bad input: every spider's callbacks fed mutated versions of its recorded pages, and values
the database cannot hold reaching the pipeline.

The pages are the ones each spider really meets: its own requests, from ``start()`` on, are
answered from the recordings, and each response goes to the callback the spider chose, with
the ``cb_kwargs`` it chose. Hypothesis then removes nodes, renames keys, gives values the
wrong type, cuts bodies short or empties them, and re-encodes Korean pages as EUC-KR.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import os
import re
import traceback
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html
from scrapy import Request, Spider
from scrapy.exceptions import CloseSpider
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from sqlalchemy import select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import Project
from outsourcing_crawler.items import ProjectItem, item_dict
from outsourcing_crawler.pipelines import REQUIRED, problem
from outsourcing_crawler.recordings import Recording, RecordingIndex
from tests.commands.test_crawl import SPIDERS
from tests.conftest import run_async
from tests.reliability.crawls import HOSTILE_EDITS, SPIDER, HostileCrawl, stored
from tests.support import RECORDINGS, make_spider

# BAD_INPUT_EXAMPLES=2000 searches deeper locally; the default keeps the suite quick.
EXAMPLES = int(os.environ.get("BAD_INPUT_EXAMPLES", "40"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
COUNTED = ("outsourcing/parse_errors/", "outsourcing/blocked/")
WRONG_VALUES = st.sampled_from(
    [None, "", 0, -1, 2**40, 1.5, True, [], {}, "문자열", "<p>태그</p>", [None], {"a": 1}]
)
# Text an HTML or XML document can hold (no control characters).
TEXTS = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=30
) | st.sampled_from(
    ["", " ", "마감", "모집중", "0", "-1", "99999999999", "만원", "&amp;", "로그인 후 확인"]
)


@dataclass(frozen=True)
class Exchange:
    """One response a spider meets in a crawl over the recordings, and what it made of it."""

    spider: str
    request: Request
    recording: Recording
    items: int
    requests: int

    @property
    def callback(self) -> str:
        return getattr(self.request.callback, "__name__", "parse")


@functools.cache
def spider_classes() -> dict[str, type[Spider]]:
    project = Settings()
    project.setmodule("outsourcing_crawler.settings")
    loader = SpiderLoader.from_settings(project)
    return {name: loader.load(name) for name in loader.list()}


def new_spider(name: str) -> Spider:
    # Replay mode: the browser spider needs no browser; blocks are counted, never fatal.
    return make_spider(
        spider_classes()[name], settings={"RECORDINGS_REPLAY": True, "BLOCKED_PAGES_LIMIT": 10**6}
    )


def outputs(spider: Spider, request: Request, response: Response) -> list[Any]:
    """What the request's callback makes of the response, sync or async."""
    callback = getattr(spider, request.callback.__name__) if request.callback else spider.parse
    result = callback(response, **copy.deepcopy(request.cb_kwargs))
    if inspect.isasyncgen(result):

        async def collect() -> list[Any]:
            return [output async for output in result]

        return run_async(collect())
    if inspect.iscoroutine(result):
        result = run_async(result)
    return list(result or [])


def split(results: Iterable[Any]) -> tuple[list[ProjectItem], list[Request]]:
    results = list(results)
    return (
        [r for r in results if isinstance(r, ProjectItem)],
        [r for r in results if isinstance(r, Request)],
    )


@functools.cache
def exchanges(name: str) -> tuple[Exchange, ...]:
    """Every response the spider's own requests get from the recordings (errors left out)."""
    spider = new_spider(name)
    index = RecordingIndex(RECORDINGS, spider.crawler.request_fingerprinter.fingerprint)

    async def first() -> list[Request]:
        return [request async for request in spider.start()]

    queue, seen, found = deque(run_async(first())), set(), []
    while queue:
        request = queue.popleft()
        key = spider.crawler.request_fingerprinter.fingerprint(request)
        recording = index.find(request)
        if key in seen or recording is None or recording.status >= 400:
            continue
        seen.add(key)
        items, requests = split(outputs(new_spider(name), request, recording.response(request)))
        found.append(Exchange(name, request, recording, len(items), len(requests)))
        queue.extend(requests)
    assert len(found) >= 2, f"{name}: the recordings answer too few of its requests"
    return tuple(found)


# -- mutations ------------------------------------------------------------------------------


def _json_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every key of every object in a JSON value."""
    paths: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            paths.append((*path, key))
            paths.extend(_json_paths(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            paths.extend(_json_paths(child, (*path, index)))
    return paths


def _parent(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        value = value[step]
    return value


def mutate_json(data: st.DataObject, body: bytes) -> tuple[str, bytes]:
    value = json.loads(body)
    paths = _json_paths(value)
    kind = data.draw(st.sampled_from(["delete_key", "rename_key", "wrong_type", "top_type"]))
    if kind == "top_type" or not paths:
        wrong = data.draw(WRONG_VALUES)
        return "top_type", json.dumps(wrong).encode()
    path = data.draw(st.sampled_from(paths))
    parent, key = _parent(value, path), path[-1]
    if kind == "delete_key":
        del parent[key]
    elif kind == "rename_key":
        parent[f"{key}_renamed"] = parent.pop(key)
    else:
        parent[key] = data.draw(WRONG_VALUES)
    return kind, json.dumps(value, ensure_ascii=False).encode()


def mutate_markup(data: st.DataObject, body: bytes, xml: bool) -> tuple[str, bytes]:
    root = etree.fromstring(body) if xml else lxml_html.fromstring(body)
    elements = [el for el in root.iter() if isinstance(el.tag, str) and el is not root]
    kind = data.draw(st.sampled_from(["remove_node", "change_attribute", "replace_text"]))
    if elements:
        element = data.draw(st.sampled_from(elements))
        if kind == "remove_node" and element.getparent() is not None:
            tail, parent = element.tail, element.getparent()
            parent.remove(element)
            if tail and len(parent):
                parent[-1].tail = (parent[-1].tail or "") + tail
        elif kind == "change_attribute" and element.attrib:
            name = data.draw(st.sampled_from(sorted(element.attrib)))
            if data.draw(st.booleans()):
                element.attrib[f"{name}-renamed"] = element.attrib.pop(name)
            else:
                element.attrib[name] = data.draw(TEXTS)
        else:
            element.text = data.draw(TEXTS)
    if xml:
        return kind, etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return kind, lxml_html.tostring(root, encoding="utf-8", doctype="<!DOCTYPE html>")


def mutate_bytes(data: st.DataObject, body: bytes) -> tuple[str, bytes, str | None]:
    """A mutation of the raw body: (kind, body, Content-Type to serve it with or None)."""
    kind = data.draw(st.sampled_from(["truncate", "empty", "euc_kr", "euc_kr_unsaid", "mixed"]))
    if kind == "truncate":
        return kind, body[: data.draw(st.integers(0, max(0, len(body) - 1)))], None
    if kind == "empty":
        return kind, data.draw(st.sampled_from([b"", b" ", b"\n\n"])), None
    text = body.decode("utf-8", errors="replace")
    euc_kr = text.encode("euc-kr", errors="xmlcharrefreplace")
    if kind == "euc_kr":  # EUC-KR, and said so
        return kind, euc_kr.replace(b"utf-8", b"euc-kr").replace(b"UTF-8", b"euc-kr"), "euc-kr"
    if kind == "euc_kr_unsaid":  # EUC-KR bytes under a UTF-8 label
        return kind, euc_kr, None
    cut = data.draw(st.integers(0, len(text)))
    return kind, text[:cut].encode("utf-8") + text[cut:].encode("euc-kr", "xmlcharrefreplace"), None


def mutated_response(data: st.DataObject, exchange: Exchange) -> tuple[str, Response]:
    body = exchange.recording.body_path.read_bytes()
    headers = {name: list(values) for name, values in exchange.recording.headers.items()}
    content_type = " ".join(headers.get("Content-Type", [""])).lower()
    is_json = "json" in content_type or body.lstrip()[:1] in (b"{", b"[")
    is_xml = "xml" in content_type or body.lstrip().startswith(b"<?xml")
    if data.draw(st.booleans()):
        kind, body, charset = mutate_bytes(data, body)
        if charset:
            headers["Content-Type"] = [
                f"{content_type.split(';')[0] or 'text/html'}; charset={charset}"
            ]
    elif is_json:
        kind, body = mutate_json(data, body)
    else:
        kind, body = mutate_markup(data, body, xml=is_xml)
    url = exchange.recording.response_url
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return kind, cls(url=url, status=200, headers=headers, body=body, request=exchange.request)


# -- the property -----------------------------------------------------------------------------

# A spider may keep a posting it could not read whole: the validation pipeline drops it, and
# the spider has counted why. Any other invalid item is a parser bug.
REQUIRED_MISSING = frozenset(f"missing_{name}" for name in REQUIRED)


@dataclass
class Verdict:
    """What was wrong with one callback's handling of one page, if anything."""

    crash: str | None = None  # "<Exception> in <function>"
    invalid: list[str] = field(default_factory=list)  # problem() of items that must not be
    silent: bool = False  # a page with nothing to read, and nothing counted


def judge(name: str, exchange: Exchange, kind: str, response: Response) -> Verdict:
    spider = new_spider(name)
    verdict = Verdict()
    try:
        items, requests = split(outputs(spider, exchange.request, response))
    except CloseSpider:
        items, requests = [], []
    except Exception as exc:  # the property: nothing escapes
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "spiders" in f.filename]
        where = frames[-1].name if frames else "?"
        verdict.crash = f"{type(exc).__name__} in {where}"
        note(f"{verdict.crash}: {exc}")
        return verdict
    stats = spider.crawler.stats.get_stats()
    counted = sum(n for key, n in stats.items() if key.startswith(COUNTED))
    for item in items:
        why = problem(item_dict(item))
        if why and not (why in REQUIRED_MISSING and counted):
            verdict.invalid.append(why)
    nothing_to_read = kind in ("empty", "top_type") or (
        kind == "truncate" and len(response.body) < 100
    )
    if nothing_to_read and not counted:
        verdict.silent = (len(items), len(requests)) != (exchange.items, exchange.requests)
    return verdict


def check_mutated_page(name: str, data: st.DataObject) -> None:
    """No exception escapes a callback, every item kept is valid, an empty page is counted."""
    exchange = data.draw(st.sampled_from(exchanges(name)), label="exchange")
    kind, response = mutated_response(data, exchange)
    note(f"{exchange.callback} {exchange.request.url} {kind}: {response.body[:300]!r}")
    verdict = judge(name, exchange, kind, response)
    found = [verdict.crash] if verdict.crash else []
    found += verdict.invalid + (["silent"] if verdict.silent else [])
    assert not found, found


def _property_test(name: str) -> Any:
    # One test function per spider: pytest-twisted wraps a parametrized @given test again
    # for each parameter, and the second one fails inside the reactor's greenlet.
    @PROPERTY_SETTINGS
    @given(data=st.data())
    def test(data: st.DataObject) -> None:
        check_mutated_page(name, data)

    test.__name__ = f"test_mutated_{name}_pages_never_crash_a_callback_and_every_item_is_valid"
    return test


for _name in sorted(SPIDERS):
    _test = _property_test(_name)
    globals()[_test.__name__] = _test


# -- values the database cannot hold ----------------------------------------------------------


def test_a_value_the_database_refuses_loses_only_its_own_posting(
    hostile_crawl: HostileCrawl, clean_ids: frozenset[str]
) -> None:
    crawl = hostile_crawl.crawl
    assert crawl.process.returncode == 0, crawl.log[-4000:]
    stats = crawl.stats()
    assert stats["finish_reason"] == "finished"
    assert not [key for key in stats if key.startswith("spider_exceptions/")], stats
    # Refused alone, logged by its key: the 200-character id. (NUL and lone surrogates
    # never get that far: the normalisers drop them, see the next test.)
    refused = set(re.findall(r"The database refused kmong/(\w+), left out", crawl.log))
    assert refused == {HOSTILE_EDITS["612342"]["id"]}
    assert stats["outsourcing/dropped/refused_by_database"] == 1
    # Everything else is stored, nothing waits in the spool.
    assert stored(hostile_crawl.url).ids(SPIDER) == clean_ids - {"612342"}
    assert "outsourcing/db/spooled" not in stats
    assert not list((crawl.log_path.parent / "spool").glob("*.jsonl"))


def test_characters_no_database_takes_are_dropped_from_texts(hostile_crawl: HostileCrawl) -> None:
    # A NUL character and a lone surrogate in a title: the posting is stored without them.
    assert HOSTILE_EDITS["612343"]["title"] == "앱\u0000개발"
    assert HOSTILE_EDITS["612340"]["title"] == "앱 \ud83d 개발"
    titles = run_async(_titles(hostile_crawl.url))
    assert (titles.get("612343"), titles.get("612340")) == ("앱개발", "앱 개발")


async def _titles(url: str) -> dict[str, str]:
    database = Database(url)
    try:
        async with database.session() as session:
            rows = await session.execute(select(Project.external_id, Project.title))
            return {row.external_id: row.title for row in rows}
    finally:
        await database.dispose()


# -- the bugs the property found --------------------------------------------------------------


def exchange_of(name: str, url_part: str) -> Exchange:
    return next(e for e in exchanges(name) if url_part in e.recording.url)


def served(exchange: Exchange, body: bytes) -> Response:
    url = exchange.recording.response_url
    headers = exchange.recording.headers
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=200, headers=headers, body=body, request=exchange.request)


def judged(name: str, url_part: str, edit: Any, kind: str = "edit") -> Verdict:
    """The verdict on a recorded page changed by ``edit`` (of its JSON value, or its bytes)."""
    exchange = exchange_of(name, url_part)
    body = exchange.recording.body_path.read_bytes()
    if isinstance(edit, bytes):
        body = edit
    elif isinstance(edit, tuple):
        body = body.replace(*edit)
    else:
        value = json.loads(body)
        edit(value)
        body = json.dumps(value, ensure_ascii=False).encode()
    return judge(name, exchange, kind, served(exchange, body))


def _project(value: dict, n: int = 0) -> dict:
    return value["result"]["projects"][n]


def test_elancer_sitemap_loc_that_is_no_url() -> None:
    loc = b"https://www.elancer.co.kr/sitemap-0.xml"
    assert judged("elancer", "/sitemap.xml", (loc, b"0")).crash is None


def test_elancer_sitemap_cut_short() -> None:
    exchange = exchange_of("elancer", "/sitemap-0.xml")
    body = exchange.recording.body_path.read_bytes()
    assert not judged("elancer", "/sitemap-0.xml", body[:46], kind="truncate").silent


def test_freelancer_jobs_of_the_wrong_type() -> None:
    verdict = judged("freelancer", "offset=0", lambda v: _project(v).update(jobs=-1))
    assert verdict.crash is None


def test_freemoa_row_value_of_the_wrong_type() -> None:
    def edit(value: dict) -> None:
        value["DATA"]["PROJECT"]["LIST"][0]["authHpYn"] = []

    assert judged("freemoa", "/m4a/s41a", edit).crash is None


def test_freelancer_project_without_title() -> None:
    verdict = judged("freelancer", "offset=0", lambda v: _project(v).pop("title"))
    assert verdict.invalid == []


def test_freelancer_budget_without_currency() -> None:
    verdict = judged("freelancer", "offset=0", lambda v: _project(v).pop("currency"))
    assert verdict.invalid == []


def test_guru_card_with_a_blank_id() -> None:
    exchange = exchange_of("guru", "/programming-development/")
    body = exchange.recording.body_path.read_bytes()
    blank = re.sub(rb'data-gid="\d+"', b'data-gid=" "', body, count=1)
    assert blank != body
    verdict = judge("guru", exchange, "change_attribute", served(exchange, blank))
    assert verdict.invalid == []


def test_kmong_detail_title_of_the_wrong_type() -> None:
    verdict = judged("kmong", "/requests/612345", lambda v: v.update(title=0))
    assert verdict.invalid == []


@pytest.mark.parametrize(("name", "url_part"), [("freelancer", "offset=0"), ("kmong", "page=1")])
def test_a_json_null_body_is_counted(name: str, url_part: str) -> None:
    assert not judged(name, url_part, b"null", kind="top_type").silent
