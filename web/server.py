"""`lacat serve`: the app under gunicorn, a production WSGI server."""

from __future__ import annotations

import sys

from gunicorn.app.base import BaseApplication

from core.settings import Settings
from core.store import BaseMismatch, LiveStore, StoreUnavailable, read_pointer
from web.access_log import AccessLogger
from web.app import create_app


class _Server(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, object]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self.settings)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 5000, workers: int | None = None) -> int:
    """Exit 1 when there is no catalogue to serve, 2 when it was built for another base URI (served,
    every council page would be a 404 and every RDF document empty)."""
    if settings.store_backend == "embedded":
        try:
            read_pointer(settings)
        except StoreUnavailable as exc:
            print(f"lacat serve: {exc}", file=sys.stderr)
            return 1
    try:
        LiveStore(settings).current()
    except BaseMismatch as exc:
        print(f"lacat serve: {exc}", file=sys.stderr)
        return 2
    except StoreUnavailable:
        pass  # a remote server that is down now may be up by the first request; pages say 503 meanwhile
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or settings.web_workers,
        "worker_class": "gthread",
        "threads": settings.web_threads,
        "timeout": int(settings.query_timeout_s * 3 + 30),
        "graceful_timeout": 10,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": "-",
        "logger_class": AccessLogger,
        "errorlog": "-",
        "loglevel": "info",
    }
    print(f"serving the catalogue on http://{host}:{port}/ (SPARQL endpoint at /sparql)", flush=True)
    _Server(settings, options).run()
    return 0
