"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temporary folder, on 127.0.0.1.

initdb refuses to run as root (the tests and CI run as root), so the cluster belongs to an unprivileged
account (`postgres` where Debian's package made one, else `nobody`) and every command runs through
`runuser`. `Cluster.unavailable()` says why a cluster cannot start here (the tests skip with that reason).
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.waiting import wait_until

USER = "policytag"  # the database role the tests connect as (trust authentication on 127.0.0.1 only)


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _account() -> str | None:
    import pwd

    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Cluster:
    """One PostgreSQL server for a test session; `database()` makes a fresh, empty database."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.account = _account()
        self.dir: Path | None = None
        self.port = 0

    def unavailable(self) -> str | None:
        """Why no cluster can be started here, or None."""
        try:
            import psycopg  # noqa: F401
            import psycopg_pool  # noqa: F401
        except ImportError:
            return "psycopg is not installed (pip install -e '.[postgres]')"
        if self.bin is None:
            return "PostgreSQL's initdb is not installed (apt-get install postgresql)"
        if os.geteuid() == 0 and (self.account is None or shutil.which("runuser") is None):
            return "running as root without an unprivileged account and runuser to own the cluster"
        return None

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if os.geteuid() == 0:
            assert self.account is not None
            command = ["runuser", "-u", self.account, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)

    def start(self) -> None:
        assert self.bin is not None
        self.dir = Path(tempfile.mkdtemp(prefix="policytag-pg-"))
        os.chmod(self.dir, 0o755)
        data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, self.account, None)
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        self.port = _free_port()
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-o", options, "-w",
                  "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`immediate`: as if it crashed); the data stays for `resume()`."""
        assert self.bin is not None and self.dir is not None
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w", "stop", check=False)

    def resume(self) -> None:
        """Start the stopped server again on the same port."""
        assert self.bin is not None and self.dir is not None
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")

        def start() -> bool:
            started = self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l",
                                str(self.dir / "log"), "-o", options, "-w", "-t", "60", "start", check=False)
            return started.returncode == 0

        # Retried: the port may linger for a moment after an immediate stop.
        wait_until(start, 30, interval=0.5, what="PostgreSQL starting again")

    def remove(self) -> None:
        if self.dir is not None:
            self.stop("immediate")
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """A started throwaway cluster, removed afterwards; skips the test, saying why, where none can start."""
    import pytest

    cluster = Cluster()
    reason = cluster.unavailable()
    if reason:
        pytest.skip(f"no PostgreSQL for this test: {reason}")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()
