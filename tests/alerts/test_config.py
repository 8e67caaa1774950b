"""The alerts file: what it may say, and the one line that names a mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from outsourcing_crawler.alerts import AlertsFileError, load_searches
from outsourcing_crawler.alerts.config import load_health_notice
from tests.scrapy_run import ROOT

HOOK = "json://127.0.0.1:9/hook"

# (the file, the line it gets): one per kind of mistake.
BAD_FILES = {
    "unknown-key": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nkeyword = ["React"]\n',
        "search 'react': unknown key 'keyword'",
    ),
    "bad-channel-url": (
        '[[search]]\nname = "react"\nnotify = ["slackk://T1/B1/C1"]\n',
        "search 'react': key 'notify': 'slackk://T1/B1/C1': not a channel URL apprise",
    ),
    "missing-variable": (
        '[[search]]\nname = "react"\nnotify = ["json://${ALERTS_TEST_UNSET}/hook"]\n',
        "search 'react': key 'notify': environment variable ALERTS_TEST_UNSET is not set",
    ),
    "bad-budget": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nbudget_min = "lots"\ncurrency = "KRW"\n',
        "search 'react': key 'budget_min': must be a whole number of at least 0, not 'lots'",
    ),
    "budget-without-currency": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nbudget_min = 5000000\n',
        "search 'react': key 'budget_min': needs a currency",
    ),
    "inverted-budget": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nbudget_min = 9\nbudget_max = 1\n'
        'currency = "KRW"\n',
        "search 'react': key 'budget_min': more than its maximum",
    ),
    "bad-platform": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nplatforms = ["wishket", "kmnog"]\n',
        "search 'react': key 'platforms': 'kmnog' is not one of kmong, wishket",
    ),
    "bad-mode": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nmode = "weekly"\n',
        "search 'react': key 'mode': must be one of each, digest, not 'weekly'",
    ),
    "no-channel": (
        '[[search]]\nname = "react"\nkeywords = ["React"]\n',
        "search 'react': key 'notify' is missing",
    ),
    "no-name": (f'[[search]]\nnotify = ["{HOOK}"]\n', "search #1: key 'name' is missing"),
    "same-name": (
        f'[[search]]\nname = "a"\nnotify = ["{HOOK}"]\n[[search]]\nname = "a"\n'
        f'notify = ["{HOOK}"]\n',
        "search 'a': key 'name': used twice",
    ),
    "not-toml": ('[[search]]\nname = "react\n', "not valid TOML"),
    "inverted-monthly-budget": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nmonthly_budget_min = 9\n'
        'monthly_budget_max = 1\ncurrency = "KRW"\n',
        "search 'react': key 'monthly_budget_min': more than its maximum",
    ),
    "monthly-budget-without-currency": (
        f'[[search]]\nname = "react"\nnotify = ["{HOOK}"]\nmonthly_budget_max = 9\n',
        "search 'react': key 'monthly_budget_max': needs a currency",
    ),
    "health-without-channel": ('[health]\nlanguage = "ko"\n', "[health]: key 'notify' is missing"),
    "health-unknown-key": (
        f'[health]\nnotify = ["{HOOK}"]\nevery = 1\n',
        "[health]: unknown key 'every' (the keys are notify, language)",
    ),
    "health-bad-channel": (
        '[health]\nnotify = ["nowhere://x"]\n',
        "[health]: key 'notify': 'nowhere://x': not a channel URL",
    ),
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "line"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_named_in_one_line(tmp_path: Path, text: str, line: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AlertsFileError) as error:
        load_searches(path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert line in message
    assert "\n" not in message


def test_variables_are_expanded_and_secrets_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTS_TEST_HOOK_PORT", "8123")
    monkeypatch.setenv("ALERTS_TEST_TOKEN", "s3cret-token")
    path = write(
        tmp_path,
        '[[search]]\nname = "react"\n'
        'notify = ["json://127.0.0.1:${ALERTS_TEST_HOOK_PORT}/${ALERTS_TEST_TOKEN}"]\n',
    )
    ((channel,),) = [search.notify for search in load_searches(path)]
    assert channel.url == "json://127.0.0.1:8123/s3cret-token"
    assert channel.written == "json://127.0.0.1:${ALERTS_TEST_HOOK_PORT}/${ALERTS_TEST_TOKEN}"
    # The database knows the channel by what was written, so a new token keeps its history.
    monkeypatch.setenv("ALERTS_TEST_TOKEN", "rotated")
    ((rotated,),) = [search.notify for search in load_searches(path)]
    assert rotated.key == channel.key


def test_a_full_search(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[[search]]\n"
        'name = "react-wishket"\n'
        'platforms = ["wishket"]\n'
        'keywords = ["리액트", "React"]\n'
        'skills = ["리액트", "react js", "React"]\n'
        'exclude = "유지보수"\n'
        "budget_min = 5_000_000\n"
        'currency = "krw"\n'
        'budget_type = "fixed"\n'
        'work_type = ["remote", "hybrid"]\n'
        "min_days_left = 3\n"
        'mode = "digest"\n'
        'events = ["new", "reopened"]\n'
        'language = "ko"\n'
        f'notify = ["{HOOK}"]\n',
    )
    (search,) = load_searches(path)
    assert search.platforms == {"wishket"}
    assert search.keywords == ("리액트", "React")
    # Through the skills vocabulary, each once.
    assert search.skills == ("React",)
    assert search.exclude == ("유지보수",)
    assert (search.budget_min, search.budget_max, search.currency) == (5_000_000, None, "KRW")
    assert search.budget_types == {"fixed"}
    assert search.work_types == {"remote", "hybrid"}
    assert (search.min_days_left, search.mode, search.language) == (3, "digest", "ko")
    assert search.events == {"new", "reopened"}


def test_defaults(tmp_path: Path) -> None:
    (search,) = load_searches(write(tmp_path, f'[[search]]\nname = "all"\nnotify = ["{HOOK}"]\n'))
    assert (search.mode, search.events, search.language) == ("each", {"new"}, "en")
    assert not (search.platforms or search.keywords or search.skills or search.exclude)


def test_the_health_table(tmp_path: Path) -> None:
    path = write(tmp_path, f'[health]\nnotify = ["{HOOK}"]\nlanguage = "ko"\n')
    assert load_searches(path) == []
    notice = load_health_notice(path)
    assert notice is not None
    assert ([channel.url for channel in notice.notify], notice.language) == ([HOOK], "ko")
    assert load_health_notice(write(tmp_path, "")) is None


def test_the_example_file_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    example = ROOT / "alerts.example.toml"
    for name in set(example.read_text(encoding="utf-8").split("${")[1:]):
        monkeypatch.setenv(name.split("}")[0], "123456789")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:abcdefg_hijklmnop")
    assert [search.name for search in load_searches(example)] == [
        "react-wishket",
        "remote-python",
    ]
