"""The service under granian (a Rust HTTP core), for the benchmarks that compare HTTP servers; not used to serve.

    python benchmarks/http_servers.py granian-wsgi|granian-rsgi --port 8001 [--workers 2] [--threads 8]

It serves the same Flask app `policytag serve` serves (settings from the POLICYTAG_* variables; the data
directory must hold a model), on 127.0.0.1 only, in one of two ways:
- granian-wsgi: granian's own WSGI interface, `--threads` blocking threads per worker;
- granian-rsgi: granian's RSGI interface with the bridge below in front of the WSGI app.

The bridge exists because of what granian's WSGI mode does with bodies:

granian parses HTTP, holds idle and slow connections and writes responses with backpressure in Rust. Its own
WSGI mode hands a request to a Python thread as soon as the headers are in and the thread then blocks reading
the body, so clients that trickle a body hold every thread. Here the body is read in the event loop, within
the read deadline and the body limit, and only a complete request reaches a thread of the pool; the answer is
handed back whole (`response_bytes`), so a slow reader never holds a thread either.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Headers = list[tuple[str, str]]

# The headers every answer carries, also those the bridge writes itself (the app adds the same to its own).
SECURITY_HEADERS: Headers = [
    ("x-content-type-options", "nosniff"),
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
]


class _Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def error_body(status: int, message: str) -> tuple[Headers, bytes]:
    """(headers, body) of an answer in the service's one JSON error shape, with the security headers."""
    body = json.dumps({"ok": False, "error": message, "status": status}, ensure_ascii=False).encode("utf-8")
    return [("content-type", "application/json; charset=utf-8"), ("connection", "close"), *SECURITY_HEADERS], body


class WsgiBridge:
    """An RSGI application (granian `--interface rsgi`) that serves `app` on a pool of `threads` threads."""

    def __init__(self, app: WsgiApp, *, threads: int, max_body: int, read_timeout: float):
        self.app = app
        self.threads = threads
        self.max_body = max_body
        self.read_timeout = read_timeout
        self._pool: ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._base = {"wsgi.version": (1, 0), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
                      "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.input_terminated": True,
                      "SCRIPT_NAME": "", "SERVER_SOFTWARE": "policytag"}

    # granian calls these when a worker starts and stops
    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="policytag")

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        try:
            body = await self._body(scope, proto)
        except _Refused as exc:
            headers, data = error_body(exc.status, exc.message)
            proto.response_bytes(exc.status, headers, data)
            return
        environ = self._environ(scope, body)
        loop = self._loop or asyncio.get_running_loop()
        status, headers, data = await loop.run_in_executor(self._pool, self._call, environ)
        proto.response_bytes(status, headers, data)

    async def _body(self, scope: Any, proto: Any) -> bytes:
        headers = scope.headers
        length = headers.get("content-length")
        coding = headers.get("transfer-encoding")
        if coding is not None and coding.strip().lower() != "chunked":
            raise _Refused(501, f"Transfer-Encoding {coding!r} is not supported; send the body as it is "
                                "(Content-Length) or chunked, without other codings")
        if length is not None and coding is None:
            if not length.isdigit():
                raise _Refused(400, f"bad Content-Length {length!r}; it must be a whole number of bytes")
            if int(length) > self.max_body:
                raise _Refused(413, self._too_large(f"Content-Length {length}"))
            if int(length) == 0:
                return b""
        elif coding is None:
            return b""  # no body (hyper refuses a body without either header)
        try:
            return await asyncio.wait_for(self._read(proto), self.read_timeout)
        except TimeoutError:
            raise _Refused(408, f"the request did not arrive within {self.read_timeout:g} s; send it at once "
                                "(POLICYTAG_READ_TIMEOUT_SECONDS)") from None

    async def _read(self, proto: Any) -> bytes:
        """The body, at most max_body bytes. granian's body iterator ends with one empty chunk; a framing
        error (a bad chunk size, a cut body) shows as an empty chunk before that end."""
        parts: list[bytes] = []
        size, empties = 0, 0
        async for chunk in proto:
            if not chunk:
                empties += 1
                continue
            size += len(chunk)
            if size > self.max_body:
                raise _Refused(413, self._too_large("the chunked body"))
            parts.append(chunk)
        if empties > 1:
            raise _Refused(400, "the request body could not be read (bad chunk size or cut short); send a valid "
                                "Content-Length or chunked body")
        return b"".join(parts)

    def _too_large(self, what: str) -> str:
        return (f"request body is over the {self.max_body}-byte limit ({what}); send fewer or shorter texts per "
                "request (or raise POLICYTAG_MAX_CONTENT_LENGTH)")

    def _environ(self, scope: Any, body: bytes) -> dict[str, Any]:
        environ = dict(self._base)
        server_host, _, server_port = scope.server.rpartition(":")
        client_host, _, client_port = scope.client.rpartition(":")
        environ.update({
            "REQUEST_METHOD": scope.method,
            # RSGI gives the path percent-decoded; WSGI wants those bytes as latin-1 characters
            "PATH_INFO": scope.path.encode("utf-8", "surrogateescape").decode("latin-1"),
            "QUERY_STRING": scope.query_string,
            "SERVER_NAME": server_host.strip("[]"),
            "SERVER_PORT": server_port,
            "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
            "REMOTE_ADDR": client_host.strip("[]"),
            "REMOTE_PORT": client_port,
            "wsgi.url_scheme": scope.scheme,
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)) if body else "",
        })
        for name, value in scope.headers.items():
            if name == "content-type":
                environ["CONTENT_TYPE"] = value
                continue
            if name in ("content-length", "transfer-encoding"):
                continue  # the body is whole: its length is the one that counts
            key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = f"{environ[key]}, {value}" if key in environ else value
        return environ

    def _call(self, environ: dict[str, Any]) -> tuple[int, Headers, bytes]:
        """Run the WSGI app in a pool thread; its answer, read whole."""
        started: list[Any] = []

        def start_response(status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], None]:
            started[:] = [status, headers]
            return lambda data: None

        try:
            result = self.app(environ, start_response)
            try:
                data = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            return int(started[0][:3]), list(started[1]), data
        except Exception:  # noqa: BLE001 - the app answers its own errors; this is a crash outside it
            logging.getLogger("policytag").exception("unhandled error outside the app")
            headers, data = error_body(500, "internal error; the server log has the details")
            return 500, headers, data



def _build(mode: str, threads: int) -> Any:
    """In each granian worker: the app (in WSGI mode), or the app behind the bridge (RSGI)."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from service.app import create_app, resolve_settings

    settings = resolve_settings()
    app = create_app()
    if mode == "granian-wsgi":
        return app
    return WsgiBridge(app, threads=threads, max_body=int(settings["MAX_CONTENT_LENGTH"]),
                      read_timeout=float(settings["READ_TIMEOUT_SECONDS"]))


def main() -> None:
    from functools import partial

    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.server import Server

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["granian-wsgi", "granian-rsgi"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    read_timeout = float(os.environ.get("POLICYTAG_READ_TIMEOUT_SECONDS", "10"))
    rsgi = args.mode == "granian-rsgi"
    server = Server("policytag", address="127.0.0.1", port=args.port,
                    interface=Interfaces.RSGI if rsgi else Interfaces.WSGI, workers=args.workers,
                    blocking_threads=1 if rsgi else args.threads, http=HTTPModes.http1, websockets=False,
                    http1_settings=HTTP1Settings(header_read_timeout=int(read_timeout * 1000)),
                    backlog=2048, backpressure=4096)
    server.serve(target_loader=partial(_build, args.mode, args.threads), wrap_loader=False)


if __name__ == "__main__":
    main()
