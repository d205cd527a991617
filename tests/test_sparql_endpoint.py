"""The /sparql endpoint over the real built catalogue: formats, status codes, CORS, caching, the
service description, the query page (with and without JavaScript), the worked examples and
SPARQLWrapper as a client."""

from __future__ import annotations

import csv
import io
import json
from email.utils import formatdate
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import JSON as SW_JSON
from SPARQLWrapper import POST, TURTLE, SPARQLWrapper

from core.settings import Settings
from sparql.protocol import EXAMPLES_DIR, load_examples
from sparql.result_cache import ResultCache
from web.app import create_app

JSON = {"Accept": "application/sparql-results+json"}
COUNT_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
LABELS = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 7"


def _rows(response) -> list[dict]:
    return response.json["results"]["bindings"]


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/csv", ox.QueryResultsFormat.CSV),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_select_formats(client, accept: str, fmt: ox.QueryResultsFormat) -> None:
    r = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": accept})
    assert r.status_code == 200
    expected = {"application/json": "application/sparql-results+json"}.get(accept, accept)
    assert r.mimetype == expected
    if fmt == ox.QueryResultsFormat.CSV:  # lossy: pyoxigraph does not read it back
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == 7 and all(row["label"] for row in rows)
        return
    rows = list(ox.parse_query_results(r.data, format=fmt))
    assert len(rows) == 7 and all(row["label"] is not None for row in rows)


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD), ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ("application/n-quads", ox.RdfFormat.N_QUADS), ("application/trig", ox.RdfFormat.TRIG),
])
def test_construct_formats(client, accept: str, fmt: ox.RdfFormat) -> None:
    query = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } ORDER BY ?s LIMIT 5"
    r = client.post("/sparql", data={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200 and r.mimetype == accept
    assert len(list(ox.parse(r.data, format=fmt))) == 5


def test_describe_and_ask(client) -> None:
    iris = "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1"
    subject = _rows(client.get("/sparql", query_string={"query": iris}, headers=JSON))[0]["s"]["value"]
    r = client.get("/sparql", query_string={"query": f"DESCRIBE <{subject}>"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert any(t.subject == ox.NamedNode(subject) for t in ox.parse(r.data, format=ox.RdfFormat.TURTLE))
    for accept, fmt in [("application/sparql-results+xml", ox.QueryResultsFormat.XML),
                        ("application/sparql-results+json", ox.QueryResultsFormat.JSON)]:
        r = client.get("/sparql", query_string={"query": f"ASK {{ <{subject}> ?p ?o }}"}, headers={"Accept": accept})
        assert bool(ox.parse_query_results(r.data, format=fmt)) is True


def test_format_parameter_and_406(client) -> None:
    r = client.get("/sparql", query_string={"query": LABELS, "format": "csv"}, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    r = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"},
                   headers={"Accept": "text/csv"})
    assert r.status_code == 406
    r = client.get("/sparql", query_string={"query": LABELS, "format": "ttl"})
    assert r.status_code == 406


def test_status_codes(client, settings: Settings) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * settings.max_query_bytes
    assert client.post("/sparql", data={"query": big}).status_code == 413
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * (settings.max_query_bytes * 5)
    r = client.post("/sparql", data=huge.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    r = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": "application/json"})
    assert r.status_code == 415 and r.mimetype == "text/plain"
    r = client.post("/sparql", data=b"\xff\xfeASK {}", headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400
    r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400 and "syntax" in r.text.lower()
    r = client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert r.status_code == 400
    r = client.delete("/sparql")
    assert r.status_code == 405 and "GET, POST" in r.headers["Allow"]
    r = client.post("/sparql", data={"update": "CLEAR ALL"})
    assert r.status_code == 403


def test_cors_and_options(client) -> None:
    r = client.options("/sparql", headers={"Origin": "https://example.org",
                                           "Access-Control-Request-Method": "POST"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={**JSON, "Origin": "https://example.org"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_result_limit(built_var: Path) -> None:
    app = create_app(Settings.from_env(var_dir=built_var, max_result_rows=5))
    c = app.test_client()
    r = c.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s rdfs:label ?l }"}, headers=JSON)
    assert r.status_code == 400 and "more than 5 results" in r.text
    r = c.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s rdfs:label ?l } LIMIT 5"}, headers=JSON)
    assert r.status_code == 200 and len(_rows(r)) == 5
    r = c.get("/sparql", query_string={"query": "SELECT ?s WHERE { ?s rdfs:label ?l } LIMIT 4"},
              headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.text.count("\r\n") == 5
    r = c.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s rdfs:label ?l }"},
              headers={"Accept": "text/turtle"})
    assert r.status_code == 400


def test_etag_last_modified_and_304(client) -> None:
    first = client.get("/sparql", query_string={"query": COUNT_GRAPHS}, headers=JSON)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"')
    again = client.get("/sparql", query_string={"query": COUNT_GRAPHS}, headers={**JSON, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    since = client.get("/sparql", query_string={"query": COUNT_GRAPHS},
                       headers={**JSON, "If-Modified-Since": modified})
    assert since.status_code == 304
    older = client.get("/sparql", query_string={"query": COUNT_GRAPHS},
                       headers={**JSON, "If-Modified-Since": formatdate(0, usegmt=True)})
    assert older.status_code == 200
    other = client.get("/sparql", query_string={"query": COUNT_GRAPHS}, headers={"Accept": "text/csv"})
    assert other.headers["ETag"] != etag  # each representation has its own validator


def test_repeated_get_is_served_from_cache(client) -> None:
    query = COUNT_GRAPHS + " # cache test"
    first = client.get("/sparql", query_string={"query": query}, headers=JSON)
    second = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert first.data == second.data
    post = client.post("/sparql", data={"query": query}, headers=JSON)
    assert "X-Cache" not in post.headers  # POST is never answered from the cache


def test_cache_is_bounded() -> None:
    cache = ResultCache(max_bytes=800)
    for i in range(20):
        cache.put(f"k{i}", "text/csv", b"x" * 90)
    assert cache.get("k0") is None and cache.get("k19") is not None
    assert sum(len(v[1]) for v in cache._data.values()) <= 800
    cache.put("big", "text/csv", b"x" * 200)  # larger than an eighth of the cache: not kept
    assert cache.get("big") is None


def test_service_description(client) -> None:
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    g = Graph().parse(data=r.data, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert g.query(f"ASK {{ ?s a <{sd}Service> ; <{sd}supportedLanguage> <{sd}SPARQL11Query> ; "
                   f"<{sd}feature> <{sd}UnionDefaultGraph> }}").askAnswer
    names = {str(o) for o in g.objects(None, URIRef(sd + "name"))}
    assert any(n.endswith("graph/geography") for n in names)
    r = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and json.loads(r.data)


def test_query_page_without_javascript(client) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    html = page.text
    assert '<form method="get" action="/sparql"' in html and 'name="query"' in html and 'name="format"' in html
    for ex in load_examples():
        assert f'data-example="{ex["id"]}"' in html
    assert "<script>" not in html  # the CSP forbids inline scripts; data travels as JSON
    result = client.get("/sparql", query_string={"query": LABELS, "format": "html"}, headers={"Accept": "text/html"})
    assert result.status_code == 200
    assert result.text.count('<tr class="govuk-table__row">') == 7 + 1  # rows + header
    error = client.get("/sparql", query_string={"query": "SELECT nonsense", "format": "html"},
                       headers={"Accept": "text/html"})
    assert error.status_code == 400 and "govuk-error-summary" in error.text
    example = load_examples()[0]
    chosen = client.get("/sparql", query_string={"example": example["id"]}, headers={"Accept": "text/html"})
    assert example["query"].splitlines()[-1].strip().replace("<", "&lt;") in chosen.text or \
        example["title"] in chosen.text


EXAMPLE_FILES = sorted(EXAMPLES_DIR.glob("*.rq"))


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.stem for p in EXAMPLE_FILES])
def test_every_example_runs_and_returns_rows(client, path: Path) -> None:
    r = client.post("/sparql", data={"query": path.read_text(encoding="utf-8")}, headers=JSON)
    assert r.status_code == 200, r.text
    if "boolean" in r.json:
        assert r.json["boolean"] is True
    else:
        assert len(_rows(r)) > 0, f"{path.name} returns no rows from the catalogue"


def test_examples_exist() -> None:
    assert len(EXAMPLE_FILES) >= 3


def test_sparqlwrapper_client(live_server: str) -> None:
    sw = SPARQLWrapper(live_server + "/sparql")
    sw.setTimeout(120)  # fail, never hang, if the server stops answering
    sw.setQuery(LABELS)
    sw.setReturnFormat(SW_JSON)
    rows = sw.query().convert()["results"]["bindings"]
    assert len(rows) == 7
    sw.setMethod(POST)
    sw.setQuery("ASK { ?s a ?t }")
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l } LIMIT 3")
    sw.setReturnFormat(TURTLE)
    body = sw.query().convert()
    assert len(Graph().parse(data=body, format="turtle")) == 3


@pytest.mark.browser
def test_query_page_editor(page, live_server: str) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server + "/sparql")
    page.wait_for_selector(".yasqe", timeout=15000)
    assert page.locator("#sparql-form").is_hidden()
    example = load_examples()[0]
    page.click(f'a[data-example="{example["id"]}"]')
    page.wait_for_selector(".yasr table tbody tr, .yasr .dataTable tbody tr", timeout=15000)
    assert page.locator(".yasr tbody tr").count() > 0
    assert not [e for e in errors if "Content Security Policy" in e], errors
