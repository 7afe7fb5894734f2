"""`policytag --help` answers at once: the CLI module loads no scikit-learn (or other heavy library) up front."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

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


@pytest.mark.slow  # a fresh interpreter that loads a model and tags (the two checks above start only the CLI)
def test_tagging_with_a_saved_model_loads_no_scikit_learn(trained_home):
    # Importing scikit-learn took ~0.85 s of every `policytag tag` and of each server worker's start; a fitted
    # model holds numpy arrays only, so loading it and tagging need none of it (training still does).
    code = ("import json, sys\nfrom pathlib import Path\nfrom model.artifact import load_artifact\n"
            "from model.tagging import tag_document\nfrom training.ops.registry import Registry\n"
            f"tagger, _ = Registry(Path({str(trained_home)!r})).load()\n"
            "document, paragraphs, _ = tag_document(tagger, '加快关键核心技术攻关，推动科技成果转化。')\n"
            "print(json.dumps({'tags': [d for d, _ in document.tags], "
            "'sklearn': sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn')}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    assert result["tags"] == ["innovation"] and result["sklearn"] == []
