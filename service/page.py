"""The analyst's page: `GET /` and its bundled assets (HTML, CSS, vanilla-JS modules), no CDN, no build step."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

ASSETS = Path(__file__).resolve().parent / "page_assets"

# Scripts only from this origin (no 'unsafe-inline', no eval); styles likewise. JS sets element.style through
# the CSSOM, which CSP allows, so no inline style attribute is ever needed. blob: lets the export download.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")

bp = Blueprint("page", __name__)


@bp.get("/")
def index() -> Response:
    """The single page; every data call goes to /v1 from JS."""
    response = send_from_directory(ASSETS, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # a new release's page must not pair with stale scripts
    return response


@bp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    """A bundled asset (send_from_directory refuses paths outside the folder)."""
    response = send_from_directory(ASSETS, filename, max_age=0)
    response.headers["Cache-Control"] = "no-cache"  # revalidate (ETag), so an upgrade never mixes old and new
    return response


@bp.after_app_request
def _security_headers(response: Response) -> Response:
    # On every response (API included): a JSON error rendered as a document must not run anything either.
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    # The page never puts the token in a URL, and no URL it visits should leak to another site.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
