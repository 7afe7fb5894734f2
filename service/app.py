"""The Flask application factory."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from service.errors import register_error_handlers
from service.holder import ModelHolder
from training.paths import data_home
from training.registry import Registry

DEFAULTS: dict[str, Any] = {
    "HOME": None,  # data directory; None: $POLICYTAG_HOME or ./var
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,  # bytes per request body (413 above)
    "MAX_TEXT_CHARS": 100_000,  # characters per text
    "MAX_TEXTS": 1000,  # texts per request
    "RELOAD_CHECK_SECONDS": 1.0,  # how often a worker looks for a newly promoted model
    "SEEDS": None,  # seeds folder; None: $POLICYTAG_SEEDS or ./seeds
    "API_TOKEN": None,  # bearer token for write endpoints; None: writes are refused
    "READS_NEED_TOKEN": False,  # also require the token for tagging and reads  # how often a worker looks for a newly promoted model
    "JSON_AS_ASCII": False,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then POLICYTAG_* environment variables, then `test_config`."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("POLICYTAG")
    if test_config:
        app.config.from_mapping(test_config)
    app.json.ensure_ascii = False  # Chinese stays readable in responses
    app.json.sort_keys = False
    logging.getLogger("policytag").setLevel(logging.INFO)

    home = data_home(app.config["HOME"])
    app.config["HOME"] = str(home)
    app.extensions["policytag.model"] = ModelHolder(Registry(home), float(app.config["RELOAD_CHECK_SECONDS"]))

    if app.config["API_TOKEN"] is not None:
        app.config["API_TOKEN"] = str(app.config["API_TOKEN"])  # from_prefixed_env turns "123" into 123

    from service.admin import bp as admin
    from service.api import bp as api

    app.register_blueprint(api)
    app.register_blueprint(admin)
    register_error_handlers(app)
    return app
