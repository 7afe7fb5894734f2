"""Settings from the environment are checked, with errors that name the variable."""
from __future__ import annotations

import os
import sys

import pytest

from service.app import ConfigError, create_app
from service.cli import main


@pytest.mark.parametrize("name, value, needle", [
    ("POLICYTAG_MAX_CONTENT_LENGTH", "2MB", "POLICYTAG_MAX_CONTENT_LENGTH must be a positive whole number"),
    ("POLICYTAG_MAX_TEXTS", "0", "POLICYTAG_MAX_TEXTS"),
    ("POLICYTAG_RELOAD_CHECK_SECONDS", "abc", "POLICYTAG_RELOAD_CHECK_SECONDS"),
    ("POLICYTAG_READS_NEED_TOKEN", "maybe", "true or false"),
    ("POLICYTAG_ACCESS_LOG", "verbose", "POLICYTAG_ACCESS_LOG must be true or false"),
])
def test_bad_settings_are_refused_by_name(monkeypatch, tmp_path, name, value, needle):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=needle):
        create_app({"HOME": str(tmp_path)})


def test_settings_are_read_as_text(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYTAG_API_TOKEN", "1e3")
    monkeypatch.setenv("POLICYTAG_READS_NEED_TOKEN", "no")
    monkeypatch.setenv("POLICYTAG_MAX_TEXTS", "5")
    app = create_app({"HOME": str(tmp_path)})
    assert app.config["API_TOKEN"] == "1e3" and app.config["READS_NEED_TOKEN"] is False
    assert app.config["MAX_TEXTS"] == 5


def test_serve_refuses_bad_settings_before_starting(runner, monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYTAG_MAX_CONTENT_LENGTH", "lots")
    result = runner.invoke(main, ["serve", "--home", str(tmp_path)])
    assert result.exit_code == 1 and "POLICYTAG_MAX_CONTENT_LENGTH" in result.stderr


def test_serve_hands_its_seeds_and_home_to_the_workers(runner, monkeypatch, trained_home, tmp_path):
    import service.server
    from tests.live import free_port

    seen = {}
    # Workers get an explicit create_app mapping, never settings written into os.environ.
    monkeypatch.setattr(service.server, "run_server", lambda host, port, workers, config: seen.update(
        home=config["HOME"], seeds=config["SEEDS"], token=config["API_TOKEN"]))
    for name in ("POLICYTAG_HOME", "POLICYTAG_SEEDS", "POLICYTAG_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    seeds = tmp_path / "my-seeds"
    import shutil

    from tests.conftest import SEEDS
    shutil.copytree(SEEDS, seeds)
    result = runner.invoke(main, ["serve", "--home", str(trained_home), "--seeds", str(seeds),
                                  "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    assert seen["seeds"] == str(seeds) and seen["home"] == str(trained_home)
    assert seen["token"] in result.stderr  # the generated token is shown once
    assert "POLICYTAG_API_TOKEN" not in os.environ and "POLICYTAG_SEEDS" not in os.environ


def test_gunicorn_spreads_connections_and_logs_requests_only_when_asked(monkeypatch):
    from service.app import resolve_settings
    from service.gunicorn_conf import gunicorn_options

    monkeypatch.delenv("POLICYTAG_ACCESS_LOG", raising=False)
    options = gunicorn_options("127.0.0.1", 8000, 2, resolve_settings())
    assert options["reuse_port"] is sys.platform.startswith("linux") and options["accesslog"] is None
    monkeypatch.setenv("POLICYTAG_ACCESS_LOG", "yes")
    assert gunicorn_options("127.0.0.1", 8000, 2, resolve_settings())["accesslog"] == "-"
