"""Sites that push back or break: a local server answers kmong's recorded API with faults.

The crawls are real `scrapy crawl` processes whose https requests go through the local site
(tests/reliability/site.py); a fault hits one posting's detail call on the second list page,
so that there is always something parsed before it and something after.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outsourcing_crawler.middlewares import retry_after_seconds
from tests.reliability.crawls import FAST, SPIDER, Crawl, start_crawl, stored, through
from tests.reliability.site import (
    CAPTCHA,
    CUT,
    LOGIN,
    RESET,
    TRUNCATED,
    Fault,
    LocalSite,
    slow,
    status,
)

FAULTY = "/requests/612338"  # one detail call, listed on the second page
FAULTY_ID = FAULTY.rsplit("/", 1)[1]
ERRORS = f"outsourcing/parse_errors/{SPIDER}/"


def start_site_crawl(site: LocalSite, folder: Path, *settings: str) -> tuple[Crawl, str]:
    url = f"sqlite:///{folder}/site.sqlite3"
    crawl = start_crawl(
        SPIDER,
        *FAST,
        f"DATABASE_URL={url}",
        f"DB_SPOOL_DIR={folder}",
        *settings,
        folder=folder,
        env=through(site.proxy_url),
    )
    return crawl, url


def assert_nothing_crashed(crawl: Crawl) -> dict:
    """No callback raised, the crawl closed and dumped its stats; the stats."""
    stats = crawl.stats()
    assert "finish_reason" in stats, crawl.log[-5000:]
    assert "Traceback" not in crawl.log, crawl.log[-5000:]
    assert not [key for key in stats if key.startswith("spider_exceptions/")], stats
    return stats


def errors(stats: dict) -> dict[str, int]:
    return {key.removeprefix(ERRORS): n for key, n in stats.items() if key.startswith(ERRORS)}


def test_passing_faults_are_retried_after_the_wait_asked_and_nothing_is_lost(
    site: LocalSite, tmp_path: Path, clean_ids: frozenset[str]
) -> None:
    site.plan("/requests/612338", status(429, Retry_After="2"))
    site.plan("/requests/612339", status(503), status(503))  # a burst, no Retry-After
    site.plan("/requests/612340", status(429))
    site.plan("/requests/612342", RESET, RESET)  # twice: Twisted itself retries a reused one
    site.plan("/requests/612343", CUT)  # Content-Length promised more than came
    site.plan("/requests/612344", slow(4))  # past the download timeout, once
    crawl, url = start_site_crawl(
        site,
        tmp_path,
        "DOWNLOAD_DELAY=0.05",
        "CONCURRENT_REQUESTS_PER_DOMAIN=1",
        "RETRY_BACKOFF_BASE=0.5",
        "DOWNLOAD_TIMEOUT=2",
    )
    crawl.wait()

    assert crawl.process.returncode == 0, crawl.log[-3000:]
    stats = assert_nothing_crashed(crawl)
    assert stats["finish_reason"] == "finished"
    assert stored(url).ids(SPIDER) == clean_ids
    # Each fault was retried until the site answered.
    reasons = " ".join(key for key in stats if key.startswith("retry/reason_count/"))
    for reason in ("429", "503", "DataLoss", "Timeout"):
        assert reason in reasons, stats

    # Retry-After: 2 is honoured by the retried request, and by the whole site meanwhile.
    first, retried = site.requests_to("/requests/612338")
    assert retried.at - first.at >= 2.0
    during = [s for s in site.served if first.at + 0.8 < s.at < first.at + 1.8]
    assert not during, during
    # Without Retry-After, the waits double from RETRY_BACKOFF_BASE.
    burst = site.requests_to("/requests/612339")
    assert len(burst) == 3
    assert burst[1].at - burst[0].at >= 0.5
    assert burst[2].at - burst[1].at >= 1.0


# Faults that last, on one detail call each: the posting is kept as its list row described
# it and the failure counted; one crawl shows them all. detail -> (fault, parse errors
# expected: any one of them).
KEPT: dict[str, tuple[Fault, set[str]]] = {
    "612338": (status(503), {"http_503"}),
    "612339": (RESET, {"download_error_"}),
    "612340": (slow(4), {"timeout"}),
    "612342": (TRUNCATED, {"not_json", "truncated"}),
    "612343": (LOGIN, {"html_instead_of_json"}),
}
# Faults that stop the spider as `blocked`: one crawl each. id -> (fault, parse errors).
BLOCKING: dict[str, tuple[Fault, set[str]]] = {
    "captcha-200": (CAPTCHA, set()),
    "429-for-good": (status(429), {"http_429"}),
    "retry-after-too-long": (status(429, Retry_After="3600"), {"http_429"}),
}
LASTING = ("RETRY_TIMES=2", "DOWNLOAD_TIMEOUT=1", "RETRY_AFTER_MAX=10")


@dataclass
class Outcome:
    site: LocalSite
    crawl: Crawl
    url: str

    def stats(self) -> dict:
        return assert_nothing_crashed(self.crawl)


@pytest.fixture(scope="module")
def lasting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """The crawls with faults that last, all at once: each waits for retries and timeouts."""
    plans = {"kept": {f"/requests/{id_}": fault for id_, (fault, _) in KEPT.items()}}
    plans |= {case: {FAULTY: fault} for case, (fault, _) in BLOCKING.items()}
    with contextlib.ExitStack() as stack:
        outcomes = {}
        for case, plan in plans.items():
            site = stack.enter_context(LocalSite().running())
            for url_part, fault in plan.items():
                site.plan(url_part, then=fault)
            folder = tmp_path_factory.mktemp(case)
            crawl, url = start_site_crawl(site, folder, *LASTING)
            outcomes[case] = Outcome(site, crawl, url)
        for outcome in outcomes.values():
            outcome.crawl.wait()
        yield outcomes


def test_faults_that_last_are_counted_and_every_posting_kept(
    lasting: dict[str, Outcome], clean_ids: frozenset[str]
) -> None:
    outcome = lasting["kept"]
    stats = outcome.stats()
    assert stats["finish_reason"] == "finished"
    assert outcome.crawl.process.returncode == 0
    # Every posting is stored: those behind a fault as their list rows described them.
    assert stored(outcome.url).ids(SPIDER) == clean_ids
    assert stats["item_scraped_count"] == len(clean_ids)
    assert stats[f"outsourcing/login_redirects/{SPIDER}"] == 1


@pytest.mark.parametrize("detail", list(KEPT))
def test_each_lasting_fault_is_counted_and_tried_a_bounded_number_of_times(
    lasting: dict[str, Outcome], detail: str
) -> None:
    fault, kinds = KEPT[detail]
    outcome = lasting["kept"]
    found = errors(outcome.stats())
    assert found.get("detail_unavailable", 0) >= len(KEPT)  # one per fault, kept from the list
    assert any(kind.startswith(k) for kind in found for k in kinds), found
    attempts = len(outcome.site.requests_to(f"/requests/{detail}"))
    # Twisted resends a request once itself when a kept-alive connection was reset.
    assert 1 <= attempts <= (6 if fault is RESET else 3)


@pytest.mark.parametrize("case", list(BLOCKING))
def test_a_site_that_keeps_blocking_stops_the_spider_and_what_was_parsed_is_stored(
    lasting: dict[str, Outcome], case: str
) -> None:
    _, kinds = BLOCKING[case]
    outcome = lasting[case]
    stats = outcome.stats()
    assert stats["finish_reason"] == "blocked"
    assert outcome.crawl.process.returncode == 1
    assert stats[f"outsourcing/blocked/{SPIDER}"] >= 1
    # Every posting parsed before the spider stopped is in the database.
    rows = stored(outcome.url).ids(SPIDER)
    assert len(rows) == stats["item_scraped_count"] > 1
    found = errors(stats)
    assert not kinds or any(kind.startswith(k) for kind in found for k in kinds), found
    # No hammering: a 429 is tried RETRY_TIMES + 1 times, a Retry-After beyond
    # RETRY_AFTER_MAX or a captcha page stops the spider at the first answer.
    attempts = len(outcome.site.requests_to(FAULTY))
    assert attempts == (3 if case == "429-for-good" else 1)


def test_a_timeout_is_counted_as_a_timeout(lasting: dict[str, Outcome]) -> None:
    assert "timeout" in errors(lasting["kept"].crawl.stats())


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (b"120", 120.0),
        (b" 7 ", 7.0),
        (b"Sun, 29 Nov 2026 03:00:30 GMT", 30.0),  # an HTTP date, 30 s after "now"
        (b"Sun, 29 Nov 2026 02:00:00 GMT", 0.0),  # already past
        (b"soon", None),
        (b"-5", None),
        (None, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(header: bytes | None, seconds: float) -> None:
    now = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now) == seconds
