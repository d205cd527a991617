"""Runs public SPARQL queries in separate worker processes with a hard time limit.

pyoxigraph cannot interrupt a running query and some queries crash the whole process, so public
queries run outside the web process (except those the guard proves cheap: sparql.inline). Each web
process owns a small pool of worker processes (started lazily, so every server worker process gets
its own after the fork). A worker opens the store read-only ONCE and runs up to `threads` queries at
a time, one per thread, each on its own connection to the web process: pyoxigraph releases the
GIL while it evaluates and serialises, so the threads share one store and one block cache instead
of a process (and a cache) per query. Each thread serialises its whole answer and sends the bytes.

When a query passes the time limit its worker is killed (SIGKILL: the work really stops) and
replaced, and the client gets a 503. The other queries running in that worker are lost with it:
each is run again once, from the start, on another worker (they were not at fault), within what
is left of its own time limit; so a hostile query costs the others at most a second run, and with
two workers or more never waits for the replacement to start. A crash costs that worker's
queries too, but they are not run again (one of them may be what crashes the engine).

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

from core import affinity, allocator
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


def worker_main(conns: list[Connection]) -> None:
    """Entry point of a worker process: one thread per connection, over one shared store, each
    answering jobs until its connection closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    state = SharedWorker()
    threads = [threading.Thread(target=_serve, args=(conn, state), daemon=True) for conn in conns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class SharedWorker(Worker):
    """The worker's store, opened once for all its threads."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def open(self, path: str):  # type: ignore[no-untyped-def]
        with self._lock:
            return super().open(path)


def _serve(conn: Connection, state: Worker) -> None:
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


class _Process:
    """One worker: a fresh interpreter running `python -m sparql.pool` with one socket pair per
    thread.

    A plain subprocess rather than multiprocessing's spawn: that would re-import the parent's
    main module (the server, pytest, a benchmark script) in every worker.
    """

    def __init__(self, threads: int, preload: str | None = None) -> None:
        pairs = [socket.socketpair() for _ in range(max(1, threads))]
        env = allocator.preload(dict(os.environ), preload)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
        fds = [child.fileno() for _, child in pairs]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sparql.pool", *map(str, fds)],
            pass_fds=fds, env=env, stdin=subprocess.DEVNULL, close_fds=True,
        )
        affinity.unpin(self.process.pid)  # a heavy query may use any CPU, not only its web worker's
        for _, child in pairs:
            child.close()
        self.slots = [_Slot(self, Connection(parent.detach())) for parent, _ in pairs]
        self.timed_out = False  # killed because one of its queries passed its time limit
        self.dead = False

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for slot in self.slots:
            if not slot.conn.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("query worker did not start")
            slot.conn.recv()

    def kill(self) -> None:
        self.dead = True
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(2)
        for slot in self.slots:
            with contextlib.suppress(Exception):
                slot.conn.close()


class _Slot:
    """One thread of a worker process, and the web process's end of its connection."""

    def __init__(self, process: _Process, conn: Connection) -> None:
        self.process = process
        self.conn = conn


class _Lost(Exception):
    """The worker was killed for another query's time limit while running this one."""


class QueryPool:
    """A fixed number of query worker processes owned by one web process, `threads` queries each."""

    def __init__(self, size: int, threads: int = 1, preload: str | None = None) -> None:
        self.size = max(1, size)
        self.threads = max(1, threads)
        self.preload = preload  # the allocator library its workers start with (core.allocator)
        # Workers are started from one long-lived thread: Linux delivers the parent-death signal
        # when the *thread* that started a child ends, so a short-lived thread would kill it.
        self._spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lacat-query-spawner")
        self._idle: queue.LifoQueue[_Slot] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._live = 0
        self._pid = os.getpid()
        self.killed = 0  # workers stopped for exceeding the time limit (for tests and logs)
        self.rerun = 0  # queries run again after their worker was killed for another's time limit
        self.started = 0  # worker processes started (for tests)

    def _new_process(self) -> _Process:
        process = self._spawner.submit(_Process, self.threads, self.preload).result(60)
        try:
            process.wait_ready(60)
        except Exception:
            process.kill()
            raise
        with self._lock:
            self.started += 1
        return process

    def warm(self) -> None:
        """Start every worker in the background so the first queries do not wait for them."""
        for _ in range(self.size):
            threading.Thread(target=self._add_process, daemon=True).start()

    def _add_process(self) -> None:
        with self._lock:
            if self._live >= self.size:
                return
            self._live += 1
        try:
            process = self._new_process()
        except Exception:
            with self._lock:
                self._live -= 1
            log.exception("could not start a query worker")
            return
        for slot in process.slots:
            self._idle.put(slot)

    def _take_idle(self, timeout: float | None) -> _Slot:
        """An idle slot of a live worker (slots of a killed worker are dropped as they come up)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is None:
                slot = self._idle.get_nowait()
            else:
                slot = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            if not slot.process.dead:
                return slot

    def _acquire(self, wait_s: float) -> _Slot:
        try:
            return self._take_idle(None)
        except queue.Empty:
            pass
        start = False
        with self._lock:
            if self._live < self.size:
                self._live += 1
                start = True
        if start:
            try:
                process = self._new_process()
            except Exception:
                with self._lock:
                    self._live -= 1
                raise QueryFailed(503, "The query service could not start; try again later.") from None
            for slot in process.slots[1:]:
                self._idle.put(slot)
            return process.slots[0]
        try:
            return self._take_idle(wait_s)
        except queue.Empty:
            raise QueryFailed(503, "The query service is busy; try again in a few seconds.") from None

    def _discard(self, process: _Process) -> None:
        with self._lock:
            if process.dead:
                return
            process.dead = True
            self._live -= 1
        process.kill()
        # Replace it straight away, off the request thread.
        threading.Thread(target=self._add_process, daemon=True).start()

    def run(self, job: Job, timeout_s: float) -> Answer:
        """Run one job; raise QueryFailed (with an HTTP status) if it fails or overruns."""
        deadline = time.monotonic() + timeout_s
        try:
            chunks = self._run_once(job, deadline, timeout_s)
        except _Lost:
            # Killed with a worker for another query's time limit: not this query's fault, so it
            # runs once more, from the start, within what is left of its own limit.
            with self._lock:
                self.rerun += 1
            try:
                chunks = self._run_once(job, deadline, timeout_s)
            except _Lost:
                raise QueryFailed(503, "The query could not be completed; try again later.") from None
        return Answer(media_type=FORMATS[job.fmt].media_type, chunks=chunks)

    def _run_once(self, job: Job, deadline: float, timeout_s: float) -> list[bytes]:
        slot = self._acquire(wait_s=max(0.0, deadline - time.monotonic()))
        process = slot.process
        try:
            slot.conn.send(job)
            if not slot.conn.poll(max(0.0, deadline - time.monotonic())):
                with self._lock:
                    self.killed += 1
                process.timed_out = True
                self._discard(process)
                raise QueryFailed(
                    503, f"The query was stopped after the time limit of {timeout_s:g} seconds. "
                         "Make it more specific (fewer results, a LIMIT, fewer joins) and try again.")
            message = slot.conn.recv()
            if message[0] == "error":
                self._idle.put(slot)
                raise QueryFailed(message[1], message[2])
            chunks = [slot.conn.recv_bytes() for _ in range(message[1])]
        except (EOFError, OSError, BrokenPipeError):
            if process.timed_out:
                raise _Lost() from None
            # The worker died (e.g. the engine crashed on this query): only it is lost.
            log.error("a query worker died while running a query; replacing it")
            self._discard(process)
            raise QueryFailed(503, "The query could not be completed; try again later.") from None
        self._idle.put(slot)
        return chunks

    def close(self) -> None:
        processes: set[int] = set()
        while True:
            try:
                slot = self._idle.get_nowait()
            except queue.Empty:
                break
            if id(slot.process) not in processes:
                processes.add(id(slot.process))
                slot.process.kill()


_POOL: QueryPool | None = None
_POOL_LOCK = threading.Lock()


def get_pool(size: int, threads: int, allocator_choice: str) -> QueryPool:
    """This process's pool, created on first use (after the server has started its worker processes)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._pid != os.getpid():
            _POOL = QueryPool(size, threads, allocator.resolve(allocator_choice))
            _POOL.warm()
        return _POOL


if __name__ == "__main__":
    worker_main([Connection(int(fd)) for fd in sys.argv[1:]])
