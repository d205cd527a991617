"""What a query worker does with one job: evaluate it on the store and serialise the whole answer.

sparql.pool runs this in isolated worker processes; sparql.inline runs it in the web process for
the queries the guard proves cheap. Results are bounded by the row limit before any byte is sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pyoxigraph as ox
import requests

from core.problems import StatusError
from core.uris import PREFIXES
from sparql.formats import FORMATS

CHUNK = 1 << 20  # bytes read at a time from a remote server


@dataclass(frozen=True)
class Job:
    query: str
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE (from sparql.guard)
    fmt: str  # key of sparql.formats.FORMATS
    max_rows: int
    count_rows: bool  # False when the query's own LIMIT already bounds the result
    # True when the endpoint appended LIMIT max_rows + 1 to a SELECT: the engine itself stops
    # there, so the answer is serialised once, straight into the asked format.
    limit_added: bool = False
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
    prefixes: bool = True  # declare the catalogue's prefixes (not needed by a query without prefixed names)
    # Proved cheap by the guard: its triples are what one resource says of itself, few enough to
    # hold whole and count after, instead of counting lines as pyoxigraph writes them through Python.
    bounded: bool = False


@dataclass
class Answer:
    media_type: str
    chunks: list[bytes]

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.chunks)


class QueryFailed(StatusError):
    """A query that could not be answered; `status` is the HTTP status to answer with."""


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
    if job.limit_added:
        body = result.serialize(format=fmt.results) or b""
        # Every format spends at least 2 bytes on a solution, so a short answer cannot hold more
        # than the limit; only a long one is counted, by reading it back.
        if len(body) >= 2 * (job.max_rows + 1) and _solutions_in(body, fmt.results) > job.max_rows:
            raise _too_many(job.max_rows)
        return body
    # Counted through TSV (one solution per line); converted only if another format was asked.
    counter = _LineCounter(job.max_rows + 1)  # + the header line
    try:
        _write_buffered(lambda out: result.serialize(out, format=ox.QueryResultsFormat.TSV), counter)
    except _TooManyRows:
        raise _too_many(job.max_rows) from None
    tsv = counter.value()
    if fmt.results == ox.QueryResultsFormat.TSV:
        return tsv
    return ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(format=fmt.results) or b""


def _solutions_in(body: bytes, fmt: ox.QueryResultsFormat) -> int:
    return sum(1 for _ in ox.parse_query_results(body, format=fmt))  # type: ignore[arg-type]


def _write_buffered(serialise, counter: _LineCounter) -> None:
    """serialise(out) through a 64 KiB buffer: pyoxigraph writes term by term, and a Python call
    per term cost more than the query for a small answer (2.5 ms against 0.4 for a DESCRIBE)."""
    out = io.BufferedWriter(counter, buffer_size=1 << 16)
    serialise(out)
    out.flush()


def _serialise_triples(triples, job: Job, counted: bool) -> bytes:
    fmt = FORMATS[job.fmt]
    assert fmt.rdf is not None
    if job.bounded and not counted and job.count_rows:
        if fmt.rdf == ox.RdfFormat.N_TRIPLES:
            # One triple per line (line breaks in literals are escaped): written whole by the engine
            # and counted after, without a Python object per triple.
            nt = triples.serialize(format=fmt.rdf) or b""
            if nt.count(b"\n") > job.max_rows:
                raise _too_many(job.max_rows)
            return nt
        held = list(triples)
        if len(held) > job.max_rows:
            raise _too_many(job.max_rows)
        return _serialise_triples(held, job, counted=True)
    if counted or not job.count_rows:
        if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG):
            return ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES) or b""
        return triples.serialize(format=fmt.rdf) if hasattr(triples, "serialize") else (
            ox.serialize(triples, format=fmt.rdf) or b"")
    counter = _LineCounter(job.max_rows)
    try:
        _write_buffered(lambda out: triples.serialize(out, format=ox.RdfFormat.N_TRIPLES), counter)
    except _TooManyRows:
        raise _too_many(job.max_rows) from None
    nt = counter.value()
    if fmt.rdf == ox.RdfFormat.N_TRIPLES:
        return nt
    return _serialise_triples(list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)), job, counted=True)


class Worker:
    """State kept by one worker process between jobs: the open store. sparql.inline uses one over
    the web process's own store for the queries the guard proves cheap."""

    def __init__(self) -> None:
        self.path = ""
        self.store: ox.Store | None = None
        self.session = None

    @classmethod
    def over(cls, store: ox.Store, path: str) -> Worker:
        worker = cls()
        worker.store, worker.path = store, path
        return worker

    def answer(self, job: Job) -> bytes:
        """run(job), with the worker process's mapping of failures to HTTP statuses."""
        try:
            return self.run(job)
        except QueryFailed:
            raise
        except OSError as exc:
            raise QueryFailed(503, f"The catalogue store could not be read: {exc}") from None
        except Exception as exc:  # an engine error on a well-formed query is still the query's fault
            raise QueryFailed(400, f"The query could not be evaluated: {exc}") from None

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
        # The project's prefixes are declared for every query that uses prefixed names, as on the
        # query page (for one that does not, parsing them was a third of a small DESCRIBE's query time).
        kwargs: dict[str, object] = {"base_iri": job.base_iri}
        if job.prefixes:
            kwargs["prefixes"] = PREFIXES
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
        # The URL-encoded form POST, which every SPARQL 1.1 server takes (Virtuoso 7.2 does not
        # answer a query sent directly as application/sparql-query).
        response = self.session.post(
            job.remote_url, data=[("query", job.query), *params], headers={"Accept": accept},
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
        if parse == "tsv":
            body = _tsv_header(body)
        if parse == "nt":
            return _serialise_triples(list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES)), job, counted=True)
        fmt = ox.QueryResultsFormat.TSV if parse == "tsv" else ox.QueryResultsFormat.JSON
        result = ox.parse_query_results(body, format=fmt)
        if isinstance(result, ox.QuerySolutions):
            return result.serialize(format=FORMATS[job.fmt].results) or b""
        return self.serialise(result, job)


def _tsv_header(body: bytes) -> bytes:
    """The TSV header as SPARQL 1.1 writes it (?name): Virtuoso 7.2 writes the names as quoted
    strings ("name"), which a conforming parser rejects."""
    head, sep, rest = body.partition(b"\n")
    names = head.rstrip(b"\r").split(b"\t")
    if not all(len(n) >= 2 and n[:1] == b'"' and n[-1:] == b'"' for n in names if n):
        return body
    return b"\t".join(b"?" + n[1:-1] if n else n for n in names) + sep + rest
