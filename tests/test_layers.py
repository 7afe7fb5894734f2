"""The import direction model <- training <- service, checked on the source of every module."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "model": {"training", "service", "flask", "click"},
    "training": {"service", "flask"},
    "service": set(),
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream_layers(package):
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules
    for module in modules:
        bad = imported_roots(module) & FORBIDDEN[package]
        assert not bad, f"{module.relative_to(ROOT)} imports {sorted(bad)}"


def test_model_needs_no_sql():
    for module in list((ROOT / "model").glob("*.py")) + [p for p in (ROOT / "training").rglob("*.py")
                                                         if p.name != "store.py"]:
        assert "sqlite3" not in imported_roots(module), f"{module.name}: only training/data/store.py speaks SQL"
