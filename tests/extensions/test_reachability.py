"""A crawl that reaches no site ends as `site_unreachable` with exit status 1, saying why."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator

import pytest

from outsourcing_crawler.extensions.reachability import CAUSES
from tests.commands.test_crawlall import summary
from tests.conftest import run_async
from tests.reliability.crawls import FAST, through
from tests.scrapy_run import scrapy
from tests.support import crawl_runs

# Few, quick retries: each failure is retried once, a tenth of a second later.
QUICK = ("RETRY_TIMES=1", "RETRY_BACKOFF_BASE=0.1", "DOWNLOAD_TIMEOUT=1", *FAST)


def settings(*values: str) -> list[str]:
    return [arg for value in values for arg in ("-s", value)]


def closed_port() -> int:
    """A local port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _NotTls(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(4096)
        self.request.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\nthis port speaks no TLS")


class _Silent(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(4096)
        self.server.done.wait(30)  # type: ignore[attr-defined]


@pytest.fixture
def local_server(request: pytest.FixtureRequest) -> Iterator[int]:
    """A local server of the kind the test asks for; its port."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), request.param)
    server.daemon_threads = True
    server.done = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.done.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def probe(url: str):
    """``scrapy crawl`` of a spider that asks for ``url`` alone, storage off."""
    return scrapy(
        "crawl",
        "probe",
        "-a",
        f"url={url}",
        *settings("SPIDER_MODULES=tests.extensions.probe_spider", "STORAGE_ENABLED=0", *QUICK),
    )


def assert_unreachable(result, host: str, cause: str) -> None:
    assert result.returncode == 1, result.stderr[-3000:]
    assert "'finish_reason': 'site_unreachable'" in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "Site unreachable" in line]
    assert f"Site unreachable: {host}: {cause}" in line


@pytest.mark.parametrize(
    ("url", "host", "cause"),
    [
        ("http://127.0.0.1:{port}/", "127.0.0.1:{port}", CAUSES["DownloadConnectionRefusedError"]),
        ("http://no-such-site.invalid/", "no-such-site.invalid", CAUSES["CannotResolveHostError"]),
    ],
    ids=["closed-port", "unresolvable-host"],
)
def test_unreachable_site_exits_1_naming_host_and_cause(url: str, host: str, cause: str) -> None:
    port = closed_port()
    result = probe(url.format(port=port))
    assert_unreachable(result, host.format(port=port), cause)


@pytest.mark.parametrize(
    ("local_server", "scheme", "cause"),
    [
        (_NotTls, "https", CAUSES["DownloadFailedError"]),
        (_Silent, "http", CAUSES["DownloadTimeoutError"]),
    ],
    ids=["tls-fails", "no-answer"],
    indirect=["local_server"],
)
def test_failing_connections_are_unreachable_too(local_server: int, scheme: str, cause: str):
    result = probe(f"{scheme}://127.0.0.1:{local_server}/")
    assert_unreachable(result, f"127.0.0.1:{local_server}", cause)


class _NotFound(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b""):
            pass
        self.wfile.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def test_an_error_status_is_an_answer() -> None:
    """A site that answers, even 404 to everything, is reachable: the crawl finishes."""
    with socketserver.TCPServer(("127.0.0.1", 0), _NotFound) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            result = probe(f"http://127.0.0.1:{server.server_address[1]}/")
        finally:
            server.shutdown()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Site unreachable" not in result.stderr


def test_crawlall_reports_each_unreachable_spider(sqlite_url: str) -> None:
    """Real spiders whose sites are behind a proxy that is not there."""
    result = scrapy(
        "crawlall",
        "kmong",
        "guru",
        *settings(f"DATABASE_URL={sqlite_url}", *QUICK),
        env=through(f"http://127.0.0.1:{closed_port()}"),
    )
    assert result.returncode == 1, result.stderr[-3000:]
    table = summary(result.stdout)
    assert {row["finish reason"] for row in table.values()} == {"site_unreachable"}
    runs = run_async(crawl_runs(sqlite_url))
    assert {run.spider: run.finish_reason for run in runs} == {
        "kmong": "site_unreachable",
        "guru": "site_unreachable",
    }
    assert {run.health["state"] for run in runs} == {"broken"}
