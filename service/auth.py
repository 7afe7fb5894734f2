"""Bearer-token access control: writes always need the token; reads only when READS_NEED_TOKEN is set."""
from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from service.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])


def _bearer_token() -> str:
    """The token of an `Authorization: Bearer <token>` header, "" when there is none."""
    # RFC 7235: the scheme name is case-insensitive ("bearer", "BEARER" and "Bearer" are one scheme).
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def holds_token() -> bool:
    """True when the request carries the server's API token (such callers may see absolute paths)."""
    expected, token = current_app.config.get("API_TOKEN"), _bearer_token()
    return bool(expected and token) and hmac.compare_digest(token.encode(), str(expected).encode())


def _check() -> None:
    expected = current_app.config.get("API_TOKEN")
    token = _bearer_token()
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
