"""A real `policytag serve` process on 127.0.0.1 for tests that need one."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.waiting import wait_until

# The server process behind each base URL yielded by `live_server`, while it runs (for tests that look at its
# worker processes).
PROCESSES: dict[str, subprocess.Popen] = {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, body: object | None = None, token: str | None = None, method: str | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method=method or ("POST" if data else "GET"))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@contextmanager
def live_server(home: Path, seeds: Path, token: str | None = None, workers: int = 2,
                env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `policytag serve` (training a model first if `home` has none); yields the base URL.

    `env` adds or overrides environment variables of the server process (e.g. POLICYTAG_* settings)."""
    port = free_port()
    env = {**os.environ, "POLICYTAG_HOME": str(home), "POLICYTAG_SEEDS": str(seeds),
           "POLICYTAG_RELOAD_CHECK_SECONDS": "0.5", **(env or {})}
    if token:
        env["POLICYTAG_API_TOKEN"] = token
    # A file, not a pipe: nobody reads a pipe while the test runs, and a full one blocks the access log.
    log_path = Path(home).parent / f"server-{port}.log"
    log = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log_path.read_text(encoding='utf-8')[-3000:]}")
        try:
            return bool(call(f"{base}/v1/health")[1].get("ready"))
        except OSError:
            return False

    try:
        wait_until(ready, 120, interval=0.2, what=f"the server at {base} becoming ready")
        PROCESSES[base] = process
        yield base
    finally:
        PROCESSES.pop(base, None)
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def raw_exchange(base: str, data: bytes, timeout: float = 10.0) -> tuple[int, dict, float]:
    """Send raw bytes to the server, read the answer: (status, JSON body, seconds until it arrived)."""
    host, port = base.rsplit("/", 1)[-1].split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except OSError:  # the server may answer (and stop reading) before all of it is sent
            pass
        answer = b""
        while True:
            try:
                piece = sock.recv(65536)
            except ConnectionResetError:
                break
            if not piece:
                break
            answer += piece
    elapsed = time.monotonic() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body), elapsed
