"""Running the app under a production WSGI server: gunicorn (POSIX), waitress where gunicorn is missing."""
from __future__ import annotations

import errno
import socket
from collections.abc import Mapping
from typing import Any

from model.errors import PolicytagError


class PortInUse(PolicytagError, OSError):
    """The address `policytag serve` was asked to listen on cannot be bound."""


def check_port(host: str, port: int) -> None:
    """Fail now, with the fix, if `host:port` cannot be bound (before any token or "serving on" is printed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is fine
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(f"port {port} on {host} is already in use (another `policytag serve`?); stop "
                                f"that server or choose another port with --port") from None
            raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}; check --host and --port") from None


def run_server(host: str, port: int, workers: int, config: Mapping[str, Any]) -> None:
    """Serve `create_app(config)` (built in each worker) until interrupted."""
    from service.app import resolve_settings

    settings = resolve_settings(config)
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # Windows: no gunicorn; waitress buffers whole requests before its threads see them
        import waitress

        from service.app import create_app

        waitress.serve(create_app(config), host=host, port=port, threads=int(settings["THREADS"]),
                       channel_timeout=int(settings["READ_TIMEOUT_SECONDS"]),
                       max_request_body_size=int(settings["MAX_CONTENT_LENGTH"]))
        return

    from service.gunicorn_conf import CONNECTIONS_PER_WORKER, gunicorn_options

    _raise_open_files(CONNECTIONS_PER_WORKER + 256)

    class _Gunicorn(BaseApplication):
        def __init__(self, options: dict[str, Any]):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from service.app import create_app

            app = create_app(config)  # in each worker: every worker loads (and hot-reloads) its own model
            # The curator's routes import the bootstrap and scikit-learn's parts, which takes seconds: at start,
            # not inside the first request that needs them (which would hold its thread that long).
            from training.workspace import warm_up

            warm_up()

            return app

    _Gunicorn(gunicorn_options(host, port, workers, settings)).run()


def _raise_open_files(wanted: int) -> None:
    """Let each worker hold its connections: the soft limit on open files is often 1,024 (up to the hard one)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass
