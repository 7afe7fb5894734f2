"""Running the app under a production WSGI server: gunicorn (POSIX), waitress where gunicorn is missing."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def run_server(host: str, port: int, workers: int, config: Mapping[str, Any]) -> None:
    """Serve `create_app(config)` until interrupted; `config` is a create_app mapping (HOME, SEEDS, API_TOKEN, ...)."""
    settings = dict(config)
    try:
        from gunicorn.app.base import BaseApplication
    except ImportError:  # Windows: no gunicorn; waitress threads share one process
        import waitress

        from service.app import create_app

        waitress.serve(create_app(settings), host=host, port=port, threads=max(4, workers * 2))
        return

    class _Gunicorn(BaseApplication):
        def __init__(self, options: dict[str, Any]):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from service.app import create_app

            return create_app(settings)  # in each worker: every worker loads (and hot-reloads) its own model

    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "worker_class": "sync", "timeout": 60,
               "accesslog": "-", "errorlog": "-", "loglevel": "info"}).run()
