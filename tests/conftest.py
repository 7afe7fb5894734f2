"""Shared fixtures: a model trained once from the repository's seeds (and its label audit cross-validated once),
the Flask app, client and CLI runner, a PostgreSQL server, and for the browser tests one chromium, the app on a local port, a fresh tab on the page and the screenshot folder."""
from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from service.app import create_app
from tests.pg_cluster import Cluster, running_cluster

SCREENSHOTS = pytest.StashKey[Path]()  # where the browser tests saved this run's screenshots
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the browser tests never download one
TOKEN = "page-test-token"  # the API token of the browser tests' server
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_DOC = SEEDS / "theory_page_innovation_rural_consumption.md"


@dataclass(frozen=True)
class Trained:
    home: Path  # a data directory holding the default model trained from seeds/
    result: Result  # what `policytag train --cv 0` printed while training it


@pytest.fixture(scope="session")
def first_training(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """The default model, trained once per test run by `policytag train --cv 0` (tests/test_cli.py checks what the
    command printed and saved; every other test starts from its data directory)."""
    from service.cli import main

    home = tmp_path_factory.mktemp("trained") / "home"
    result = CliRunner().invoke(main, ["train", "--home", str(home), "--seeds", str(SEEDS), "--cv", "0"])
    assert result.exit_code == 0, result.output
    return Trained(home, result)


@pytest.fixture(scope="session")
def trained_home(first_training: Trained) -> Path:
    """A data directory holding the default model trained from seeds/ (trained once per test run)."""
    return first_training.home


@pytest.fixture()
def home(trained_home: Path, tmp_path: Path) -> Path:
    """A private copy of the trained data directory that a test may change."""
    copy = tmp_path / "home"
    shutil.copytree(trained_home, copy)
    return copy


@dataclass(frozen=True)
class Audited:
    home: Path  # trained_home after one `policytag audit`: its held-out scores are cached in home/audit/
    first_run: Result  # what that first `policytag audit --json` printed


@pytest.fixture(scope="session")
def audited(trained_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Audited:
    """The default model's data directory after one `policytag audit --json`: a --cv 0 model keeps no held-out
    scores, so that first audit cross-validates the labelled paragraphs (seconds) and caches the result; tests of
    what the audit answers start from a copy (`audited_home`) instead of each cross-validating again."""
    from service.cli import main

    home = tmp_path_factory.mktemp("audited") / "home"
    shutil.copytree(trained_home, home)
    result = CliRunner().invoke(main, ["audit", "--n", "50", "--json", "--home", str(home), "--seeds", str(SEEDS)])
    assert result.exit_code == 0, result.output
    return Audited(home, result)


@pytest.fixture()
def audited_home(audited: Audited, tmp_path: Path) -> Path:
    """A private copy of `audited.home` that a test may change."""
    copy = tmp_path / "home"
    shutil.copytree(audited.home, copy)
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
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture()
def database_url(pg_cluster: Cluster) -> str:
    """The URL of a new, empty PostgreSQL database."""
    return pg_cluster.database()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, once per backend: a SQLite file in a new folder, or a new PostgreSQL database (slow:
    a throwaway server starts once per run and each test creates a database)."""
    if request.param == "sqlite":
        return str(tmp_path / "nested" / "dir" / "examples.db")
    return str(request.getfixturevalue("database_url"))


@pytest.fixture(scope="session")
def browser():
    """One chromium for every browser test of the run (tests/test_page_browser.py, tests/test_corpus_browser.py)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' installs playwright")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: $POLICYTAG_SCREENSHOTS, or a temporary folder."""
    folder = Path(os.environ.get("POLICYTAG_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[SCREENSHOTS] = folder  # the terminal summary below prints it
    return folder


@pytest.fixture()
def server(home: Path) -> Iterator[str]:
    """The app on 127.0.0.1 (a free port) in a thread, with a private data directory and a known token."""
    from werkzeug.serving import make_server

    app = create_app({"HOME": str(home), "SEEDS": str(SEEDS), "API_TOKEN": TOKEN, "RELOAD_CHECK_SECONDS": 0.2})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


@pytest.fixture()
def page(browser, server: str, shots: Path):
    """A fresh tab (own sessionStorage) on the page, ready; JS errors fail the test."""
    expect = pytest.importorskip("playwright.sync_api").expect
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.base = server
    tab.goto(server + "/")
    expect(tab.locator("body")).to_have_attribute("data-ready", "true")
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# A module marked slow as a whole: a module-level `pytestmark = pytest.mark.slow` (or a list starting with it).
_SLOW_MODULE = re.compile(r"^pytestmark = \[?\s*pytest\.mark\.slow\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With `-m "not slow"`, a module marked slow as a whole is not imported: every one of its tests would be
    deselected, and importing it (its libraries, pytest rewriting its asserts) would only cost the quick set time."""
    if config.getoption("markexpr") != "not slow" or collection_path.suffix != ".py":
        return None
    if not collection_path.name.startswith("test_"):
        return None
    return True if _SLOW_MODULE.search(collection_path.read_text(encoding="utf-8")) else None


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if SCREENSHOTS in config.stash:
        terminalreporter.write_line(f"page screenshots: {config.stash[SCREENSHOTS]}")
