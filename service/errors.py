"""One JSON error shape for every error: {"ok": false, "error": message, "status": code}.

Storage problems get their own statuses, whichever backend holds the data (busy or unreachable: 503 with
Retry-After; read-only 503; full 507), and messages name files relative to the data directory unless the
caller holds the API token.
"""
from __future__ import annotations

import errno
import logging
import re
from pathlib import Path

from flask import Flask, Response, current_app, has_request_context, jsonify
from werkzeug.exceptions import HTTPException

from model.errors import ArtifactError, PolicytagError
from service.tokens import holds_token
from training.errors import (
    RegistryError,
    SeedsNotFound,
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailable,
    TaxonomyError,
)

log = logging.getLogger("policytag")

_MESSAGES = {
    404: "no such endpoint; see GET /v1/openapi.json for the routes",
    405: "method not allowed on this endpoint; see GET /v1/openapi.json",
}
RETRY_AFTER_SECONDS = 2  # a busy store is busy for seconds (an import, another labelling request, a restart)
READ_ONLY = "the data directory is read-only; make it writable (labels, domains, jobs and models are written there)"
NO_SPACE = "no space left on the data directory; free some space and retry"
# Any absolute path left after the data directory and the seeds folder were made relative (not our /v1/ routes).
_ABSOLUTE = re.compile(r"(?<![\w./-])/(?!v1/)(?:[^\s'\"(),;:/]+/)+([^\s'\"(),;:/]+)")


class ApiError(PolicytagError):
    """An error to send to the client as JSON with `status`."""

    def __init__(self, status: int, message: str, problems: list[str] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems
        self.headers = headers or {}


def public_message(message: str) -> str:
    """`message` with file paths made relative to the data directory (seeds: `seeds/...`), unless the caller
    holds the API token: an unauthenticated client learns nothing about the server's file system."""
    if not has_request_context():
        return message
    if holds_token():
        return message
    roots = [(current_app.config.get("HOME"), "")]
    if current_app.config.get("SEEDS"):
        roots.append((current_app.config["SEEDS"], "seeds/"))
    for root, label in roots:
        if root:
            base = str(Path(root).resolve())
            message = message.replace(base + "/", label).replace(base, label.rstrip("/") or "the data directory")
    return _ABSOLUTE.sub(lambda m: m.group(1), message)


def error_response(status: int, message: str, problems: list[str] | None = None,
                   headers: dict[str, str] | None = None) -> tuple[Response, int]:
    body: dict[str, object] = {"ok": False, "error": public_message(message), "status": status}
    if problems:
        body["problems"] = [public_message(p) for p in problems]  # every bad item of a rejected batch
    response = jsonify(body)
    response.headers.update(headers or {})
    return response, status


# The store's errors say what is wrong in their message (file or database); the class decides the status and
# whether retrying soon can help.
_STORAGE_STATUS: tuple[tuple[type[Exception], int, bool], ...] = (
    (StoreBusyError, 503, True), (StoreUnavailable, 503, True), (StoreReadOnlyError, 503, False),
    (StoreFullError, 507, False))


def storage_error(exc: BaseException) -> tuple[int, str, dict[str, str]] | None:
    """(status, message, headers) for an error storing data (the store, a file in the data directory), or None
    if it is not one."""
    for kind, status, retry in _STORAGE_STATUS:
        if isinstance(exc, kind):
            return status, str(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)} if retry else {}
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return 503, READ_ONLY, {}
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return 507, NO_SPACE, {}
    return None


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.message, exc.problems, exc.headers)

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
    @app.errorhandler(StoreUnavailable)
    @app.errorhandler(StoreReadOnlyError)
    @app.errorhandler(StoreFullError)
    @app.errorhandler(OSError)
    def _storage(exc: Exception) -> tuple[Response, int]:
        mapped = storage_error(exc)
        if mapped is None:
            return _unexpected(exc)
        status, message, headers = mapped
        log.error("storage problem (%s): %s", status, exc)
        return error_response(status, message, headers=headers)

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
