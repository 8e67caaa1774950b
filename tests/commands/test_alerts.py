"""`scrapy alerts` and the alerts file check of `scrapy crawl` and `crawlall`, as a user
runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alerts.receivers import Webhook, webhook
from tests.alerts.test_config import BAD_FILES
from tests.scrapy_run import replay, scrapy


@pytest.mark.parametrize(("text", "line"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_alerts_file_stops_a_crawl_before_it_starts(
    tmp_path: Path, text: str, line: str
) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    result = replay("crawl", "kmong", "-s", f"ALERTS_FILE={path}")
    assert result.returncode == 2
    (error,) = [row for row in result.stderr.splitlines() if row.startswith("Error: ")]
    assert error.startswith(f"Error: {path}: ")
    assert line in error
    assert "Spider opened" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args", [["crawlall", "kmong", "guru"], ["crawlall", "--every", "10m", "kmong"]]
)
def test_crawlall_checks_the_alerts_file_too(tmp_path: Path, args: list[str]) -> None:
    text, line = BAD_FILES["missing-variable"]
    path = tmp_path / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    result = replay(*args, "-s", f"ALERTS_FILE={path}")
    assert result.returncode == 2
    assert f"Error: {path}: {line}" in result.stderr
    assert "Spider opened" not in result.stderr


def test_a_missing_alerts_file_named_in_the_settings(tmp_path: Path) -> None:
    result = replay("crawl", "kmong", "-s", f"ALERTS_FILE={tmp_path / 'nowhere.toml'}")
    assert result.returncode == 2
    assert "nowhere.toml: cannot be read" in result.stderr


def write_alerts(tmp_path: Path, hook: Webhook, *, mode: str = "each") -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(
        f'[[search]]\nname = "kmong"\nplatforms = ["kmong"]\nmode = "{mode}"\n'
        f'notify = ["{hook.url}"]\n',
        encoding="utf-8",
    )
    return path


def test_list_preview_and_backfill(sqlite_url: str, tmp_path: Path) -> None:
    database = ("-s", f"DATABASE_URL={sqlite_url}")
    # Postings stored before the search exists: its baseline.
    assert replay("crawl", "kmong", *database).returncode == 0
    with webhook() as hook:
        settings = (*database, "-s", f"ALERTS_FILE={write_alerts(tmp_path, hook)}")
        listed = scrapy("alerts", "list", *settings)
        assert listed.returncode == 0, listed.stderr
        assert "kmong  (each; new; en)" in listed.stdout
        assert "platforms: kmong" in listed.stdout
        assert "not started" in listed.stdout

        assert replay("crawl", "kmong", *settings).returncode == 0
        assert hook.messages == []  # nothing new after the baseline
        previewed = scrapy("alerts", "preview", "kmong", "--limit", "2", *settings)
        assert previewed.returncode == 0, previewed.stderr
        count = int(previewed.stdout.split(": ", 1)[1].split()[0])
        assert count > 2
        assert f"... and {count - 2} more" in previewed.stdout

        backfilled = scrapy("alerts", "backfill", "kmong", *settings)
        assert backfilled.returncode == 0, backfilled.stderr
        assert f"kmong: sent {count} posting(s)" in backfilled.stdout
        assert len(hook.messages) == count
        again = scrapy("alerts", "backfill", "kmong", *settings)
        assert "kmong: sent 0 posting(s)" in again.stdout
        assert len(hook.messages) == count
        listed = scrapy("alerts", "list", *settings)
        assert f"sent {count}, waiting 0, failing 0" in listed.stdout


def test_test_sends_a_sample_to_each_channel(tmp_path: Path) -> None:
    with webhook() as hook, webhook([500]) as failing:
        path = tmp_path / "alerts.toml"
        path.write_text(
            f'[[search]]\nname = "s"\nnotify = ["{hook.url}", "{failing.url}"]\n', encoding="utf-8"
        )
        result = scrapy("alerts", "test", "s", "-s", f"ALERTS_FILE={path}")
    assert result.returncode == 1
    assert result.stdout.count("sent      json://") == 1
    assert result.stdout.count("FAILED    json://") == 1
    (message,) = hook.messages
    assert message["title"].startswith("[s] Sample posting")
    assert "Budget: 5,000,000–8,000,000 KRW (fixed)" in message["message"]


@pytest.mark.parametrize(
    ("args", "status", "output"),
    [
        (["test", "nope"], 2, "no saved search 'nope' in "),
        (["frobnicate"], 2, "give one of: list | test NAME"),
        # An empty setting: alerts.toml beside scrapy.cfg, and the project has none.
        (["list", "-s", "ALERTS_FILE="], 1, "No alerts file"),
    ],
)
def test_alerts_usage(tmp_path: Path, args: list[str], status: int, output: str) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text('[[search]]\nname = "s"\nnotify = ["json://127.0.0.1:9/h"]\n')
    # A later -s wins.
    result = scrapy("alerts", "-s", f"ALERTS_FILE={path}", *args)
    assert result.returncode == status
    assert output in result.stderr
