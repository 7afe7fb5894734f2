"""schemathesis against a live `policytag serve`, on the app's own OpenAPI description, with the token.

Every route, a few hundred generated requests per operation (valid and invalid), bounded in time. It must
find no server error and no disagreement between the description and the server (status codes, response
schemas and headers, valid data accepted, invalid data rejected). POLICYTAG_FUZZ_EXAMPLES and
POLICYTAG_FUZZ_SEED change the size and the seed of the run.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SEEDS
from tests.live import live_server

pytest.importorskip("schemathesis")

TOKEN = "fuzz-token-1"
CONFIG = Path(__file__).with_name("schemathesis.toml")


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_disagreement(trained_home: Path, tmp_path: Path):
    home = tmp_path / "home"
    shutil.copytree(trained_home, home)
    examples = os.environ.get("POLICYTAG_FUZZ_EXAMPLES", "200")
    seed = os.environ.get("POLICYTAG_FUZZ_SEED", "20261127")
    report = tmp_path / "schemathesis.txt"
    with live_server(home, SEEDS, token=TOKEN) as base:
        with open(report, "w", encoding="utf-8") as out:
            done = subprocess.run(
                [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "--no-color", "run",
                 f"{base}/v1/openapi.json", "--header", f"Authorization: Bearer {TOKEN}",
                 "--max-examples", examples, "--seed", seed, "--workers", "2", "--request-timeout", "60",
                 "--output-truncate", "true", "--generation-database", "none"],
                stdout=out, stderr=subprocess.STDOUT, cwd=tmp_path, timeout=900)
        server_log = "".join(p.read_text(encoding="utf-8") for p in home.parent.glob("server-*.log"))
    text = report.read_text(encoding="utf-8")
    summary = text[text.find("=== SUMMARY") - 1:] if "=== SUMMARY" in text else text[-3000:]
    generated = re.search(r"(\d+) generated", text)
    print(f"schemathesis: {generated.group(0) if generated else '?'} test cases, exit code {done.returncode}")
    assert done.returncode == 0, text[-6000:]
    assert "Operations:" in text and "10 selected / 10 total" in text, summary  # every route was fuzzed
    assert not re.search(r'" 5\d\d ', server_log), "the server answered 5xx"
