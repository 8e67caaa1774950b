"""Real local receivers for alert messages: a JSON webhook (apprise ``json://``) and an SMTP
server (aiosmtpd, for ``mailto://``), both on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

# Generous for a loaded machine; a message arrives in milliseconds.
ARRIVAL_TIMEOUT = 30.0


class Webhook:
    """Answers each POST with the next of ``statuses`` (then 200) and keeps the JSON bodies
    it accepted (2xx) in order; ``refused`` counts the others."""

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        self.statuses = list(statuses)
        self.messages: list[dict[str, Any]] = []
        self.refused = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    if status < 300:
                        receiver.messages.append(body)
                    else:
                        receiver.refused += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def titles(self) -> list[str]:
        with self._lock:
            return [message["title"] for message in self.messages]

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + ARRIVAL_TIMEOUT
        while len(self.messages) < count:
            assert time.monotonic() < deadline, f"{len(self.messages)} of {count} messages came"
            time.sleep(0.05)


@contextmanager
def webhook(statuses: Iterable[int] = ()) -> Iterator[Webhook]:
    receiver = Webhook(statuses)
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


class Mailbox:
    """The messages an SMTP server on 127.0.0.1 accepted, and a ``mailto://`` URL to it."""

    def __init__(self, handler: _Mailbox, port: int) -> None:
        self._handler = handler
        self.url = f"mailto://127.0.0.1:{port}?from=crawler@example.com&to=me@example.com"

    @property
    def messages(self) -> list[EmailMessage]:
        return self._handler.messages


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mailbox() -> Iterator[Mailbox]:
    handler = _Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield Mailbox(handler, controller.port)
    finally:
        controller.stop()
