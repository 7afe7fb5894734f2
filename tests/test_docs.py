"""The README documents every CLI command, every option of every command and every POLICYTAG_* setting
(each test fails when one is added without docs)."""
from __future__ import annotations

import re

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


def leaf_options(group: click.Group, prefix: str = "") -> list[tuple[str, str]]:
    """(command path without "policytag", long option) for every option of every command."""
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            found += leaf_options(command, path)
            continue
        found += [(path, opt) for param in command.params if isinstance(param, click.Option)
                  for opt in param.opts if opt.startswith("--")]
    return found


def table_rows(text: str) -> list[list[str]]:
    """Cells of every markdown table row (escaped pipes stay inside their cell)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))])
    return rows


def documented_options(text: str) -> dict[str, set[str]]:
    """option -> commands, from the README's options table (first cell options, second cell commands)."""
    found: dict[str, set[str]] = {}
    for cells in table_rows(text):
        if len(cells) >= 2 and cells[0].startswith("`-"):
            for opt in re.findall(r"--[a-z][a-z-]*", cells[0]):
                found.setdefault(opt, set()).update(c.strip() for c in cells[1].split(","))
    return found


def documented_settings(text: str) -> set[str]:
    """The variables named in the first cell of a table row (the Configuration table)."""
    found = (re.fullmatch(r"`(POLICYTAG_[A-Z_]+)`", cells[0]) for cells in table_rows(text) if cells)
    return {m.group(1) for m in found if m}


def test_every_cli_command_is_documented():
    missing = [c for c in commands(main) if c not in README]
    # `policytag examples list|stats|export` documents its three subcommands in one row.
    missing = [c for c in missing if not (c.startswith("policytag examples ") and c.split()[-1] in README)]
    assert not missing


def test_every_option_of_every_command_is_in_the_options_table():
    table = documented_options(README)
    missing = [f"policytag {cmd} {opt}" for cmd, opt in leaf_options(main) if cmd not in table.get(opt, set())]
    assert missing == []


def test_every_setting_is_in_the_configuration_table():
    in_code = {f"POLICYTAG_{key}" for key in DEFAULTS}
    for package in ("model", "training", "service"):
        for module in (ROOT / package).rglob("*.py"):
            in_code |= set(re.findall(r"POLICYTAG_[A-Z][A-Z_]*[A-Z]", module.read_text(encoding="utf-8")))
    assert sorted(in_code - documented_settings(README)) == []


def test_the_doc_checks_can_fail():
    shortened = README.replace("| `--worst N` | eval |", "| `--worst N` | tag |").replace("`POLICYTAG_TOKENIZER`", "")
    assert "eval" not in documented_options(shortened)["--worst"]
    assert "POLICYTAG_TOKENIZER" not in documented_settings(shortened)
