"""benchmarks/hostile.py, the attacker's run (`--quick`) against `policytag serve`: every attack stays within its limits."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def test_every_attack_of_the_hostile_suite_stays_within_its_limits():
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "hostile.py"), "--quick", "--json",
                           "--servers", "branch"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    report = json.loads(done.stdout)
    attacks = report["servers"]["branch"]
    failed = {name: attack["problems"] for name, attack in attacks.items() if not attack["ok"]}
    assert failed == {} and done.returncode == 0, failed
    assert len(attacks) == 10  # every attack ran (the server never died on the way)
    assert attacks["uploads"]["files"]["bomb.docx"]["status"] == 413
    assert all(f["status"] == 400 for name, f in attacks["bad_files"]["files"].items() if name != "entities.docx")
