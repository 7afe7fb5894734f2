"""gunicorn settings for `policytag serve`, derived from the service's settings (one place to read them)."""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from service.http_worker import BufferingWorker

# gunicorn's header limits, kept at its defaults and named here because the README documents them.
LIMIT_REQUEST_LINE = 4094  # bytes in "POST /v1/tag HTTP/1.1" (414 above)
LIMIT_REQUEST_FIELDS = 100  # headers per request (431 above)
LIMIT_REQUEST_FIELD_SIZE = 8190  # bytes per header (431 above)
CONNECTIONS_PER_WORKER = 4096  # open connections a worker holds, idle or slow ones included


def worker_class(settings: Mapping[str, Any]) -> type[BufferingWorker]:
    """The worker class with this server's limits (class attributes survive gunicorn's fork)."""
    return type("PolicytagWorker", (BufferingWorker,), {
        "max_body": int(settings["MAX_CONTENT_LENGTH"]),
        "read_timeout": float(settings["READ_TIMEOUT_SECONDS"]),
        "per_client": int(settings["CONNECTIONS_PER_CLIENT"]),
    })


def gunicorn_options(host: str, port: int, workers: int, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Options for gunicorn's `cfg.set`, from validated settings (`service.app.resolve_settings`)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": worker_class(settings),
        "threads": int(settings["THREADS"]),
        "worker_connections": CONNECTIONS_PER_WORKER,
        "keepalive": max(1, round(float(settings["KEEPALIVE_SECONDS"]))),  # gunicorn takes whole seconds
        # The loop keeps a worker's heartbeat going while threads tag; tagging has its own deadline
        # (REQUEST_TIMEOUT_SECONDS, 503), so this only catches a worker that is truly stuck.
        "timeout": max(60, int(settings["REQUEST_TIMEOUT_SECONDS"]) * 3),
        "graceful_timeout": 10,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        # gunicorn's default control socket (~/.gunicorn/gunicorn.ctl) is shared by every server of the
        # user: stopping one deleted another's. policytag does not use it, so there is none.
        "control_socket_disable": True,
        # Responses are written by the worker's loop from a buffer (a slow reader never holds a thread), so
        # files are sent through it too, not with sendfile() from the thread.
        "sendfile": False,
        # One listening socket per worker (SO_REUSEPORT): Linux spreads new connections over the workers.
        # With one shared socket, the worker that wakes first takes them all, so keep-alive clients pile onto
        # one worker while another core stays idle (benchmarks/README.md has the figures). Elsewhere (macOS,
        # BSD) SO_REUSEPORT does not spread connections, so the workers keep sharing one socket.
        "reuse_port": sys.platform.startswith("linux"),
        # gunicorn's access log is off unless asked for: it costs a good share of the requests per second
        # (benchmarks/README.md has the figures).
        "accesslog": "-" if settings["ACCESS_LOG"] else None,
        "errorlog": "-",
        "loglevel": "info",
    }
