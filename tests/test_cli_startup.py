"""`policytag --help` answers at once: the CLI module loads no scikit-learn (or other heavy library) up front."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("sklearn", "numpy", "scipy", "joblib", "jieba", "matplotlib", "training.learning.train",
         "training.ops.registry", "training.data.store")


def test_importing_the_cli_loads_no_heavy_library():
    code = ("import json, sys, service.cli; "
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []


def test_help_of_every_command_loads_no_heavy_library():
    code = ("import json, sys\nfrom click.testing import CliRunner\nfrom service.cli import main\n"
            "for args in (['--help'], ['tag', '--help'], ['train', '--help'], ['eval', '--help']):\n"
            "    assert CliRunner().invoke(main, args).exit_code == 0\n"
            f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
