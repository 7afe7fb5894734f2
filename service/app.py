"""The Flask application factory."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from model.errors import PolicytagError
from service.context import EXTENSION, MODEL_EXTENSION
from service.errors import register_error_handlers
from service.fastpath import install as install_fast_path
from service.headers import register_security_headers
from service.holder import ModelHolder
from service.hosts import register_host_check
from training.workspace import Workspace

DEFAULTS: dict[str, Any] = {
    "HOME": None,  # data directory; None: $POLICYTAG_HOME or ./var
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # bytes per request body (413 above)
    "MAX_TEXT_CHARS": 100_000,  # characters per text
    "MAX_TEXTS": 1000,  # texts per request
    "RELOAD_CHECK_SECONDS": 1.0,  # how often a worker looks for a newly promoted model
    "STORE_TIMEOUT_SECONDS": 5.0,  # how long a label write waits for another writer before 503 + Retry-After
    "SEEDS": None,  # seeds folder; None: $POLICYTAG_SEEDS or ./seeds
    "DATABASE_URL": None,  # postgresql://... shared by several hosts; None: local files in HOME
    "API_TOKEN": None,  # bearer token for write endpoints; None: writes are refused
    "READS_NEED_TOKEN": False,  # also require the token for tagging and reads
    "LABELLED_READS_NEED_TOKEN": True,  # the token for reads that show labelled data (review, audit, pool, jobs)
    "ALLOWED_HOSTS": None,  # Host/Origin names answered; None: localhost, 127.0.0.1, ::1 and the bind address
    "BIND_HOST": None,  # the address `policytag serve` listens on (set by serve)
    # The cost budget of one request: totals after splitting texts into paragraphs.
    "MAX_PARAGRAPHS": 5000,  # paragraphs per request, all texts together (413 above)
    "MAX_TOTAL_CHARS": 500_000,  # characters per request, all texts together (413 above)
    "MAX_EXPLAIN_PARAGRAPHS": 200,  # paragraphs per request with "explain": true (413 above)
    "REQUEST_TIMEOUT_SECONDS": 10.0,  # tagging work per request; 503 when it runs out
    "DOCUMENT_READ_SECONDS": 1.5,  # reading one uploaded document (413 after; the CLI allows 120 s)
    # The HTTP server (`policytag serve`); the app itself ignores these.
    "THREADS": 8,  # threads per worker process (they only ever see fully received requests)
    "READ_TIMEOUT_SECONDS": 10.0,  # a client must send its whole request within this (408 after)
    "KEEPALIVE_SECONDS": 5.0,  # an idle kept-alive connection is closed after this
    "CONNECTIONS_PER_CLIENT": 64,  # open connections one client address may hold in each worker (429 beyond)
    "ACCESS_LOG": False,  # one line per request on the server's output (off: it costs requests per second)
}


class ConfigError(PolicytagError, ValueError):
    """A setting has a value the service cannot use."""


_POSITIVE_INTS = ("MAX_CONTENT_LENGTH", "MAX_TEXT_CHARS", "MAX_TEXTS", "MAX_PARAGRAPHS", "MAX_TOTAL_CHARS",
                  "MAX_EXPLAIN_PARAGRAPHS", "THREADS", "CONNECTIONS_PER_CLIENT")
_POSITIVE_SECONDS = ("REQUEST_TIMEOUT_SECONDS", "READ_TIMEOUT_SECONDS", "KEEPALIVE_SECONDS", "DOCUMENT_READ_SECONDS")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def _settings_from_env() -> dict[str, Any]:
    """POLICYTAG_* variables as raw strings (Flask's JSON parsing would turn a token "1e3" into 1000.0)."""
    prefix = "POLICYTAG_"
    return {k[len(prefix):]: v for k, v in os.environ.items() if k.startswith(prefix) and k[len(prefix):] in DEFAULTS}


def _validated(config: dict[str, Any]) -> dict[str, Any]:
    """Convert and check every setting; errors name the variable and what it accepts."""
    out = dict(config)
    for key in _POSITIVE_INTS:
        try:
            out[key] = int(str(config[key]).replace("_", ""))
            assert out[key] > 0
        except (ValueError, AssertionError):
            raise ConfigError(f"POLICYTAG_{key} must be a positive whole number, got {config[key]!r}") from None
    for key in ("RELOAD_CHECK_SECONDS", "STORE_TIMEOUT_SECONDS"):
        try:
            out[key] = float(config[key])
            assert 0 <= out[key] < float("inf")
        except (ValueError, AssertionError):
            raise ConfigError(f"POLICYTAG_{key} must be a number of seconds >= 0, got {config[key]!r}") from None
    for key in _POSITIVE_SECONDS:
        try:
            out[key] = float(config[key])
            assert 0 < out[key] < float("inf")
        except (ValueError, AssertionError):
            raise ConfigError(f"POLICYTAG_{key} must be a number of seconds > 0, got {config[key]!r}") from None
    for key in ("READS_NEED_TOKEN", "LABELLED_READS_NEED_TOKEN", "ACCESS_LOG"):
        value = config[key]
        if not isinstance(value, bool):
            if str(value).strip().lower() not in _TRUE | _FALSE:
                raise ConfigError(f"POLICYTAG_{key} must be true or false, got {value!r}")
            out[key] = str(value).strip().lower() in _TRUE
    if config["DATABASE_URL"] is not None:
        from training.errors import StoreError
        from training.workspace import database_url

        try:
            out["DATABASE_URL"] = database_url(str(config["DATABASE_URL"]))
        except StoreError as exc:
            raise ConfigError(str(exc)) from None
    if config["API_TOKEN"] is not None:
        out["API_TOKEN"] = str(config["API_TOKEN"]).strip() or None
    return out


def check_environment() -> None:
    """Validate the POLICYTAG_* settings up front (so `serve` fails with one clear line, not in each worker)."""
    _validated({**DEFAULTS, **_settings_from_env()})


def resolve_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then POLICYTAG_* variables, then `overrides`, converted and checked (what create_app uses).

    Raises ConfigError when a setting cannot be used.
    """
    return _validated({**DEFAULTS, **_settings_from_env(), **(overrides or {})})


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then POLICYTAG_* environment variables, then `test_config`.

    Raises ConfigError when a setting cannot be used.
    """
    app = Flask(__name__)
    app.config.from_mapping(resolve_settings(test_config))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in responses
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("policytag").setLevel(logging.INFO)

    workspace = Workspace(app.config["HOME"], app.config["SEEDS"], store_timeout=app.config["STORE_TIMEOUT_SECONDS"],
                          database=app.config["DATABASE_URL"])
    app.config["HOME"] = str(workspace.home)
    app.extensions[EXTENSION] = workspace
    # With a shared database, hot reload is checked from a thread of its own: tagging never waits on it.
    app.extensions[MODEL_EXTENSION] = ModelHolder(workspace.registry, float(app.config["RELOAD_CHECK_SECONDS"]),
                                                    in_background=workspace.database is not None)

    from service.admin import bp as admin
    from service.api import bp as api
    from service.page import bp as page

    app.register_blueprint(api)
    app.register_blueprint(admin)
    app.register_blueprint(page)
    _register_curation(app)
    register_error_handlers(app)
    register_security_headers(app)
    register_host_check(app)
    install_fast_path(app)
    return app


def _register_curation(app: Flask) -> None:
    """The review pool, review queue, label audit, document upload and report routes."""
    from service.curation_api import bp as curation
    from service.report_api import bp as report
    from service.upload_api import bp as upload

    app.register_blueprint(curation)
    app.register_blueprint(upload)
    app.register_blueprint(report)
