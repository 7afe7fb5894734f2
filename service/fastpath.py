"""POST /v1/tag's everyday request served without Flask's per-request machinery; everything else goes to Flask.

Flask's request context, URL adapters, before/after-request hooks and response object cost about as much CPU as
tagging a one-sentence text does (`benchmarks/app_cost.py` measures both). Here a request none of Flask's refusals
apply to (a JSON body within the size limit, sent as application/json, an allowed Host, no Origin, no token asked
for, a body that validates) is served by the functions the `/v1/tag` view calls (`tag_request`, `tag_texts`, the
JSON provider), with the headers the app's hooks add, so the answer is the same bytes. Any request that would be
refused goes to the Flask app untouched (its body handed back), and an error while tagging (budget, deadline, no
model) is answered by the app's own error handlers: every refusal keeps its one owner.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from model.errors import PolicytagError
from service.context import MODEL_EXTENSION
from service.headers import API_HEADERS
from service.hosts import allowed, host_name
from service.request_body import BOM, json_object, tag_request
from service.tag_requests import tag_texts

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# The headers the app's hook adds to a /v1 answer, in its order (service.headers.register_security_headers).
_SECURITY = [(name, API_HEADERS[name]) for name in ("X-Content-Type-Options", "Referrer-Policy", "Cache-Control",
                                                     "Content-Security-Policy")]


class Decline(PolicytagError):
    """The request is one Flask answers (a refusal, a setting): nothing has been answered yet."""


class TagFastPath:
    """WSGI middleware in front of the Flask app's `wsgi_app` (see `install`)."""

    def __init__(self, app: Flask, flask_wsgi: WsgiApp):
        self.app = app
        self.flask_wsgi = flask_wsgi

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/v1/tag" or environ.get("REQUEST_METHOD") != "POST":
            return self.flask_wsgi(environ, start_response)
        raw: bytes | None = None
        try:
            if (environ.get("QUERY_STRING") or "HTTP_ORIGIN" in environ or "HTTP_TRANSFER_ENCODING" in environ):
                raise Decline
            length = environ.get("CONTENT_LENGTH") or ""
            self.check(environ.get("HTTP_HOST", ""), environ.get("CONTENT_TYPE", ""), length)
            raw = environ["wsgi.input"].read(int(length))
            if len(raw) != int(length):
                raise Decline
            body = self.answer(raw)
        except Decline:
            if raw is not None:  # read already: the Flask app reads it again and answers
                environ["wsgi.input"] = io.BytesIO(raw)
            return self.flask_wsgi(environ, start_response)
        except Exception as exc:  # noqa: BLE001 - ApiError and crashes: the app's error handlers answer, as in the view
            return self.error_response(environ, exc)(environ, start_response)
        start_response("200 OK", self.headers(body))
        return [body]

    def check(self, host: str, content_type: str, length: str) -> None:
        """Decline unless a request with this Host, Content-Type and Content-Length is one the fast path may
        serve (query string, Origin and Transfer-Encoding are the caller's to refuse)."""
        config = self.app.config
        if (config["READS_NEED_TOKEN"] or not length.isdigit() or int(length) > config["MAX_CONTENT_LENGTH"]
                or content_type.partition(";")[0].strip().lower() != "application/json"
                or not allowed(host_name(host), config.get("ALLOWED_HOSTS"), config.get("BIND_HOST"))):
            raise Decline

    def headers(self, body: bytes) -> list[tuple[str, str]]:
        """The headers of a 200 answer carrying `body`, as the app writes them."""
        return [("Content-Type", self.app.json.mimetype),  # type: ignore[attr-defined]
                ("Content-Length", str(len(body))), *_SECURITY]

    def error_response(self, environ: dict[str, Any], exc: Exception) -> Any:
        """The app's own answer to `exc` raised while serving this request (its error handlers and hooks)."""
        with self.app.request_context(environ):
            return self.app.finalize_request(self.app.handle_user_exception(exc))

    def answer(self, raw: bytes) -> bytes:
        """The 200 answer's JSON bytes for this body, as the view's `jsonify` writes them; Decline when the body
        is refused (nothing has been done yet); any other exception is an error the app's handlers answer."""
        config = self.app.config
        try:
            texts, options = tag_request(json_object(raw[len(BOM):] if raw.startswith(BOM) else raw), config)
        except PolicytagError:  # ApiError, RequestInvalid, ThresholdError
            raise Decline from None  # the Flask app says what is wrong with the body
        payload = tag_texts(texts, options, config, self.app.extensions[MODEL_EXTENSION])
        provider: Any = self.app.json
        if provider.compact is False or (provider.compact is None and self.app.debug):
            return provider.response(payload).get_data()  # indented, as jsonify writes it then
        # What jsonify writes, without building the response object it would be copied out of.
        return f"{provider.dumps(payload, separators=(',', ':'))}\n".encode()


def install(app: Flask) -> None:
    """Put `TagFastPath` in front of the app (Flask's documented way to wrap its WSGI callable)."""
    app.wsgi_app = TagFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
