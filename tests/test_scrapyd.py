"""Deploying to a real Scrapyd with scrapyd-deploy, and running kmong there into PostgreSQL.

Scrapyd runs in a temporary folder on 127.0.0.1; the project is deployed from a copy of its
files (scrapyd-deploy builds in the project folder), and kmong is scheduled in replay mode, so
nothing touches the network. The job runs the zipped egg, as on a real Scrapyd host.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f
from sqlalchemy import func, select

from outsourcing_crawler.db import Database
from outsourcing_crawler.db.models import CrawlRun, Project
from tests.scrapy_run import RECORDINGS, ROOT

pytest.importorskip("scrapyd", reason="scrapyd is not installed (pip install -e '.[deploy]')")
pytest.importorskip(
    "scrapyd_client", reason="scrapyd-client is not installed (pip install -e '.[deploy]')"
)

PROJECT = "outsourcing_crawler"
# Generous bounds for a loaded machine; a healthy run takes a few seconds each.
START_TIMEOUT = 60.0
JOB_TIMEOUT = 180.0
# The project as scrapyd-deploy needs it: no tests, no virtualenv, no build leftovers.
DEPLOYED = ("scrapy.cfg", "pyproject.toml", "README.md", PROJECT)
# kmong's recorded site serves one detail as 503 four times on purpose: retried, then given
# up on (the one ERROR line) and counted as a parse error; the crawl still finishes.
EXPECTED_ERRORS = [
    "[scrapy.downloadermiddlewares.retry] ERROR: Gave up retrying "
    "<GET https://kmong.com/api/custom-project/v1/requests/612337> (failed 4 times): "
    "503 Service Unavailable"
]
POSTINGS = 9


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a Scrapyd host: no project settings or paths from this checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT", "PYTHONPATH", "DATABASE_URL")
    }
    home, temp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    temp.mkdir()
    # No ~/.scrapyd.conf or ~/.scrapy.cfg of the developer's; temporary files where we see them.
    return {**env, "HOME": str(home), "TMPDIR": str(temp)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_scrapyd(folder: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """Scrapyd on a free port, once it listens (Scrapyd cannot be given port 0)."""
    for _ in range(3):
        port = free_port()
        (folder / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {port}\n"
            f"eggs_dir = {folder / 'eggs'}\n"
            f"logs_dir = {folder / 'logs'}\n"
            f"dbs_dir = {folder / 'dbs'}\n"
            "items_dir =\n"
            "max_proc = 1\n"
            "poll_interval = 0.5\n",
            encoding="utf-8",
        )
        output = folder / "scrapyd.out"
        with output.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "scrapyd"], cwd=folder, env=env, stdout=out, stderr=out
            )
        deadline = time.monotonic() + START_TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            if f"Site starting on {port}" in output.read_text(errors="replace"):
                return process, port
            time.sleep(0.2)
        process.kill()
        process.wait(30)
        if "Address already in use" in output.read_text(errors="replace"):
            continue  # taken by another program since free_port(): try another
        break
    pytest.fail(f"scrapyd did not start:\n{output.read_text(errors='replace')}")


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:
    """A Scrapyd of its own on 127.0.0.1: its URL, its folder and its environment."""
    folder = tmp_path / "scrapyd"
    folder.mkdir()
    env = clean_env(tmp_path)
    process, port = start_scrapyd(folder, env)
    try:
        yield f"http://127.0.0.1:{port}/", folder, env
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)


def api(url: str, endpoint: str, **params: str | list[str]) -> dict:
    """A Scrapyd JSON endpoint: GET with no params, else a form POST."""
    if params:
        data = urlencode(params, doseq=True).encode()
        with urlopen(url + endpoint, data=data, timeout=60) as response:
            answer = json.load(response)
    else:
        with urlopen(url + endpoint, timeout=60) as response:
            answer = json.load(response)
    assert answer["status"] == "ok", answer
    return answer


def deploy(url: str, tmp_path: Path, env: dict[str, str]) -> dict:
    """``scrapyd-deploy`` from a copy of the project, to a target named in its scrapy.cfg."""
    project = tmp_path / "project"
    project.mkdir()
    for name in DEPLOYED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, project / name)
    with (project / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
        cfg.write(f"\n[deploy:test]\nurl = {url}\nproject = {PROJECT}\n")
    result = subprocess.run(
        [sys.executable, "-m", "scrapyd_client.deploy", "test", "--version", "r1"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The project has no setup.py: scrapyd-deploy writes a minimal one, and pyproject.toml
    # gives the egg its name, packages, data files and the `scrapy` entry point.
    assert (project / "setup.py").exists()
    return json.loads(result.stdout)


def wait_for_job(url: str, job: str) -> dict:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        jobs = api(url, f"listjobs.json?project={PROJECT}")
        finished = [entry for entry in jobs["finished"] if entry["id"] == job]
        if finished:
            return finished[0]
        time.sleep(0.5)
    pytest.fail(f"job {job} did not finish: {jobs}")


async def stored(url: str) -> tuple[int, list[CrawlRun]]:
    database = Database(url)
    try:
        async with database.session() as session:
            count = await session.scalar(
                select(func.count()).select_from(Project).where(Project.platform == "kmong")
            )
            runs = list((await session.scalars(select(CrawlRun))).all())
        return count, runs
    finally:
        await database.dispose()


@deferred_f_from_coro_f
async def test_deploy_and_schedule_kmong_into_postgresql(
    scrapyd: tuple[str, Path, dict[str, str]], postgresql_url: str, tmp_path: Path
) -> None:
    url, folder, env = scrapyd
    deployed = deploy(url, tmp_path, env)
    assert deployed["project"] == PROJECT
    assert deployed["spiders"] == 7
    (egg,) = (folder / "eggs" / PROJECT).glob("*.egg")
    with zipfile.ZipFile(egg) as archive:
        names = set(archive.namelist())
    assert f"{PROJECT}/db/migrations/script.py.mako" in names
    assert f"{PROJECT}/db/migrations/versions/0001_initial.py" in names
    assert f"{PROJECT}/normalisers/skills.toml" in names
    assert not any(name.startswith("tests/") for name in names)

    job = api(
        url,
        "schedule.json",
        project=PROJECT,
        spider="kmong",
        setting=[f"REPLAY_FROM={RECORDINGS.resolve()}", f"DATABASE_URL={postgresql_url}"],
    )["jobid"]
    wait_for_job(url, job)
    log = (folder / "logs" / PROJECT / "kmong" / f"{job}.log").read_text(encoding="utf-8")

    disabled = [line for line in log.splitlines() if "Disabled outsourcing_crawler.pipel" in line]
    assert not disabled, "the database pipeline is off under Scrapyd"
    assert "'finish_reason': 'finished'" in log
    assert "Traceback" not in log
    errors = [line.split(" ", 2)[2] for line in log.splitlines() if "] ERROR: " in line]
    assert errors == EXPECTED_ERRORS
    assert f"'item_scraped_count': {POSTINGS}," in log
    # No remote-control endpoint or telnet console in a deployed crawl.
    extensions = log.split("Enabled extensions:", 1)[1].split("]", 1)[0]
    assert "CoreStats" in extensions
    assert "RemoteControl" not in extensions
    assert "TelnetConsole" not in extensions

    count, runs = await stored(postgresql_url)
    assert count == POSTINGS
    assert [(run.spider, run.finish_reason, run.inserted) for run in runs] == [
        ("kmong", "finished", POSTINGS)
    ]
    # The job ran the zipped egg: Alembic's migrations were copied out of it to run, and
    # removed when the job ended.
    assert "Migrations copied out of the package archive" in log
    assert not list((tmp_path / "tmp").glob("outsourcing_crawler_migrations_*"))
