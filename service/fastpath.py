"""POST /v1/tag's everyday request served without Flask's per-request machinery; everything else goes to Flask.

Of the ~1 ms of CPU a one-sentence tag request cost inside the app, tagging was under half: the request
context, two URL adapters, the before/after-request hooks and the response object took about as much again
(`benchmarks/app_cost.py`). Here a request none of Flask's refusals apply to (a JSON body within the size
limit, sent as application/json, an allowed Host, no Origin, no token asked for, a body that validates) is
served by the functions the `/v1/tag` view calls (`tag_request`, `tag_texts`, the JSON provider), with the
headers the app's hooks add, so the answer is the same bytes. Any request that would be refused goes to the
Flask app untouched (its body handed back), and an error while tagging (budget, deadline, no model) is
answered by the app's own error handlers: every refusal keeps its one owner.
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


class _Decline(PolicytagError):
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
            raw = self._body(environ)
            body = self._answer(raw)
        except _Decline:
            if raw is not None:  # read already: the Flask app reads it again and answers
                environ["wsgi.input"] = io.BytesIO(raw)
            return self.flask_wsgi(environ, start_response)
        except Exception as exc:  # noqa: BLE001 - ApiError and crashes: the app's error handlers answer, as in the view
            with self.app.request_context(environ):
                response = self.app.finalize_request(self.app.handle_user_exception(exc))
            return response(environ, start_response)
        start_response("200 OK", [("Content-Type", self.app.json.mimetype),  # type: ignore[attr-defined]
                                  ("Content-Length", str(len(body))), *_SECURITY])
        return [body]

    def _body(self, environ: dict[str, Any]) -> bytes:
        """The body of a request the fast path may serve (read whole); _Decline for any other."""
        config = self.app.config
        length = environ.get("CONTENT_LENGTH") or ""
        if (environ.get("QUERY_STRING") or "HTTP_ORIGIN" in environ or "HTTP_TRANSFER_ENCODING" in environ
                or config["READS_NEED_TOKEN"] or not length.isdigit() or int(length) > config["MAX_CONTENT_LENGTH"]
                or environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower() != "application/json"
                or not allowed(host_name(environ.get("HTTP_HOST", "")), config.get("ALLOWED_HOSTS"),
                               config.get("BIND_HOST"))):
            raise _Decline
        raw = environ["wsgi.input"].read(int(length))
        if len(raw) != int(length):
            raise _Decline
        return raw

    def _answer(self, raw: bytes) -> bytes:
        """The answer's JSON bytes, as the view's `jsonify` writes them; _Decline when the body is refused."""
        config = self.app.config
        try:
            texts, options = tag_request(json_object(raw[len(BOM):] if raw.startswith(BOM) else raw), config)
        except PolicytagError:  # ApiError, RequestInvalid, ThresholdError
            raise _Decline from None  # the Flask app says what is wrong with the body
        payload = tag_texts(texts, options, config, self.app.extensions[MODEL_EXTENSION])
        provider: Any = self.app.json
        if provider.compact is False or (provider.compact is None and self.app.debug):
            return provider.response(payload).get_data()  # indented, as jsonify writes it then
        # What jsonify writes, without building the response object it would be copied out of.
        return f"{provider.dumps(payload, separators=(',', ':'))}\n".encode()


def install(app: Flask) -> None:
    """Put `TagFastPath` in front of the app (Flask's documented way to wrap its WSGI callable)."""
    app.wsgi_app = TagFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
