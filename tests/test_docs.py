"""The README documents every CLI command and every setting (fails when one is added without docs)."""
from __future__ import annotations

import click

from service.app import DEFAULTS
from service.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "policytag") -> list[str]:
    found = []
    for name, command in group.commands.items():
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


def test_every_cli_command_is_documented():
    missing = [c for c in commands(main) if c not in README]
    # `policytag examples list|stats|export` documents its three subcommands in one row.
    missing = [c for c in missing if not (c.startswith("policytag examples ") and c.split()[-1] in README)]
    assert not missing


def test_every_setting_is_documented():
    settings = [f"POLICYTAG_{key}" for key in DEFAULTS]
    assert [s for s in settings if s not in README] == []
