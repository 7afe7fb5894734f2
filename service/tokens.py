"""The request's bearer token and whether it is the server's (used by access control and error messages)."""
from __future__ import annotations

import hmac

from flask import current_app, request


def bearer_token() -> str:
    """The token of an `Authorization: Bearer <token>` header, "" when there is none."""
    # RFC 7235: the scheme name is case-insensitive ("bearer", "BEARER" and "Bearer" are one scheme).
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def holds_token() -> bool:
    """True when the request carries the server's API token (such callers may see absolute paths)."""
    expected, token = current_app.config.get("API_TOKEN"), bearer_token()
    return bool(expected and token) and hmac.compare_digest(token.encode(), str(expected).encode())
