"""Runs public SPARQL queries in separate worker processes with a hard time limit.

pyoxigraph cannot interrupt a running query and some queries crash the whole process, so public
queries run outside the web process (except those the guard proves cheap: sparql.inline). Each web process owns a small pool of worker
processes (started lazily, so every gunicorn worker gets its own after the fork). A worker opens
the store read-only, evaluates one query at a time, serialises the whole answer with pyoxigraph
and sends it back. When a query passes the time limit the worker is killed (SIGKILL: the work
really stops) and replaced, and the client gets a 503; a crash costs only that worker too.

Results are produced completely inside the worker, bounded by the row limit, before any byte is
sent: so a client always gets a correct status code (a 200 is never followed by a truncated
body), and a slow client never holds a worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

from core.settings import PROJECT_ROOT
from sparql.formats import FORMATS
from sparql.jobs import Answer, Job, QueryFailed, Worker

__all__ = ["Answer", "Job", "QueryFailed", "QueryPool", "get_pool", "worker_main"]

log = logging.getLogger("lacat.sparql")

CHUNK = 1 << 20  # bytes per message from a worker


# ---------------------------------------------------------------------------------------------
# Inside a worker process


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the web process dies, so no query outlives its server."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def worker_main(conn: Connection) -> None:
    """Entry point of a worker process: answer jobs until the pipe closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    state = Worker()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            body = state.answer(job)
        except QueryFailed as exc:
            if exc.status == 503:
                state.store = None  # reopen: the store may have been switched or damaged
            conn.send(("error", exc.status, exc.message))
            continue
        chunks = [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)] or [b""]
        conn.send(("ok", len(chunks)))
        for chunk in chunks:
            conn.send_bytes(chunk)


# ---------------------------------------------------------------------------------------------
# In the web process


class _Handle:
    """One worker: a fresh interpreter running `python -m sparql.pool` on one end of a socket pair.

    A plain subprocess rather than multiprocessing's spawn: that would re-import the parent's
    main module (gunicorn, pytest, a benchmark script) in every worker.
    """

    def __init__(self) -> None:
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sparql.pool", str(child.fileno())],
            pass_fds=(child.fileno(),), env=env, stdin=subprocess.DEVNULL, close_fds=True,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise TimeoutError("query worker did not start")
        self.conn.recv()
        self.ready = True

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(2)
        with contextlib.suppress(Exception):
            self.conn.close()


class QueryPool:
    """A fixed number of query worker processes owned by one web process."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        # Workers are started from one long-lived thread: Linux delivers the parent-death signal
        # when the *thread* that started a child ends, so a short-lived thread would kill it.
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lacat-query-spawner")
        self._idle: queue.LifoQueue[_Handle] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._live = 0
        self._pid = os.getpid()
        self.killed = 0  # workers stopped for exceeding the time limit (for tests and logs)

    def _new_handle(self) -> _Handle:
        handle = self._spawner.submit(_Handle).result(60)
        handle.wait_ready(60)
        return handle

    def warm(self) -> None:
        """Start every worker in the background so the first queries do not wait for them."""
        for _ in range(self.size):
            threading.Thread(target=self._add_idle, daemon=True).start()

    def _add_idle(self) -> None:
        with self._lock:
            if self._live >= self.size:
                return
            self._live += 1
        try:
            handle = self._new_handle()
        except Exception:
            with self._lock:
                self._live -= 1
            log.exception("could not start a query worker")
            return
        self._idle.put(handle)

    def _acquire(self, wait_s: float) -> _Handle:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        start = False
        with self._lock:
            if self._live < self.size:
                self._live += 1
                start = True
        if start:
            try:
                return self._new_handle()
            except Exception:
                with self._lock:
                    self._live -= 1
                raise QueryFailed(503, "The query service could not start; try again later.") from None
        try:
            return self._idle.get(timeout=wait_s)
        except queue.Empty:
            raise QueryFailed(503, "The query service is busy; try again in a few seconds.") from None

    def _discard(self, handle: _Handle) -> None:
        handle.kill()
        with self._lock:
            self._live -= 1
        # Replace it straight away, off the request thread.
        threading.Thread(target=self._add_idle, daemon=True).start()

    def run(self, job: Job, timeout_s: float) -> Answer:
        """Run one job; raise QueryFailed (with an HTTP status) if it fails or overruns."""
        handle = self._acquire(wait_s=timeout_s)
        deadline = time.monotonic() + timeout_s
        try:
            handle.conn.send(job)
            if not handle.conn.poll(max(0.0, deadline - time.monotonic())):
                self.killed += 1
                self._discard(handle)
                raise QueryFailed(
                    503, f"The query was stopped after the time limit of {timeout_s:g} seconds. "
                         "Make it more specific (fewer results, a LIMIT, fewer joins) and try again.")
            message = handle.conn.recv()
            if message[0] == "error":
                self._idle.put(handle)
                raise QueryFailed(message[1], message[2])
            chunks = [handle.conn.recv_bytes() for _ in range(message[1])]
        except (EOFError, OSError, BrokenPipeError):
            # The worker died (e.g. the engine crashed on this query): only it is lost.
            log.error("a query worker died while running a query; replacing it")
            self._discard(handle)
            raise QueryFailed(503, "The query could not be completed; try again later.") from None
        self._idle.put(handle)
        media_type = FORMATS[job.fmt].media_type
        return Answer(media_type=media_type, chunks=chunks)

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break


_POOL: QueryPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool(size: int) -> QueryPool:
    """This process's pool, created on first use (after gunicorn has forked its workers)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._pid != os.getpid():
            _POOL = QueryPool(size)
            _POOL.warm()
        return _POOL


if __name__ == "__main__":
    worker_main(Connection(int(sys.argv[1])))
