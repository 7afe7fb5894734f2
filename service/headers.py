"""Security headers on every response, so a browser never sniffs, caches or frames what the API returns."""
from __future__ import annotations

from flask import Flask, Response, request

# API responses are data, never a page: nothing may load from them and no site may frame them.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# What every API answer carries, also the ones the server writes itself (408, 413, malformed HTTP).
API_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
               "Content-Security-Policy": API_CSP}


def register_security_headers(app: Flask) -> None:
    """Add X-Content-Type-Options everywhere; no-store and a strict CSP on /v1 (pages set their own CSP)."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if request.path.startswith("/v1/") or response.mimetype == "application/json":
            # Answers change with every promote and may carry labelled data: never keep a copy.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Content-Security-Policy", API_CSP)
        return response
