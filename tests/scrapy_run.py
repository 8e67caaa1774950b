"""Running the real `scrapy` program on the project, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
RECORDINGS = ROOT / "tests" / "recordings"


def scrapy(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """``scrapy ARGS`` in the project folder; the completed process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=ROOT,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "outsourcing_crawler.settings", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def replay(*args: str, **kwargs):
    """``scrapy ARGS`` answering every request from the recordings shipped with the tests."""
    return scrapy(*args, "-s", f"REPLAY_FROM={RECORDINGS}", **kwargs)
