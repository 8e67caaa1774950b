"""Offline record and replay of whole crawls, as an HTTP cache storage backend.

``-s RECORD_TO=DIR`` saves every response a crawl receives; ``-s REPLAY_FROM=DIR`` answers
every request from DIR and never touches the network. A recording is two files a person can
read and edit, under a folder named after the host::

    DIR/kmong.com/GET_api_custom-project_v1_requests_page-1_ab12cd34.json
    DIR/kmong.com/GET_api_custom-project_v1_requests_page-1_ab12cd34.json.meta.json

The ``.meta.json`` file holds the request (method, URL, body) and the response (status,
URL, headers); the other file is the body as served. Files are found by what their meta file
says, not by their names, so a recording can be renamed or hand-written freely.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings, Settings
from scrapy.utils.python import to_unicode

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

META_SUFFIX = ".meta.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"json": ".json", "html": ".html", "xml": ".xml", "javascript": ".js"}


@dataclass(frozen=True)
class Recording:
    """One recorded exchange, as read from its meta file."""

    method: str
    url: str
    request_body: bytes
    status: int
    response_url: str
    headers: dict[str, list[str]]
    body_path: Path

    @classmethod
    def load(cls, meta_path: Path) -> Self:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        request, response = meta["request"], meta["response"]
        headers = {
            name: value if isinstance(value, list) else [value]
            for name, value in response.get("headers", {}).items()
        }
        return cls(
            method=request.get("method", "GET").upper(),
            url=request["url"],
            request_body=request.get("body", "").encode("utf-8"),
            status=int(response.get("status", 200)),
            response_url=response.get("url", request["url"]),
            headers=headers,
            body_path=meta_path.with_name(meta["body_file"]),
        )

    def request(self) -> Request:
        return Request(self.url, method=self.method, body=self.request_body)

    def response(self, request: Request | None = None) -> Response:
        body = self.body_path.read_bytes()
        cls = responsetypes.from_args(headers=self.headers, url=self.response_url, body=body)
        return cls(
            url=self.response_url,
            status=self.status,
            headers=self.headers,
            body=body,
            request=request or self.request(),
        )


def recording_name(request: Request, response: Response, fingerprint: bytes) -> str:
    """A readable file name from the method and URL, made unique by the fingerprint."""
    parts = urlsplit(request.url)
    slug = _UNSAFE.sub("_", f"{parts.path}_{parts.query}".replace("=", "-")).strip("_")
    content_type = to_unicode(response.headers.get(b"Content-Type", b"") or b"").lower()
    suffix = next((ext for key, ext in _EXTENSIONS.items() if key in content_type), ".txt")
    return f"{request.method}_{slug[:80] or 'root'}_{fingerprint.hex()[:8]}{suffix}"


def save_recording(root: Path, request: Request, response: Response, fingerprinter: Any) -> Path:
    """Write one exchange under ``root/<host>/``; returns the meta file's path.

    Also the way to hand-make a fixture: build the Request and Response, then save them.
    """
    fingerprint = fingerprinter.fingerprint(request)
    folder = root / (urlsplit(request.url).hostname or "unknown-host")
    folder.mkdir(parents=True, exist_ok=True)
    name = recording_name(request, response, fingerprint)
    (folder / name).write_bytes(response.body)
    meta = {
        "request": {
            "method": request.method,
            "url": request.url,
            "body": request.body.decode("utf-8", "replace"),
        },
        "response": {
            "status": response.status,
            "url": response.url,
            "headers": {
                to_unicode(key): [to_unicode(v) for v in values]
                for key, values in response.headers.items()
            },
        },
        "body_file": name,
        "body_sha256": hashlib.sha256(response.body).hexdigest(),
    }
    meta_path = folder / f"{name}{META_SUFFIX}"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta_path


class RecordingIndex:
    """Every recording under a folder, by request fingerprint."""

    def __init__(self, root: Path, fingerprint: Any) -> None:
        self.root = root
        self._fingerprint = fingerprint
        self._by_key: dict[bytes, Recording] = {}
        for meta_path in sorted(root.rglob(f"*{META_SUFFIX}")):
            try:
                recording = Recording.load(meta_path)
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("Unreadable recording %s: %s", meta_path, exc)
                continue
            self._by_key[self._fingerprint(recording.request())] = recording

    def __len__(self) -> int:
        return len(self._by_key)

    def find(self, request: Request) -> Recording | None:
        return self._by_key.get(self._fingerprint(request))


class RecordingStorage:
    """``HTTPCACHE_STORAGE`` backend: replays from, or records into, ``HTTPCACHE_DIR``."""

    def __init__(self, settings: BaseSettings) -> None:
        self.root = Path(settings["HTTPCACHE_DIR"])
        self.replay = settings.getbool("RECORDINGS_REPLAY")
        self._index: RecordingIndex | None = None
        self._crawler: Crawler | None = None

    def open_spider(self, spider: Spider) -> None:
        self._crawler = spider.crawler
        fingerprint = spider.crawler.request_fingerprinter.fingerprint
        if self.replay:
            self._index = RecordingIndex(self.root, fingerprint)
            logger.info("Replaying %d recorded responses from %s", len(self._index), self.root)
        else:
            logger.info("Recording every response into %s", self.root)

    def close_spider(self, spider: Spider) -> None:
        self._index = None

    def retrieve_response(self, spider: Spider, request: Request) -> Response | None:
        if self._index is None:
            return None  # recording: always fetch afresh
        recording = self._index.find(request)
        if recording is None:
            assert self._crawler is not None and self._crawler.stats is not None
            self._crawler.stats.inc_value("recordings/missing")
            logger.warning("No recording for %s %s in %s", request.method, request.url, self.root)
            return None
        return recording.response(request)

    def store_response(self, spider: Spider, request: Request, response: Response) -> None:
        if self.replay:
            return
        assert self._crawler is not None
        save_recording(self.root, request, response, self._crawler.request_fingerprinter)


class RecordingsAddon:
    """Turns ``RECORD_TO`` / ``REPLAY_FROM`` into Scrapy's HTTP cache settings."""

    def update_settings(self, settings: Settings) -> None:
        replay_from, record_to = settings.get("REPLAY_FROM"), settings.get("RECORD_TO")
        if not (replay_from or record_to):
            return
        if replay_from and record_to:
            raise ValueError("REPLAY_FROM and RECORD_TO cannot be used together")
        cache = {
            "HTTPCACHE_ENABLED": True,
            "HTTPCACHE_STORAGE": f"{__name__}.RecordingStorage",
            "HTTPCACHE_POLICY": "scrapy.extensions.httpcache.DummyPolicy",
            "HTTPCACHE_DIR": str(Path(replay_from or record_to).resolve()),
            "HTTPCACHE_EXPIRATION_SECS": 0,
            "HTTPCACHE_IGNORE_HTTP_CODES": [],
            # A request with no recording fails alone (IgnoreRequest), never the network.
            "HTTPCACHE_IGNORE_MISSING": bool(replay_from),
            "RECORDINGS_REPLAY": bool(replay_from),
        }
        settings.setdict(cache, priority="addon")
