"""The endpoint is safe on the public internet: hostile queries are refused before they reach the
engine, and a query that runs too long is really stopped while other clients keep being served.
Tests against the real server (`lacat serve`, Granian) on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from core.settings import Settings
from core.sparql_lexer import names_dataset, tokens
from core.store import read_pointer
from sparql.guard import GuardError, check
from sparql.pool import Job, QueryFailed, QueryPool
from tests.helpers import descendants, serving

JSON = {"Accept": "application/sparql-results+json"}
# Every triple of the catalogue joined with itself four times: thousands of billions of rows.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SIMPLE = "SELECT ?g WHERE { GRAPH ?g { } } LIMIT 1"


# ---------------------------------------------------------------------------------------------
# The guard, before the engine


@pytest.fixture(scope="module")
def limits() -> Settings:
    return Settings.from_env(max_query_bytes=20_000, max_query_depth=64, max_query_patterns=64)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "select * where { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z OPTIONAL { SELECT * { SeRvIcE ?endpoint { ?s ?p ?o } } } }",
    "SELECT * WHERE { # a comment\n SERVICE<http://127.0.0.1:1/>{?s ?p ?o} }",
    "SELECT * WHERE { FILTER EXISTS { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } } }",
])
def test_service_is_refused(limits: Settings, query: str) -> None:
    with pytest.raises(GuardError) as err:
        check(query, limits)
    assert err.value.status == 400 and "SERVICE" in err.value.message


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s rdfs:label "Social services" }',
    "SELECT ?service WHERE { ?service a ?t }",
    "SELECT * WHERE { ?s lacat:service ?o } # SERVICE in a comment",
    "SELECT * WHERE { ?s ?p <http://example.org/SERVICE> }",
    'SELECT * WHERE { ?s ?p """a long\nSERVICE <http://x/> { }""" }',
])
def test_service_as_data_is_not_refused(limits: Settings, query: str) -> None:
    """The word in strings, IRIs, names and comments is data, not the keyword."""
    assert check(query, limits).form == "SELECT"


def test_comment_ends_at_any_line_break(limits: Settings) -> None:
    """A carriage return ends a comment for the engine, so it must for the guard too."""
    with pytest.raises(GuardError):
        check("SELECT * WHERE { # hidden?\r SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", limits)


def test_unlexable_text_is_refused(limits: Settings) -> None:
    with pytest.raises(GuardError):
        check('SELECT * WHERE { ?s ?p "unterminated\\q" }', limits)


def test_deep_nesting_is_refused_before_the_engine(limits: Settings) -> None:
    # 3,000 braces crash pyoxigraph 0.5 with a segmentation fault.
    query = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    with pytest.raises(GuardError) as err:
        check(query, Settings.from_env(max_query_bytes=100_000, max_query_depth=64))
    assert err.value.status == 400 and "nests" in err.value.message
    deep_parens = "SELECT * WHERE { FILTER(" + "(" * 100 + "1" + ")" * 100 + ") }"
    with pytest.raises(GuardError):
        check(deep_parens, limits)


def test_many_patterns_are_refused(limits: Settings) -> None:
    # 150 patterns on one subject keep the planner busy for over ten seconds.
    query = "SELECT * WHERE { " + " ".join(f"?s ?p{i} ?o{i} ." for i in range(150)) + " }"
    with pytest.raises(GuardError) as err:
        check(query, limits)
    assert "triple patterns" in err.value.message
    path = "SELECT * WHERE { ?s " + "/".join(["rdfs:seeAlso"] * 100) + " ?o }"
    with pytest.raises(GuardError):
        check(path, limits)
    ok = "SELECT * WHERE { " + " ".join(f"?s ?p{i} ?o{i} ." for i in range(20)) + " }"
    assert check(ok, limits).patterns < 64


def test_size_limit(limits: Settings) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 20_000
    with pytest.raises(GuardError) as err:
        check(query, limits)
    assert err.value.status == 413


@pytest.mark.parametrize("text", ["INSERT DATA { <a:b> <a:c> <a:d> }", "CLEAR ALL", "DROP GRAPH <a:b>",
                                  "LOAD <http://127.0.0.1:1/data.ttl>",
                                  "PREFIX ex: <http://e/> WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"])
def test_updates_are_refused(limits: Settings, text: str) -> None:
    with pytest.raises(GuardError) as err:
        check(text, limits)
    assert err.value.status == 403


def test_shape(limits: Settings) -> None:
    shape = check("PREFIX ex: <http://e/> SELECT * FROM <http://g/> { { SELECT * { ?s ?p ?o } LIMIT 5 } } "
                  "LIMIT 10", limits)
    assert (shape.form, shape.has_dataset, shape.limit) == ("SELECT", True, 10)
    assert check("ASK { ?s ?p ?o }", limits).limit is None
    assert check("DESCRIBE <http://e/x>", limits).form == "DESCRIBE"


@pytest.mark.parametrize(("query", "named"), [
    ("SELECT * FROM <http://e/g> { ?s ?p ?o }", True),
    ("select * from named <http://e/g> { GRAPH ?g { ?s ?p ?o } }", True),
    ("PREFIX ex: <http://e/> SELECT * FROM ex:g WHERE { ?s ?p ?o }", True),
    # The word in any other role names no dataset: the remote backend then sends the catalogue's graphs.
    ("SELECT ?from WHERE { ?s <http://e/operationalFrom> ?from }", False),
    ("# Where the figures come from\nSELECT * { ?s ?p ?o }", False),
    ('SELECT * { ?s ?p "from <http://e/g>" }', False),
    ("SELECT * { ?s <http://e/from> ?o }", False),
    ("SELECT * { ?s ?p $from }", False),
])
def test_dataset_clause_is_the_keyword_only(limits: Settings, query: str, named: bool) -> None:
    assert check(query, limits).has_dataset is named
    assert names_dataset(tokens(query)) is named


# ---------------------------------------------------------------------------------------------
# The real server


class ConnectionRecorder:
    """A listening socket on 127.0.0.1 that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@pytest.fixture()
def recorder() -> Iterator[ConnectionRecorder]:
    rec = ConnectionRecorder()
    yield rec
    rec.close()


@pytest.fixture(scope="module")
def guarded_server(built_var: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`lacat serve` with a 3-second query time limit and two query workers."""
    with serving({**os.environ, "LACAT_VAR_DIR": str(built_var), "LACAT_QUERY_TIMEOUT": "3",
                  "LACAT_QUERY_WORKERS": "2"}) as server:
        yield server


def _query_workers(proc: subprocess.Popen) -> set[int]:
    return {pid for pid, cmd in descendants(proc.pid).items() if "sparql.pool" in cmd}


def test_service_makes_no_connection(guarded_server, recorder: ConnectionRecorder) -> None:
    url, _ = guarded_server
    target = f"http://127.0.0.1:{recorder.port}/"
    for query in [f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                  f"select * {{ service silent <{target}sparql> {{ ?s ?p ?o }} }}",
                  f"SELECT * {{ BIND(<{target}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
                  f"ASK {{ {{ SELECT * {{ #\r\n SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}"]:
        for method in ("GET", "POST"):
            if method == "GET":
                r = requests.get(url + "/sparql", params={"query": query}, headers=JSON, timeout=10)
            else:
                r = requests.post(url + "/sparql", data=query.encode(), timeout=10,
                                  headers={**JSON, "Content-Type": "application/sparql-query"})
            assert r.status_code == 400, (query, r.text)
            assert "SERVICE" in r.text
    time.sleep(0.5)
    assert recorder.connections == 0


def test_connection_recorder_sees_what_the_engine_does(recorder: ConnectionRecorder) -> None:
    """The control for the test above: unguarded, pyoxigraph really connects to the address."""
    code = ("import pyoxigraph as ox\n"
            "try:\n"
            f"    list(ox.Store().query('SELECT * {{ SERVICE <http://127.0.0.1:{recorder.port}/> {{ ?s ?p ?o }} }}'))\n"
            "except Exception:\n"
            "    pass\n")
    subprocess.run([sys.executable, "-c", code], timeout=30, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    assert recorder.connections >= 1


def test_long_query_is_stopped_and_others_are_served(guarded_server) -> None:
    url, proc = guarded_server
    # Warm up: both query workers running.
    assert requests.get(url + "/sparql", params={"query": SIMPLE}, headers=JSON, timeout=30).status_code == 200
    deadline = time.monotonic() + 20
    while len(_query_workers(proc)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    before = _query_workers(proc)
    assert len(before) == 2

    outcome: dict[str, object] = {}

    def long_query() -> None:
        t = time.monotonic()
        r = requests.post(url + "/sparql", data={"query": ENDLESS}, headers=JSON, timeout=60)
        outcome["status"], outcome["text"], outcome["seconds"] = r.status_code, r.text, time.monotonic() - t

    thread = threading.Thread(target=long_query)
    thread.start()
    time.sleep(0.5)
    # While the long query runs, other clients' simple queries still answer promptly.
    latencies = []
    for i in range(5):
        t = time.monotonic()
        r = requests.post(url + "/sparql", data={"query": SIMPLE + f" OFFSET {i % 2}"}, headers=JSON, timeout=10)
        latencies.append(time.monotonic() - t)
        assert r.status_code == 200
        time.sleep(0.2)
    thread.join(60)
    assert outcome["status"] == 503, outcome
    assert "time limit of 3 seconds" in str(outcome["text"])
    assert 2.5 < float(outcome["seconds"]) < 10  # type: ignore[arg-type]
    assert max(latencies) < 1.5, latencies
    # The worker that ran it was killed (the work really stopped) and replaced.
    deadline = time.monotonic() + 20
    after = _query_workers(proc)
    while (len(after) < 2 or not (before - after)) and time.monotonic() < deadline:
        time.sleep(0.2)
        after = _query_workers(proc)
    assert len(before - after) == 1 and len(after) == 2
    assert requests.get(url + "/sparql", params={"query": SIMPLE}, headers=JSON, timeout=10).status_code == 200


def test_crash_costs_only_a_worker(guarded_server) -> None:
    """A query that would crash the engine is refused; the server keeps answering."""
    url, _ = guarded_server
    query = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000
    r = requests.post(url + "/sparql", data=query.encode(), timeout=10,
                      headers={**JSON, "Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    assert requests.get(url + "/sparql", params={"query": SIMPLE}, headers=JSON, timeout=10).status_code == 200


def test_worker_crash_is_contained(built_var: Path) -> None:
    """Even a crash the guard does not foresee only kills a worker: the next query is answered."""
    info = read_pointer(Settings.from_env(var_dir=built_var))
    pool = QueryPool(1)
    try:
        # Bypasses the guard on purpose: 3,000 nested groups crash the engine in the worker.
        crash = Job(query="SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000, form="SELECT",
                    fmt="json", max_rows=10, count_rows=True, store_path=info.path)
        with pytest.raises(QueryFailed) as err:
            pool.run(crash, 10)
        assert err.value.status == 503
        ok = Job(query=SIMPLE, form="SELECT", fmt="json", max_rows=10, count_rows=True, store_path=info.path)
        assert b'"g"' in b"".join(pool.run(ok, 30).chunks)
    finally:
        pool.close()
