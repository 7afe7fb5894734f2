"""`policytag serve` for real: a production server on 127.0.0.1 that trains a model on first run."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SEEDS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture()
def server(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "POLICYTAG_HOME": str(tmp_path / "home"), "POLICYTAG_SEEDS": str(SEEDS)}
    process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--workers", "2"],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stdout.read()}")
        try:
            if call(f"{base}/v1/health")[1].get("ready"):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not become ready in 120 s")
    yield base, tmp_path / "home"
    process.terminate()
    process.wait(timeout=30)


def test_serve_trains_a_default_model_then_tags_over_http(server):
    base, home = server
    assert (home / "models" / "v1" / "manifest.json").is_file()
    status, body = call(f"{base}/v1/tag", {"text": "加快关键核心技术攻关，推动科技成果转化。"})
    assert status == 200 and body["results"][0]["tags"][0]["domain"] == "innovation"
    status, body = call(f"{base}/v1/tag", {"text": ""})
    assert status == 400 and body["ok"] is False
    status, body = call(f"{base}/v1/nowhere")
    assert status == 404 and body["status"] == 404
