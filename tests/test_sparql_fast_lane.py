"""The endpoint's per-query overhead: queries the guard proves cheap are answered in the web
process (sparql.inline) with the same bytes an isolated worker gives; every other query still
goes to a worker. A SELECT without a LIMIT gets one appended so the engine stops one row past the
row limit and the answer is serialised once."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from core.settings import Settings
from sparql import inline
from sparql.guard import GuardError, check, check_tokens
from sparql.jobs import Job, QueryFailed, Worker
from sparql.pool import QueryPool
from sparql.protocol import _job
from web.app import create_app

BIR = "id/authority/BIR"  # relative: queries resolve IRIs against the catalogue's base


@pytest.mark.parametrize("query,cheap", [
    (f"DESCRIBE <{BIR}>", True),
    ("PREFIX ex: <id/authority/> DESCRIBE ex:BIR ex:KEN", True),
    (f"SELECT * WHERE {{ <{BIR}> ?p ?o }}", True),
    (f"SELECT ?o {{ <{BIR}> a ?o . }} LIMIT 5 OFFSET 1", True),
    (f'ASK {{ <{BIR}> rdfs:label "Birmingham City Council"@en }}', True),
    ("DESCRIBE ?x WHERE { ?x ?p ?o }", False),
    ("SELECT * WHERE { ?s ?p ?o }", False),  # a variable subject: the whole store
    (f"SELECT * WHERE {{ <{BIR}> ?p ?o . ?o ?q ?r }}", False),  # a second pattern
    (f"SELECT * WHERE {{ <{BIR}> ?p ?o FILTER(isIRI(?o)) }}", False),
    (f"SELECT (COUNT(*) AS ?n) WHERE {{ <{BIR}> ?p ?o }}", False),
    (f"SELECT * WHERE {{ <{BIR}> lacat:hasNeighbour* ?o }}", False),  # a path
    (f"SELECT * WHERE {{ <{BIR}> ?p ?o }} ORDER BY ?o", False),
    (f"SELECT * FROM <{BIR}> WHERE {{ <{BIR}> ?p ?o }}", False),
    (f"CONSTRUCT WHERE {{ <{BIR}> ?p ?o }}", False),
    ("DESCRIBE " + " ".join(f"<{BIR}{i}>" for i in range(21)), False),  # too many resources
])
def test_guard_proves_only_bounded_shapes_cheap(query: str, cheap: bool) -> None:
    assert check(query, Settings.from_env()).cheap is cheap


@pytest.mark.parametrize("query,fmt", [
    (f"DESCRIBE <{BIR}>", "ttl"),
    (f"DESCRIBE <{BIR}>", "nt"),
    (f"SELECT ?p ?o WHERE {{ <{BIR}> ?p ?o }}", "json"),
    (f"ASK {{ <{BIR}> a lacat:LocalAuthority }}", "json"),
])
def test_in_process_answer_is_the_workers_byte_for_byte(store, settings: Settings, query: str, fmt: str) -> None:
    shape = check(query, settings)
    assert shape.cheap
    job = _job(store, settings, query, shape, fmt, None, None)
    pool = QueryPool(1)
    try:
        from_worker = b"".join(pool.run(job, 20).chunks)
    finally:
        pool.close()
    here = inline.run(store, job, threads=1, wait_s=5)
    assert b"".join(here.chunks) == from_worker
    if fmt == "nt":
        triples = [q.triple for q in ox.parse(from_worker, format=ox.RdfFormat.N_TRIPLES)]
        assert ox.Triple(ox.NamedNode(settings.base_uri + BIR), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                         ox.Literal("Birmingham City Council", language="en")) in triples


def test_describe_over_http_is_answered_without_a_worker(client, settings: Settings,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args: object):
        raise AssertionError("a cheap query went to the worker pool")

    monkeypatch.setattr("sparql.protocol.get_pool", no_pool)
    r = client.post("/sparql", data=f"DESCRIBE <{BIR}>", headers={
        "Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert r.status_code == 200 and f"<{settings.base_uri}{BIR}> <http://www.w3.org/2000/01/rdf-schema#label>" in r.text
    with pytest.raises(AssertionError, match="worker pool"):
        client.post("/sparql", data="SELECT ?s WHERE { ?s a lacat:LocalAuthority } LIMIT 1", headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})


def test_repeated_get_of_a_cheap_query_is_cached_and_revalidated(client) -> None:
    query = {"query": f"DESCRIBE <{BIR}>"}
    first = client.get("/sparql", query_string=query, headers={"Accept": "text/turtle"})
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/sparql", query_string=query, headers={"Accept": "text/turtle"})
    assert again.headers["X-Cache"] == "hit" and again.data == first.data
    not_modified = client.get("/sparql", query_string=query,
                              headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304


def test_appended_limit_keeps_the_row_limit_comments_and_trailing_values(built_var: Path) -> None:
    c = create_app(Settings.from_env(var_dir=built_var, max_result_rows=5)).test_client()
    json_accept = {"Accept": "application/sparql-results+json"}
    # A comment on the last line must not swallow the LIMIT the endpoint appends.
    r = c.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s rdfs:label ?l } # every label"},
              headers=json_accept)
    assert r.status_code == 400 and "more than 5 results" in r.text
    for accept in ("text/csv", "application/sparql-results+xml", "text/tab-separated-values"):
        r = c.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s rdfs:label ?l }"}, headers={"Accept": accept})
        assert r.status_code == 400, accept
    few = "SELECT ?code WHERE { ?a dcterms:identifier ?code FILTER(?code IN (\"BIR\", \"KEN\")) } ORDER BY ?code"
    r = c.get("/sparql", query_string={"query": few + " # two"}, headers=json_accept)
    assert r.status_code == 200 and [b["code"]["value"] for b in r.json["results"]["bindings"]] == ["BIR", "KEN"]
    # VALUES after the WHERE group: no LIMIT can follow it, so the rows are counted instead.
    trailing = ("SELECT ?a ?code WHERE { ?a dcterms:identifier ?code } "
                "VALUES ?code { \"BIR\" \"KEN\" \"MAN\" }")
    r = c.get("/sparql", query_string={"query": trailing}, headers=json_accept)
    assert r.status_code == 200 and len(r.json["results"]["bindings"]) >= 3
    many = "SELECT ?s WHERE { ?s rdfs:label ?l } VALUES ?x { 1 2 }"
    assert c.get("/sparql", query_string={"query": many}, headers=json_accept).status_code == 400


def test_cheap_describe_keeps_the_row_limit(built_var: Path) -> None:
    """A DESCRIBE answered in process is held whole and counted after: still refused past the limit."""
    client = create_app(Settings.from_env(var_dir=built_var, max_result_rows=3)).test_client()
    headers = {"Content-Type": "application/sparql-query", "Accept": "text/turtle"}
    r = client.post("/sparql", data=f"DESCRIBE <{BIR}>", headers=headers)
    assert r.status_code == 400 and "more than 3 results" in r.text
    r = client.post("/sparql", data=f"DESCRIBE <{BIR}>", headers={**headers, "Accept": "application/n-triples"})
    assert r.status_code == 400 and "more than 3 results" in r.text
    r = client.post("/sparql", data=f"SELECT ?o {{ <{BIR}> a ?o }} LIMIT 2", headers={**headers, "Accept": "text/csv"})
    assert r.status_code == 200


def test_cheap_describe_as_n_triples_is_counted_by_its_lines() -> None:
    """A cheap DESCRIBE asked as N-Triples is written whole and counted by lines: a literal's line
    breaks are escaped, so each line is one triple, and the bytes are those of the triples held."""
    s = ox.NamedNode("http://example.org/s")
    store = ox.Store()
    for i, text in enumerate(["one\nline", "two\r\nlines\r", "plain"]):
        store.add(ox.Quad(s, ox.NamedNode(f"http://example.org/p{i}"), ox.Literal(text), ox.NamedNode("http://g")))
    shape = check(f"DESCRIBE <{s.value}>", Settings.from_env())
    assert shape.cheap
    worker = Worker.over(store, "")
    for max_rows, answered in ((3, True), (2, False)):
        job = Job(query=f"DESCRIBE <{s.value}>", form="DESCRIBE", fmt="nt", max_rows=max_rows, count_rows=True,
                  bounded=True)
        if answered:
            held = list(store.query(job.query, use_default_graph_as_union=True))
            assert worker.answer(job) == ox.serialize(held, format=ox.RdfFormat.N_TRIPLES)
        else:
            with pytest.raises(QueryFailed, match="more than 2 results"):
                worker.answer(job)


@pytest.mark.parametrize("query", [
    f"DESCRIBE <{BIR}>",
    f"describe <{BIR}>",
    f"DeScRiBe<{BIR}>",
    f" \t\r\nDESCRIBE\n<{BIR}>\t<id/authority/KEN> \n",
    "DESCRIBE <>",
    "DESCRIBE <http://example.org/caf\u00e9>",
    "DESCRIBE " + " ".join(f"<{BIR}{i}>" for i in range(20)),
    "DESCRIBE " + " ".join(f"<{BIR}{i}>" for i in range(21)),  # too many to be cheap
    "DESCRIBE <http://example.org/\\u0041>",  # an escape: only the lexer reads it
    "DESCRIBE <http://example.org/a b>",  # not an IRI
    "DESCRIBE <a>>",
    "DESCRIBE <a",
    "DESCRIBE",
    "DESCRIBE <a> # a comment",
    "DESCRIBE <a> lacat:x",
    "DESCRIBE *",
    "DESCRIBE ?x WHERE { ?x ?p ?o }",
    "DESCRIBE <a> FROM <g>",
    "DESCR\u0131BE <a>",  # a dotless i, which a case-insensitive pattern would take for an I
    "DESCRIBE\u00a0<a>",  # a space the grammar does not allow
    "DESCRIBE\x0b<a>",
    "PREFIX ex: <http://example.org/> DESCRIBE ex:a",
    "SERVICE <a>",
    "DESCRIBEX <a>",
])
def test_a_plain_describe_has_the_shape_the_lexer_gives(query: str) -> None:
    """check() reads `DESCRIBE <iri>...` without the lexer: the shape, or the refusal, is the lexer's."""
    settings = Settings.from_env()

    def outcome(guard):
        try:
            return guard(query, settings)
        except GuardError as exc:
            return exc.status, exc.message

    assert outcome(check) == outcome(check_tokens)


def test_in_process_answers_are_bounded_in_number(store, settings: Settings) -> None:
    """At most `threads` cheap queries run at once in the web process: one more waits, and is told
    the service is busy (503) when no slot frees in time; a slot given back serves the next."""
    query = f"DESCRIBE <{BIR}>"
    job = _job(store, settings, query, check(query, settings), "nt", None, None)
    threads = 7  # a count no other test uses, so its slots are this test's alone
    held = [inline._slots(threads).get() for _ in range(threads)]
    try:
        with pytest.raises(QueryFailed) as refused:
            inline.run(store, job, threads=threads, wait_s=0.05)
        assert refused.value.status == 503 and "busy" in refused.value.message
    finally:
        for token in held:
            inline._slots(threads).put(token)
    assert b"".join(inline.run(store, job, threads=threads, wait_s=1).chunks)
