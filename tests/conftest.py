"""Shared fixtures: a model trained once from the repository's seeds, the Flask app, client and CLI runner."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.app import create_app
from tests.pg_cluster import Cluster
from training.learning.run import run_training

SCREENSHOTS = pytest.StashKey[Path]()  # where the browser tests saved this run's screenshots
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_DOC = SEEDS / "theory_page_innovation_rural_consumption.md"


@pytest.fixture(scope="session")
def trained_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory holding the default model trained from seeds/ (trained once per test run)."""
    home = tmp_path_factory.mktemp("home")
    run_training(home, SEEDS, cv=0)
    return home


@pytest.fixture()
def home(trained_home: Path, tmp_path: Path) -> Path:
    """A private copy of the trained data directory that a test may change."""
    copy = tmp_path / "home"
    shutil.copytree(trained_home, copy)
    return copy


@pytest.fixture()
def app(home: Path):
    return create_app({"TESTING": True, "HOME": str(home)})


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for the session (skips, saying why, where none can start)."""
    cluster = Cluster()
    reason = cluster.unavailable()
    if reason:
        pytest.skip(f"no PostgreSQL for this test: {reason}")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture()
def database_url(pg_cluster: Cluster) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return pg_cluster.database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, once per backend: a SQLite file in a new folder, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "nested" / "dir" / "examples.db")
    return str(request.getfixturevalue("database_url"))


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if SCREENSHOTS in config.stash:
        terminalreporter.write_line(f"page screenshots: {config.stash[SCREENSHOTS]}")
