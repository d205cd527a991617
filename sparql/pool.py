"""Runs public SPARQL queries in separate worker processes with a hard time limit.

pyoxigraph cannot interrupt a running query and some queries crash the whole process, so public
queries never run inside the web process. Each web process owns a small pool of worker
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
import io
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
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox

from core.settings import PROJECT_ROOT
from sparql.formats import FORMATS

log = logging.getLogger("lacat.sparql")

CHUNK = 1 << 20  # bytes per message from a worker


@dataclass(frozen=True)
class Job:
    query: str
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE (from sparql.guard)
    fmt: str  # key of sparql.formats.FORMATS
    max_rows: int
    count_rows: bool  # False when the query's own LIMIT already bounds the result
    # The dataset: explicit graphs from the protocol, else the union of named graphs unless
    # the query names its own (FROM / FROM NAMED).
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    use_union: bool = True
    store_path: str = ""  # embedded backend: the store folder
    remote_url: str = ""  # remote backend: the SPARQL query URL
    remote_union: tuple[str, ...] = ()  # remote backend: every named graph, for the union default graph
    timeout_s: float = 10.0
    base_iri: str | None = None  # relative IRIs in the query resolve against the catalogue's base


@dataclass
class Answer:
    media_type: str
    chunks: list[bytes]

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.chunks)


class QueryFailed(Exception):
    """A query that could not be answered; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------------------------
# Inside a worker process


class _TooManyRows(Exception):
    pass


class _LineCounter(io.RawIOBase):
    """Collects serialised output, stopping once it holds more lines than allowed.

    Used with TSV and N-Triples, where pyoxigraph writes exactly one solution or triple per line.
    """

    def __init__(self, max_lines: int) -> None:
        self.max_lines = max_lines
        self.lines = 0
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        data = bytes(b)
        self.lines += data.count(b"\n")
        if self.lines > self.max_lines:
            raise _TooManyRows()
        self.parts.append(data)
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.parts)


def _too_many(max_rows: int) -> QueryFailed:
    return QueryFailed(
        400,
        f"The query returns more than {max_rows:,} results, the most this endpoint sends at once: "
        "add LIMIT and OFFSET to fetch them in pages.",
    )


def _serialise_solutions(result: ox.QuerySolutions, job: Job) -> bytes:
    fmt = FORMATS[job.fmt]
    assert fmt.results is not None
    if not job.count_rows:
        return result.serialize(format=fmt.results) or b""
    # Counted through TSV (one solution per line); converted only if another format was asked.
    counter = _LineCounter(job.max_rows + 1)  # + the header line
    try:
        result.serialize(counter, format=ox.QueryResultsFormat.TSV)
    except _TooManyRows:
        raise _too_many(job.max_rows) from None
    tsv = counter.value()
    if fmt.results == ox.QueryResultsFormat.TSV:
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt.results) or b""


def _serialise_triples(triples, job: Job, counted: bool) -> bytes:
    from core.uris import PREFIXES

    fmt = FORMATS[job.fmt]
    assert fmt.rdf is not None
    if counted or not job.count_rows:
        if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            return ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES) or b""
        return triples.serialize(format=fmt.rdf) if hasattr(triples, "serialize") else (
            ox.serialize(triples, format=fmt.rdf) or b"")
    counter = _LineCounter(job.max_rows)
    try:
        triples.serialize(counter, format=ox.RdfFormat.N_TRIPLES)
    except _TooManyRows:
        raise _too_many(job.max_rows) from None
    nt = counter.value()
    if fmt.rdf == ox.RdfFormat.N_TRIPLES:
        return nt
    return _serialise_triples(list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)), job, counted=True)


class _Worker:
    """State kept by one worker process between jobs: the open store."""

    def __init__(self) -> None:
        self.path = ""
        self.store: ox.Store | None = None
        self.session = None

    def open(self, path: str) -> ox.Store:
        if self.store is None or self.path != path:
            self.store = None
            self.store = ox.Store.read_only(path)
            self.path = path
        return self.store

    def run(self, job: Job) -> bytes:
        if job.remote_url:
            return self.run_remote(job)
        store = self.open(job.store_path)
        from core.uris import PREFIXES

        # The project's prefixes are declared for every query, as on the query page.
        kwargs: dict[str, object] = {"prefixes": PREFIXES, "base_iri": job.base_iri}
        if job.default_graphs is not None or job.named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs or ()]
        elif job.use_union:
            kwargs["use_default_graph_as_union"] = True
        try:
            result = store.query(job.query, **kwargs)
        except SyntaxError as exc:
            raise QueryFailed(400, f"Query syntax error: {exc}") from None
        return self.serialise(result, job)

    def serialise(self, result, job: Job) -> bytes:
        fmt = FORMATS[job.fmt]
        if isinstance(result, ox.QueryBoolean):
            assert fmt.results is not None
            return result.serialize(format=fmt.results) or b""
        if isinstance(result, ox.QuerySolutions):
            return _serialise_solutions(result, job)
        return _serialise_triples(result, job, counted=False)

    def run_remote(self, job: Job) -> bytes:
        import requests

        if self.session is None:
            self.session = requests.Session()
        params: list[tuple[str, str]] = []
        if job.default_graphs is not None or job.named_graphs is not None:
            params += [("default-graph-uri", g) for g in job.default_graphs or ()]
            params += [("named-graph-uri", g) for g in job.named_graphs or ()]
        elif job.use_union:
            # The protocol's way to ask any server for the union of the named graphs.
            params += [("default-graph-uri", g) for g in job.remote_union]
            params += [("named-graph-uri", g) for g in job.remote_union]
        if job.form == "SELECT":
            accept, parse = "text/tab-separated-values", "tsv"
        elif job.form == "ASK":
            accept, parse = "application/sparql-results+json", "json"
        else:
            accept, parse = "application/n-triples", "nt"
        response = self.session.post(
            job.remote_url, params=params, data=job.query.encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            timeout=job.timeout_s + 5, stream=True,
        )
        if response.status_code == 400:
            raise QueryFailed(400, f"Query syntax error: {response.text[:500]}")
        if response.status_code != 200:
            raise QueryFailed(503, f"The SPARQL server answered {response.status_code}.")
        # Read with the same row limit as the embedded store, without holding more than that.
        counter = _LineCounter(job.max_rows + 1)
        try:
            for chunk in response.iter_content(CHUNK):
                counter.write(chunk)
        except _TooManyRows:
            response.close()
            raise _too_many(job.max_rows) from None
        body = counter.value()
        if parse == "nt":
            return _serialise_triples(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)), job, counted=True)
        fmt = ox.QueryResultsFormat.TSV if parse == "tsv" else ox.QueryResultsFormat.JSON
        result = ox.parse_query_results(body, format=fmt)
        if isinstance(result, ox.QuerySolutions):
            return result.serialize(format=FORMATS[job.fmt].results) or b""
        return self.serialise(result, job)


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the web process dies, so no query outlives its server."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def worker_main(conn: Connection) -> None:
    """Entry point of a worker process: answer jobs until the pipe closes."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which stops us
    state = _Worker()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            body = state.run(job)
        except QueryFailed as exc:
            conn.send(("error", exc.status, exc.message))
            continue
        except OSError as exc:
            conn.send(("error", 503, f"The catalogue store could not be read: {exc}"))
            state.store = None
            continue
        except Exception as exc:  # an engine error on a well-formed query is still the query's fault
            conn.send(("error", 400, f"The query could not be evaluated: {exc}"))
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
