"""Project errors share one base class; only they are shown as one-line CLI errors, a bug keeps its traceback."""
from __future__ import annotations

import importlib

import click
import pytest

from model.errors import PolicytagError
from service.cli_common import user_errors
from tests.conftest import ROOT
from training.errors import ItemsRejected


def project_modules() -> list[str]:
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for package in ("model", "training", "service")
                  for p in (ROOT / package).rglob("*.py") if p.name != "__init__.py")


def test_every_project_exception_derives_from_the_base_class():
    classes = []
    for name in project_modules():
        module = importlib.import_module(name)
        classes += [obj for obj in vars(module).values()
                    if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == name]
    assert len(classes) >= 10
    assert [c.__qualname__ for c in classes if not issubclass(c, PolicytagError)] == []


def test_user_errors_are_the_projects_own_and_a_bug_keeps_its_traceback():
    @user_errors
    def broken() -> None:
        raise ValueError("a bug")

    @user_errors
    def refused() -> None:
        raise PolicytagError("unknown domain 'x'; known: rural")

    with pytest.raises(ValueError, match="a bug"):
        broken()
    with pytest.raises(click.ClickException, match="unknown domain 'x'"):
        refused()

    @user_errors
    def refused_by_training() -> None:
        raise ItemsRejected(["line 3: unknown domain 'x'"])

    with pytest.raises(click.ClickException, match="line 3: unknown domain 'x'"):
        refused_by_training()
