"""One JSON error shape for every error: {"ok": false, "error": message, "status": code}."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from model.errors import ArtifactError, PolicytagError
from training.errors import RegistryError, SeedsNotFound, StoreBusyError, StoreError, TaxonomyError

log = logging.getLogger("policytag")

_MESSAGES = {
    404: "no such endpoint; see GET /v1/openapi.json for the routes",
    405: "method not allowed on this endpoint; see GET /v1/openapi.json",
}


class ApiError(PolicytagError):
    """An error to send to the client as JSON with `status`."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems


def error_response(status: int, message: str, problems: list[str] | None = None) -> tuple[Response, int]:
    body: dict[str, object] = {"ok": False, "error": message, "status": status}
    if problems:
        body["problems"] = problems  # every bad item of a rejected batch
    return jsonify(body), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.message, exc.problems)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        if status == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            message = (f"request body is over the {limit}-byte limit; send fewer or shorter texts per request "
                       "(or raise POLICYTAG_MAX_CONTENT_LENGTH)")
        else:
            message = _MESSAGES.get(status, exc.description or exc.name)
        response, status = error_response(status, message)
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response, status

    @app.errorhandler(StoreBusyError)
    def _busy(exc: StoreBusyError) -> tuple[Response, int]:
        return error_response(503, f"{exc}; try again in a moment")

    @app.errorhandler(ArtifactError)
    @app.errorhandler(RegistryError)
    @app.errorhandler(SeedsNotFound)
    @app.errorhandler(StoreError)
    @app.errorhandler(TaxonomyError)
    def _data(exc: Exception) -> tuple[Response, int]:
        # The server's own files (taxonomy, store, models) are broken or missing: say which and how to fix.
        log.error("data directory problem: %s", exc)
        return error_response(503, f"the server's data needs attention: {exc}")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")  # the trace goes to the server log, never to the client
        return error_response(500, "internal error; the server log has the details")
