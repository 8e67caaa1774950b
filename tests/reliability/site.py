"""A local stand-in for the platforms: an HTTP proxy that answers from recordings, with faults.

Scrapy sends ``https://`` requests through an HTTP proxy with ``CONNECT``; this one accepts
the tunnel, speaks TLS itself (a throwaway self-signed certificate: Scrapy does not verify
certificates) and answers each request from the recordings, so a spider crawls its real URLs
without touching the network. Point a crawl at it with ``https_proxy=<site.proxy_url>`` (the
environment, which HttpProxyMiddleware reads).

Faults are planned per URL (a substring of it): each matching request takes the next fault of
its plan, then the plan's ``then`` for good. ``hold`` keeps matching requests waiting until
the test releases them, which makes "in the middle of a crawl" a point the test chooses.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime
import functools
import shutil
import socket
import socketserver
import ssl
import struct
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scrapy import Request
from scrapy.utils.test import get_crawler

from outsourcing_crawler.recordings import RecordingIndex
from tests.support import FIXTURES, RECORDINGS

CAPTCHA_PAGE = (FIXTURES / "kmong" / "captcha_challenge.html").read_bytes()
LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Login</title></head><body>"
    b"<h1>\xeb\xa1\x9c\xea\xb7\xb8\xec\x9d\xb8</h1><form action='/login' method='post'>"
    b"<input name='email'><input type='password' name='password'></form></body></html>"
)


@dataclass(frozen=True)
class Fault:
    """What the site does to one request instead of answering it normally.

    ``status``: that status (with ``headers``) and a short body; ``reset``: the connection is
    reset before any answer; ``slow``: the recorded answer after ``seconds``; ``cut``: the
    connection closes halfway through a body whose Content-Length promised all of it;
    ``truncated``: half of the recorded body, served as if complete; ``captcha``: a challenge
    page with status 200; ``login``: a redirect to the site's login page.
    """

    kind: str
    status: int = 503
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0


def status(code: int, **headers: str) -> Fault:
    return Fault(
        "status", status=code, headers=tuple((k.replace("_", "-"), v) for k, v in headers.items())
    )


RESET = Fault("reset")
CUT = Fault("cut")
TRUNCATED = Fault("truncated")
CAPTCHA = Fault("captcha")
LOGIN = Fault("login")


def slow(seconds: float) -> Fault:
    return Fault("slow", seconds=seconds)


@dataclass
class Plan:
    faults: list[Fault | None]
    then: Fault | None = None


@dataclass
class Served:
    """One request the site received, and what it did."""

    at: float  # time.monotonic()
    method: str
    url: str
    outcome: str


@dataclass
class LocalSite:
    root: Path = RECORDINGS
    # Seconds before every answer: a crawl over this site takes a while, like a real one.
    delay: float = 0.0
    plans: dict[str, Plan] = field(default_factory=dict)
    holds: dict[str, threading.Event] = field(default_factory=dict)
    served: list[Served] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._index = RecordingIndex(self.root, get_crawler().request_fingerprinter.fingerprint)
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    # -- the test's side ---------------------------------------------------------------------

    def plan(self, url_part: str, *faults: Fault | None, then: Fault | None = None) -> None:
        self.plans[url_part] = Plan(list(faults), then)

    def hold(self, url_part: str) -> threading.Event:
        """Requests whose URL contains ``url_part`` wait until the returned event is set."""
        return self.holds.setdefault(url_part, threading.Event())

    def release_all(self) -> None:
        for event in self.holds.values():
            event.set()

    def requests_to(self, url_part: str, outcome: str | None = None) -> list[Served]:
        """Requests answered (or, with ``outcome="held"``, held) whose URL has ``url_part``."""
        return [
            s
            for s in list(self.served)
            if url_part in s.url and (s.outcome == outcome if outcome else s.outcome != "held")
        ]

    def wait_for(
        self, url_part: str, count: int = 1, outcome: str | None = None, timeout: float = 60
    ) -> list[Served]:
        """The first ``count`` requests to a URL, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.requests_to(url_part, outcome)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{count} requests to {url_part!r} never came: {found}")
                self._changed.wait(left)
        return found

    @property
    def proxy_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @contextlib.contextmanager
    def running(self) -> Iterator[LocalSite]:
        server = _ProxyServer(("127.0.0.1", 0), _Handler)
        server.site = self
        server.tls = _tls_context()
        self._server = server
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release_all()
            server.shutdown()
            server.server_close()

    # -- the server's side -------------------------------------------------------------------

    def _fault_for(self, url: str) -> Fault | None:
        with self._changed:
            for part, plan in self.plans.items():
                if part in url:
                    return plan.faults.pop(0) if plan.faults else plan.then
        return None

    def _record(self, method: str, url: str, outcome: str) -> None:
        with self._changed:
            self.served.append(Served(time.monotonic(), method, url, outcome))
            self._changed.notify_all()

    def answer(self, handler: _Handler, method: str, url: str, body: bytes) -> None:
        for part, event in list(self.holds.items()):
            if part in url:
                self._record(method, url, "held")
                event.wait(120)
        fault = self._fault_for(url)
        self._record(method, url, fault.kind if fault else "ok")
        if self.delay:
            time.sleep(self.delay)
        recording = self._index.find(Request(url, method=method, body=body))
        if fault is not None and fault.kind == "reset":
            handler.reset()
            return
        if fault is not None and fault.kind == "status":
            handler.reply(fault.status, list(fault.headers), b"<html><body>busy</body></html>")
            return
        if fault is not None and fault.kind == "captcha":
            handler.reply(200, [("Content-Type", "text/html; charset=utf-8")], CAPTCHA_PAGE)
            return
        if fault is not None and fault.kind == "login":
            target = f"{_origin(url)}/login?next={quote(_path(url), safe='')}"
            handler.reply(302, [("Location", target)], b"")
            return
        if _path(url).startswith("/login"):
            handler.reply(200, [("Content-Type", "text/html; charset=utf-8")], LOGIN_PAGE)
            return
        if recording is None:
            handler.reply(404, [("Content-Type", "text/plain")], b"no recording")
            return
        headers = [
            (name, value)
            for name, values in recording.headers.items()
            if name.lower() not in {"content-length", "transfer-encoding", "connection"}
            for value in values
        ]
        payload = recording.body_path.read_bytes()
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "truncated":
            payload = payload[: len(payload) // 2]
        if fault is not None and fault.kind == "cut":
            handler.reply(recording.status, headers, payload, cut_at=len(payload) // 2)
            return
        handler.reply(recording.status, headers, payload)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    site: LocalSite
    tls: ssl.SSLContext

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection the crawler dropped (a reset, a timeout) is no news here


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer
    tunnel_host: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the test reads `served`, not stderr

    def do_CONNECT(self) -> None:
        self.tunnel_host = self.path.rsplit(":", 1)[0]
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        tls = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.connection = tls
        self.rfile = tls.makefile("rb")
        self.wfile = socketserver._SocketWriter(tls)  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = f"https://{self.tunnel_host}{self.path}" if self.tunnel_host else self.path
        self.server.site.answer(self, self.command, url, body)

    do_POST = do_GET
    do_HEAD = do_GET

    def reply(
        self, code: int, headers: list[tuple[str, str]], body: bytes, cut_at: int | None = None
    ) -> None:
        self.send_response_only(code)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() == "date" for name, _ in headers):
            self.send_header("Date", self.date_time_string())
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut_at is None:
            self.wfile.write(body)
            return
        self.wfile.write(body[:cut_at])
        self.wfile.flush()
        self.close_connection = True

    def reset(self) -> None:
        """Close with an RST, as a crashing server or a middlebox does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.close()


def _origin(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


@functools.cache
def _certificate() -> tuple[str, str]:
    """A throwaway self-signed certificate and key (files), made once per test session."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "local recordings")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            # The recorded hosts, so that the crawler's TLS layer has nothing to warn about.
            x509.SubjectAlternativeName(
                [x509.DNSName(folder.name) for folder in RECORDINGS.iterdir() if folder.is_dir()]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="oc-site-tls-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def _tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_certificate())
    return context
