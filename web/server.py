"""`lacat serve`: the app under Granian, an HTTP server written in Rust that calls the WSGI app.

Requests are parsed and responses written outside Python: under gunicorn, its own handling of a
request (parser, poller and thread hand-offs, all in Python) was about 0.4 ms, more than a small
SPARQL query takes in the engine (docs/scaling.md). Each worker process runs the app on a bounded
number of threads; queries the guard does not prove cheap still run in each worker's isolated
query processes (sparql/pool.py).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from functools import partial
from multiprocessing.sharedctypes import SynchronizedArray

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server

from core import affinity, allocator
from core.settings import Settings
from core.store import BaseMismatch, LiveStore, StoreUnavailable, read_pointer
from web.app import create_app

# The combined log's fields that Granian knows, without the query string (a SPARQL query in a
# URL can be 20 KB, and it may hold what the asker would rather not see in a log).
ACCESS_LOG = '%(addr)s - - [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'
# The request line and headers together: beyond this the server answers 431 before the app
# reads a byte (gunicorn allowed a request line of 8,190 bytes; a longer query is POSTed).
HEADER_BUFFER = 16 * 1024


def _exit_with_parent(parent: int) -> None:
    """In a worker: stop when the server process is gone (killed with SIGKILL, say), so that no
    orphaned worker keeps the port and serves on."""
    while os.getppid() == parent:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGTERM)


def load_app(settings: Settings, parent: int, cpus: SynchronizedArray | None) -> Flask:
    """The app, made in each worker process after it starts (the store is opened there), before
    Granian starts the worker's threads (so they share its CPU when it is pinned)."""
    if cpus is not None:
        affinity.pin_worker(cpus)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="lacat-parent-watch", daemon=True).start()
    return create_app(settings)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 5000, workers: int | None = None) -> int:
    """Exit 1 when there is no catalogue to serve or a setting names what is not there, 2 when it
    was built for another base URI (served, every council page would be a 404 and every RDF
    document empty)."""
    try:
        preload = allocator.resolve(settings.query_allocator)
    except allocator.AllocatorNotFound as exc:
        print(f"lacat serve: {exc}", file=sys.stderr)
        return 1
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
    workers = workers or settings.web_workers
    cpus = affinity.claims(workers) if settings.web_pin_cpus else None
    server = Server(
        "web.app:create_app",  # what Granian names in its log; the app itself comes from load_app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,
        websockets=False,
        workers=workers,
        blocking_threads=settings.web_threads,
        http1_settings=HTTP1Settings(max_buffer_size=HEADER_BUFFER, header_read_timeout=10_000),
        log_level=LogLevels.info,
        log_access=True,
        log_access_format=ACCESS_LOG,
        # A worker that does not stop within this after SIGTERM is killed (a page mid-render).
        workers_kill_timeout=10,
        respawn_failed_workers=True,
    )
    print(f"serving the catalogue on http://{host}:{port}/ (SPARQL endpoint at /sparql); "
          f"query processes allocate with {preload or 'the system allocator'}", flush=True)
    server.serve(target_loader=partial(load_app, settings, os.getpid(), cpus), wrap_loader=False)
    return 0
