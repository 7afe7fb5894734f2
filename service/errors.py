"""One JSON error shape for every error: {"ok": false, "error": message, "status": code}.

Every error policytag raises gets its HTTP status from one table here (`STATUSES`), so routes raise and never
translate. Storage problems get their own statuses, whichever backend holds the data (busy or unreachable: 503
with Retry-After; read-only 503; full 507), and messages name files relative to the data directory unless the
caller holds the API token.
"""
from __future__ import annotations

import errno
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, current_app, has_request_context, jsonify
from werkzeug.exceptions import HTTPException

from model.composition import ShareError
from model.errors import ArtifactError, PolicytagError, ThresholdError
from model.readers import ReadError, TooLarge, UnsupportedFormat
from model.text import DecodeError
from service.budget import OverBudget, TimeIsUp
from service.holder import NoModel
from service.report.errors import ReportError
from service.schemas import RequestInvalid, WriteInvalid
from service.tokens import holds_token
from training.errors import (
    AuditActionError,
    AuditItemNotFound,
    AuditUnavailable,
    DomainExists,
    DomainRejected,
    ItemsRejected,
    NotInPool,
    NotServable,
    RegistryError,
    SeedsNotFound,
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    StoreUnavailable,
    TaxonomyError,
    TrainingBusy,
    UnknownJob,
    UnknownVersion,
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


@dataclass(frozen=True)
class Status:
    """How a request that meets an error is answered: the HTTP status, words put before the error's own message
    (what became of the request), and whether retrying soon can help (a Retry-After header)."""

    code: int
    prefix: str = ""
    retry: bool = False


_DATA = Status(503, "the server's data needs attention: ")  # its taxonomy, store or models are broken or missing

# The one table of HTTP statuses for policytag's errors. A request meeting an error gets the entry of the error's
# class or of the nearest class it derives from (DomainExists is a DomainRejected is a TaxonomyError: 409, not 400
# or 503). Messages already say what is wrong and how to fix it; routes do not catch these errors.
STATUSES: dict[type[BaseException], Status] = {
    # The request is wrong: change it and send it again.
    RequestInvalid: Status(400),
    WriteInvalid: Status(400, "nothing was stored: "),
    ThresholdError: Status(400),
    ItemsRejected: Status(400, "nothing was stored: "),
    DomainRejected: Status(400),
    ReadError: Status(400),
    DecodeError: Status(400),
    TooLarge: Status(413),
    OverBudget: Status(413),
    UnsupportedFormat: Status(415),
    ReportError: Status(400),
    ShareError: Status(400),
    AuditActionError: Status(400),
    # What the request names does not exist.
    UnknownVersion: Status(404),
    NotInPool: Status(404),
    UnknownJob: Status(404),
    AuditItemNotFound: Status(404),
    # The request conflicts with the state of the data.
    DomainExists: Status(409),
    TrainingBusy: Status(409),
    AuditUnavailable: Status(409),
    NotServable: Status(409),
    # The server cannot answer it now.
    NoModel: Status(503),
    TimeIsUp: Status(503),
    StoreBusyError: Status(503, retry=True),
    StoreUnavailable: Status(503, retry=True),
    StoreReadOnlyError: Status(503),
    StoreFullError: Status(507),
    # The server's own files or database need attention.
    ArtifactError: _DATA,
    RegistryError: _DATA,
    SeedsNotFound: _DATA,
    StoreError: _DATA,
    TaxonomyError: _DATA,
}


def status_for(kind: type[BaseException]) -> Status | None:
    """The table's entry for an error class (its own or its nearest listed base class's), or None (not ours)."""
    for base in kind.__mro__:
        if base in STATUSES:
            return STATUSES[base]
    return None


def storage_error(exc: BaseException) -> tuple[int, str, dict[str, str]] | None:
    """(status, message, headers) for an OSError writing the data directory (read-only, full), or None."""
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

    @app.errorhandler(PolicytagError)
    def _ours(exc: PolicytagError) -> tuple[Response, int]:
        status = status_for(type(exc))
        if status is None:
            return _unexpected(exc)
        if status.code >= 500:
            log.error("%s (%s): %s", type(exc).__name__, status.code, exc)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status.retry else {}
        return error_response(status.code, status.prefix + str(exc), getattr(exc, "problems", None), headers)

    @app.errorhandler(OSError)
    def _os(exc: OSError) -> tuple[Response, int]:
        mapped = storage_error(exc)
        if mapped is None:
            return _unexpected(exc)
        status, message, headers = mapped
        log.error("storage problem (%s): %s", status, exc)
        return error_response(status, message, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unhandled error")  # the trace goes to the server log, never to the client
        return error_response(500, "internal error; the server log has the details")
