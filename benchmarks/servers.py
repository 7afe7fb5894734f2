"""The HTTP servers the benchmarks compare, each started on 127.0.0.1 over the same data directory.

- `branch`: `policytag serve` from this checkout (gunicorn + service/http_worker.py);
- `today`: `policytag serve` from another commit (`--baseline-ref`, default main), exported with `git archive`;
- `ref:COMMIT`: the same for any other commit (e.g. `ref:main` beside `today` at an older one; the caller
  exports it with `export_ref` and passes the tree);
- `granian-wsgi`, `granian-rsgi`: the same app under granian (benchmarks/http_servers.py).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
KINDS = ("today", "branch", "granian-wsgi", "granian-rsgi")
TOKEN = "benchmark-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def export_ref(ref: str, into: Path) -> Path:
    """The tree of commit `ref` in a folder under `into` (to run the server as it was there)."""
    target = into / f"ref-{ref.replace('/', '_')}"
    if target.exists():
        return target
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref], capture_output=True,
                             check=True).stdout
    tar_path = into / "ref.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(target, filter="data")
    tar_path.unlink()
    return target


def command(kind: str, port: int, workers: int, tree: Path | None) -> tuple[list[str], Path]:
    """(argv, working folder) that serve the app as `kind`."""
    if kind in ("branch", "today") or kind.startswith("ref:"):
        return ([sys.executable, "-m", "service.cli", "serve", "--host", HOST, "--port", str(port),
                 "--workers", str(workers)], tree if kind != "branch" and tree else ROOT)
    if kind in ("granian-wsgi", "granian-rsgi"):
        return ([sys.executable, str(ROOT / "benchmarks" / "http_servers.py"), kind, "--port", str(port),
                 "--workers", str(workers)], ROOT)
    raise SystemExit(f"unknown server {kind!r}; choose from {', '.join(KINDS)}")


def start(kind: str, home: Path, workers: int, log: Path, tree: Path | None = None,
          env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """Start `kind` serving `home`; (process, port) once /v1/health says ready (SystemExit after 120 s)."""
    port = free_port()
    argv, cwd = command(kind, port, workers, tree)
    full_env = {**os.environ, "POLICYTAG_HOME": str(home), "POLICYTAG_API_TOKEN": TOKEN,
                "PYTHONPATH": os.pathsep.join([str(cwd), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    process = subprocess.Popen(argv, cwd=cwd, env=full_env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{kind}: the server exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as sock:
                sock.sendall(f"GET /v1/health HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode())
                if b'"ready":true' in sock.recv(4096):
                    return process, port
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{kind}: the server did not become ready in 120 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def worker_pids(process: subprocess.Popen) -> list[int]:
    """The server's worker processes (Linux /proc; the process itself when it has no children)."""
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        return [int(p) for p in children] or [process.pid]
    except OSError:
        return [process.pid]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def scratch() -> Path:
    """A temporary folder removed at exit by the caller (shutil.rmtree)."""
    return Path(tempfile.mkdtemp(prefix="policytag-bench-"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
