"""The Flask application factory."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from model.errors import PolicytagError
from service.context import EXTENSION
from service.errors import register_error_handlers
from service.holder import ModelHolder
from training.workspace import Workspace

DEFAULTS: dict[str, Any] = {
    "HOME": None,  # data directory; None: $POLICYTAG_HOME or ./var
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # bytes per request body (413 above)
    "MAX_TEXT_CHARS": 100_000,  # characters per text
    "MAX_TEXTS": 1000,  # texts per request
    "RELOAD_CHECK_SECONDS": 1.0,  # how often a worker looks for a newly promoted model
    "SEEDS": None,  # seeds folder; None: $POLICYTAG_SEEDS or ./seeds
    "API_TOKEN": None,  # bearer token for write endpoints; None: writes are refused
    "READS_NEED_TOKEN": False,  # also require the token for tagging and reads
}


class ConfigError(PolicytagError, ValueError):
    """A setting has a value the service cannot use."""


_POSITIVE_INTS = ("MAX_CONTENT_LENGTH", "MAX_TEXT_CHARS", "MAX_TEXTS")
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
    try:
        out["RELOAD_CHECK_SECONDS"] = float(config["RELOAD_CHECK_SECONDS"])
        assert out["RELOAD_CHECK_SECONDS"] >= 0
    except (ValueError, AssertionError):
        raise ConfigError(f"POLICYTAG_RELOAD_CHECK_SECONDS must be a number of seconds >= 0, "
                          f"got {config['RELOAD_CHECK_SECONDS']!r}") from None
    reads = config["READS_NEED_TOKEN"]
    if not isinstance(reads, bool):
        if str(reads).strip().lower() not in _TRUE | _FALSE:
            raise ConfigError(f"POLICYTAG_READS_NEED_TOKEN must be true or false, got {reads!r}")
        out["READS_NEED_TOKEN"] = str(reads).strip().lower() in _TRUE
    if config["API_TOKEN"] is not None:
        out["API_TOKEN"] = str(config["API_TOKEN"]).strip() or None
    return out


def check_environment() -> None:
    """Validate the POLICYTAG_* settings up front (so `serve` fails with one clear line, not in each worker)."""
    _validated({**DEFAULTS, **_settings_from_env()})


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then POLICYTAG_* environment variables, then `test_config`.

    Raises ConfigError when a setting cannot be used.
    """
    app = Flask(__name__)
    settings = {**DEFAULTS, **_settings_from_env(), **(test_config or {})}
    app.config.from_mapping(_validated(settings))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in responses
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("policytag").setLevel(logging.INFO)

    workspace = Workspace(app.config["HOME"], app.config["SEEDS"])
    app.config["HOME"] = str(workspace.home)
    app.extensions[EXTENSION] = workspace
    app.extensions["policytag.model"] = ModelHolder(workspace.registry, float(app.config["RELOAD_CHECK_SECONDS"]))

    from service.admin import bp as admin
    from service.api import bp as api

    app.register_blueprint(api)
    app.register_blueprint(admin)
    register_error_handlers(app)
    return app
