"""The import direction model <- training <- service, checked on the source of every module."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "model": {"training", "service", "flask", "click"},
    "training": {"service", "flask", "click"},
    "service": set(),
}
# service/ reaches training/ only through its front door and its exception classes.
SERVICE_MAY_IMPORT = {"training.workspace", "training.errors"}


@functools.cache  # several tests read every module of the tree
def imports(path: Path) -> frozenset[str]:
    """Every absolute module name `path` imports (also inside functions and TYPE_CHECKING blocks)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return frozenset(found)


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imports(path)}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downstream_layers(package):
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules
    for module in modules:
        bad = imported_roots(module) & FORBIDDEN[package]
        assert not bad, f"{module.relative_to(ROOT)} imports {sorted(bad)}"


def test_service_uses_training_only_through_the_workspace():
    for module in sorted((ROOT / "service").rglob("*.py")):
        reached = {name for name in imports(module) if name.split(".")[0] == "training"}
        assert reached <= SERVICE_MAY_IMPORT, (
            f"{module.relative_to(ROOT)} imports {sorted(reached - SERVICE_MAY_IMPORT)}; "
            "go through training.workspace.Workspace")


def test_the_checks_can_fail(tmp_path):
    # A module that breaks both rules must be caught by the helpers the tests above rely on.
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom training.ops.registry import Registry\n", encoding="utf-8")
    assert "flask" in imported_roots(bad) & FORBIDDEN["training"]
    assert "training.ops.registry" in imports(bad) - SERVICE_MAY_IMPORT


def test_each_database_driver_has_one_module():
    drivers = {"sqlite3": "training/data/sqlite.py", "psycopg": "training/ops/database.py",
               "psycopg_pool": "training/ops/database.py"}
    for module in list((ROOT / "model").rglob("*.py")) + list((ROOT / "training").rglob("*.py")) + list(
            (ROOT / "service").rglob("*.py")):
        for driver in imported_roots(module) & set(drivers):
            assert module.relative_to(ROOT).as_posix() == drivers[driver], (
                f"{module.relative_to(ROOT)} imports {driver}; only {drivers[driver]} may")
