"""Bearer-token access control: writes always need the token; reads that expose labelled data (review, audit,
pool, job details) need it unless LABELLED_READS_NEED_TOKEN is off; other reads only with READS_NEED_TOKEN."""
from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from service.errors import ApiError
from service.tokens import bearer_token

F = TypeVar("F", bound=Callable[..., Any])


def _check() -> None:
    expected = current_app.config.get("API_TOKEN")
    token = bearer_token()
    if not token:
        raise ApiError(401, "this endpoint needs 'Authorization: Bearer <token>' (the token is "
                            "POLICYTAG_API_TOKEN, or the one `policytag serve` printed at start)")
    if not expected:
        raise ApiError(403, "writes are disabled: the server has no API token; set POLICYTAG_API_TOKEN")
    if not hmac.compare_digest(token.encode(), str(expected).encode()):
        raise ApiError(403, "wrong API token")


def requester() -> str:
    """Who made the request, for the label history: the X-Policytag-User header, else 'api'."""
    return request.headers.get("X-Policytag-User", "").strip()[:100] or "api"


def write_access(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check()
        return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def read_access(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("READS_NEED_TOKEN"):
            _check()
        return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def labelled_read_access(func: F) -> F:
    """A read that shows people's labels, paragraph texts, sources or authors: the token unless opened."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("READS_NEED_TOKEN") or current_app.config.get("LABELLED_READS_NEED_TOKEN", True):
            _check()
        return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]
