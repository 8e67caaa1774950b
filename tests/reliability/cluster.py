"""A throwaway PostgreSQL cluster a test can stop and start: its own folder, port and password.

PostgreSQL refuses to run as root, so the cluster belongs to the ``postgres`` user and its
programs run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL


def _newest_bin() -> Path:
    """The programs of the newest PostgreSQL installed the Debian way, unless PG_BIN says."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BIN = _newest_bin()
OWNER = "postgres"


def available() -> str | None:
    """Why no throwaway cluster can run here, or None."""
    if not (BIN / "initdb").exists():
        return f"no initdb in {BIN}"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """``initdb`` into a temporary folder, then ``start``/``stop`` it at will."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="oc-pg-"))
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self.logfile = self.folder / "server.log"
        self.port = _free_port()
        self.password = "pw-" + secrets.token_hex(8)
        self.socket_dir.mkdir()
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.folder, OWNER)
            for path in (self.socket_dir, password_file):
                shutil.chown(path, OWNER)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--no-sync",
            "--auth-host=scram-sha-256", "--auth-local=trust", f"--pwfile={password_file}",
        )  # fmt: skip

    def _run(self, program: str, *args: str) -> None:
        command = [str(BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", OWNER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.socket_dir}"
            " -c fsync=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", options, "-w",
                  "start")  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """``immediate``: the server dies without a goodbye to its clients, as in a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, password: str | None = None) -> str:
        return URL.create(
            "postgresql",
            username="postgres",
            password=self.password if password is None else password,
            host="127.0.0.1",
            port=self.port,
            database="postgres",
        ).render_as_string(hide_password=False)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
