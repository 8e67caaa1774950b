"""Alert latency: from a posting appearing on a fake kmong to a webhook receiving it, under
``scrapy crawlall --every``.

    python benchmarks/alerts.py [--interval 10] [--postings 20] [--appear 6]

A fake kmong on 127.0.0.1 (benchmarks/fake_platform.py's pages, served from this process)
starts with ``--postings`` postings; the real ``scrapy crawlall --every INTERVAL kmong``
collects it (politeness off, the project's settings otherwise, a fresh SQLite database) with
one saved search sending every kmong posting to a JSON webhook on 127.0.0.1 (apprise
``json://``). Once the first cycle's postings have arrived, ``--appear`` new postings appear
one at a time, each at a random moment of the collector's period, and the time until the
webhook has it is measured. The target: at most the interval plus one crawl of the site (the
longest cycle seen), since a posting that appears just after a crawl read the list waits
for the next slot, then for that crawl.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import formatdate
from pathlib import Path

import fake_platform
from crawl import crawl_env

ROOT = Path(__file__).resolve().parent.parent
# The tests' real local receiver: the same webhook the alert tests use.
sys.path.insert(0, str(ROOT))
from tests.alerts.receivers import Webhook, webhook  # noqa: E402

# One Date for every version of the site: kmong's deadlines count days from it, so every
# posting is open.
DATE = formatdate(time.time(), usegmt=True)
TIMEOUT = 120.0


class GrowingSite:
    """The fake kmong, served from a thread; :meth:`grow` publishes one more posting."""

    def __init__(self, postings: int) -> None:
        self.postings = postings
        self.site = fake_platform.build_site(postings, ("kmong",), DATE)
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        self._ready.wait(30)

    async def _serve(self) -> None:
        counts = {"served": 0, "not_found": 0}
        loop = asyncio.get_running_loop()
        # The fake platform's own protocol, over a site this process changes in place.
        server = await loop.create_server(
            lambda: fake_platform._HttpProtocol(self.site, counts), "127.0.0.1", 0
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await asyncio.sleep(TIMEOUT * 10)

    def grow(self) -> str:
        """One more posting on the site, newest first as kmong lists them; its URL."""
        self.postings += 1
        grown = fake_platform.build_site(self.postings, ("kmong",), DATE)
        self.site.update(grown)
        return (
            f"https://kmong.com/enterprise/requests/{fake_platform.KMONG_FIRST_ID + self.postings}"
        )


def received(hook: Webhook) -> set[str]:
    return {message["message"].splitlines()[-1] for message in list(hook.messages)}


def wait_until(condition, what: str) -> float:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=10.0, help="--every, in seconds")
    parser.add_argument("--postings", type=int, default=20, help="postings on the site at first")
    parser.add_argument("--appear", type=int, default=6, help="postings that appear, measured")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    site = GrowingSite(args.postings)
    with tempfile.TemporaryDirectory() as folder, webhook() as hook:
        alerts = Path(folder, "alerts.toml")
        alerts.write_text(
            f'[[search]]\nname = "kmong"\nplatforms = ["kmong"]\nnotify = ["{hook.url}"]\n'
        )
        settings = {
            "FAKE_PLATFORM": f"127.0.0.1:{site.port}",
            "DOWNLOAD_HANDLERS": json.dumps({"https": "crawl_components.LocalPlatformHandler"}),
            "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "0",
            "DATABASE_URL": f"sqlite:///{folder}/alerts.sqlite3",
            "DB_SPOOL_DIR": folder,
            "ALERTS_FILE": str(alerts),
            "LOG_LEVEL": "INFO",
        }
        command = [sys.executable, "-m", "scrapy", "crawlall", "--every", f"{args.interval}s"]
        command += [
            *(part for name, value in settings.items() for part in ("-s", f"{name}={value}"))
        ]
        stdout, log = Path(folder, "stdout.txt"), Path(folder, "log.txt")
        with stdout.open("wb") as out, log.open("wb") as err:
            collector = subprocess.Popen(
                [*command, "kmong"], cwd=ROOT, env=crawl_env(), stdout=out, stderr=err
            )
        latencies = []
        try:
            # Its open postings (a few of the recorded templates are closed) are sent by then.
            wait_until(lambda: "cycle 1:" in stdout.read_text(), "the first cycle")
            for number in range(1, args.appear + 1):
                time.sleep(rng.uniform(0, args.interval))
                appeared = time.monotonic()
                url = site.grow()
                arrived = wait_until(lambda url=url: url in received(hook), f"posting {url}")
                latencies.append(arrived - appeared)
                print(f"posting {number}: received {arrived - appeared:.2f} s after it appeared")
        except SystemExit:
            print(log.read_text()[-3000:])
            raise
        finally:
            collector.send_signal(signal.SIGTERM)
            collector.wait(60)
        took = [float(seconds) for seconds in re.findall(r"took ([\d.]+) s", stdout.read_text())]
        duplicates = len(hook.messages) - len(received(hook))
    longest_crawl = max(took)
    target = args.interval + longest_crawl
    print(
        f"\n{len(latencies)} postings: latency mean {statistics.mean(latencies):.2f} s, "
        f"max {max(latencies):.2f} s; --every {args.interval:g} s, cycles took "
        f"{min(took):.2f}-{longest_crawl:.2f} s ({len(took)} cycles)"
    )
    print(f"messages sent twice: {duplicates}")
    verdict = "met" if max(latencies) <= target and not duplicates else "MISSED"
    print(f"target: at most the interval plus one crawl, {target:.2f} s: {verdict}")


if __name__ == "__main__":
    main()
