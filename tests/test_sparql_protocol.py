"""The W3C SPARQL 1.1 Protocol query tests, read from the official manifest, against both store
backends: the embedded pyoxigraph store and a remote Oxigraph server (from PyPI) on 127.0.0.1
loaded through the Graph Store Protocol.

Each test sends the manifest's requests unchanged (the `/sparql/` prefix becomes `/sparql`) and
checks the expected status, result format and boolean. The update tests are skipped because the
endpoint is read-only by design; `test_updates_are_refused` checks they are refused instead.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection

from core.settings import PROJECT_ROOT, Settings
from core.store import EmbeddedStore, StoreWriter, published_graphs_uri
from sparql.protocol import load_examples
from tests.helpers import free_port
from web.app import create_app

FIXTURES = Path(__file__).parent / "fixtures" / "sparql11-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
READ_ONLY = "endpoint is read-only by design"

TABULAR = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"}
BOOLEAN = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML}
RDF_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
             "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD}


def _manifest() -> list[dict]:
    g = Graph().parse(FIXTURES / "manifest.ttl", format="turtle", publicID="http://example.org/protocol/")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        reqs = []
        for req in Collection(g, g.value(action, HT.requests)):
            body = g.value(req, HT.body)
            headers = {}
            header_list = g.value(req, HT.headers)
            if header_list is not None:
                for h in Collection(g, header_list):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            resp = g.value(req, HT.resp)
            expected_bool = g.value(resp, MF.expectedBoolean)
            reqs.append({
                "method": str(g.value(req, HT.methodName)),
                "path": str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                "headers": headers,
                "body": (str(g.value(body, CNT.chars)).encode(str(g.value(body, CNT.characterEncoding)))
                         if body is not None else None),
                "status": {str(s).removeprefix(HTS)[0] for s in g.objects(resp, MF.expectedStatus)},
                "format": str(g.value(resp, MF.expectedFormat) or ""),
                "boolean": None if expected_bool is None else expected_bool.toPython(),
            })
        data = {str(g.value(d, RDFS.label)): Path(str(g.value(d, UT.graph)).split("/")[-1])
                for d in g.objects(entry, UT.graphData)}
        tests.append({"id": str(entry).split("#")[-1], "name": str(g.value(entry, MF.name)),
                      "requests": reqs, "data": data})
    return tests


TESTS = _manifest()
QUERY_TESTS = [t for t in TESTS if not t["id"].startswith("update_")]
UPDATE_TESTS = [t for t in TESTS if t["id"].startswith("update_")]
GRAPHS = {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf": FIXTURES / f"data{i}.nt" for i in (1, 2, 3)}


def _load(settings: Settings, build_id: str = "w3c-protocol") -> None:
    """data1..3.nt each into the named graph the manifest gives it (its rdfs:label)."""
    writer = StoreWriter(settings, build_id)
    for name, path in GRAPHS.items():
        writer.load_graph(name, path.read_bytes())
    writer.publish()


def _oxigraph(location: Path, command: str = "serve") -> Iterator[str]:
    """The Oxigraph server from PyPI on 127.0.0.1 over the store at `location`."""
    exe = shutil.which("oxigraph", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("oxigraph")
    if exe is None:
        pytest.fail("the 'oxigraph' server is not installed: run scripts/setup.sh --test")
    port = free_port()
    proc = subprocess.Popen([exe, command, "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("the Oxigraph server did not start")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Oxigraph server, an empty store."""
    yield from _oxigraph(tmp_path_factory.mktemp("oxigraph"))


@pytest.fixture()
def catalogue_server(store: EmbeddedStore, tmp_path: Path) -> Iterator[str]:
    """The Oxigraph server over a copy of the session's built catalogue store: the real catalogue
    on a remote SPARQL server without loading 1.25M triples over HTTP again (the loading itself is
    test_remote_loading_replaces_graphs)."""
    location = shutil.copytree(store.info.path, tmp_path / "oxigraph", ignore=shutil.ignore_patterns("LOCK"))
    yield from _oxigraph(location, "serve-read-only")


def remote_settings(var: Path, server: str, **overrides: object) -> Settings:
    return Settings.from_env(var_dir=var, store_backend="remote", remote_query_url=server + "/query",
                             remote_update_url=server + "/update", remote_gsp_url=server + "/store",
                             **overrides)


@pytest.fixture(scope="module", params=["embedded", "remote"])
def w3c_client(request, tmp_path_factory: pytest.TempPathFactory):
    """A test client of the app over the W3C protocol data, on each store backend."""
    var = tmp_path_factory.mktemp(f"w3c-{request.param}")
    if request.param == "embedded":
        settings = Settings.from_env(var_dir=var)
    else:
        server = request.getfixturevalue("oxigraph_server")
        settings = remote_settings(var, server)
    _load(settings)  # the remote backend loads the server through Graph Store Protocol PUTs
    app = create_app(settings)
    app.config["TESTING"] = True
    client = app.test_client()
    client.backend = request.param
    return client


def _send(client, req: dict):
    return client.open(req["path"], method=req["method"], data=req["body"], headers=req["headers"])


def _check_response(test: dict, req: dict, response) -> None:
    status = str(response.status_code)[0]
    assert status in req["status"], (
        f"{test['id']}: status {response.status_code}, expected {sorted(req['status'])}xx: {response.data[:300]!r}")
    media = response.mimetype
    if req["format"] == "boolean":
        assert media in BOOLEAN, f"{test['id']}: {media} is not a boolean result format"
        result = ox.parse_query_results(response.data, format=BOOLEAN[media])
        assert isinstance(result, ox.QueryBoolean)
        if req["boolean"] is not None:
            assert bool(result) is req["boolean"], f"{test['id']}: expected {req['boolean']}"
    elif req["format"] == "tabular":
        assert media in TABULAR, f"{test['id']}: {media} is not a tabular result format"
        fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
               "application/sparql-results+xml": ox.QueryResultsFormat.XML,
               "text/csv": ox.QueryResultsFormat.CSV,
               "text/tab-separated-values": ox.QueryResultsFormat.TSV}[media]
        rows = list(ox.parse_query_results(response.data, format=fmt))
        assert len(rows) == 1 and rows[0]["value"].value == "1"
    elif req["format"] == "RDF":
        assert media in RDF_TYPES, f"{test['id']}: {media} is not an RDF format"
        list(ox.parse(response.data, format=RDF_TYPES[media]))


@pytest.mark.parametrize("test", QUERY_TESTS, ids=[t["id"] for t in QUERY_TESTS])
def test_w3c_protocol(w3c_client, test: dict) -> None:
    for req in test["requests"]:
        _check_response(test, req, _send(w3c_client, req))


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t["id"] for t in UPDATE_TESTS])
def test_w3c_update(test: dict) -> None:
    pytest.skip(READ_ONLY)


@pytest.mark.parametrize("test", UPDATE_TESTS, ids=[t["id"] for t in UPDATE_TESTS])
def test_updates_are_refused(w3c_client, test: dict) -> None:
    """Each update of the manifest is answered 403 and changes nothing."""
    update = test["requests"][0]
    response = _send(w3c_client, update)
    assert response.status_code == 403, response.data
    assert b"read-only" in response.data
    ask = w3c_client.get("/sparql", query_string={
        "query": "ASK { GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> "
                 "{ <http://kasei.us/2009/09/sparql/data/data1.rdf> a ?t } }"},
        headers={"Accept": "application/sparql-results+json"})
    assert ask.json["boolean"] is True
    added = w3c_client.get("/sparql", query_string={"query": "ASK { GRAPH ?g { ?s a <http://purl.org/dc/terms/BibliographicResource> } }"},
                           headers={"Accept": "application/sparql-results+json"})
    assert added.json["boolean"] is False


def test_manifest_is_complete() -> None:
    """Every entry of the manifest is run or explicitly skipped: none is silently lost."""
    assert len(TESTS) == 34
    assert len(QUERY_TESTS) == 27 and len(UPDATE_TESTS) == 7


def test_default_graph_is_union_unless_dataset_given(w3c_client) -> None:
    union = w3c_client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s a ?t }"},
                           headers={"Accept": "application/sparql-results+json"})
    assert union.json["results"]["bindings"][0]["n"]["value"] == "3"
    one = w3c_client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) { ?s a ?t }",
        "default-graph-uri": "http://kasei.us/2009/09/sparql/data/data2.rdf"},
        headers={"Accept": "application/sparql-results+json"})
    assert one.json["results"]["bindings"][0]["n"]["value"] == "1"
    # FROM in the query is honoured too (the engine's union option would otherwise override it).
    from_query = w3c_client.get("/sparql", query_string={
        "query": "SELECT ?s FROM <http://kasei.us/2009/09/sparql/data/data3.rdf> { ?s a ?t }"},
        headers={"Accept": "application/sparql-results+json"})
    values = [b["s"]["value"] for b in from_query.json["results"]["bindings"]]
    assert values == ["http://kasei.us/2009/09/sparql/data/data3.rdf"]


def test_remote_loading_replaces_graphs(oxigraph_server: str, tmp_path: Path) -> None:
    """A second publish to the remote server replaces each graph and drops graphs no longer built."""
    settings = remote_settings(tmp_path, oxigraph_server)
    _load(settings)
    writer = StoreWriter(settings, "second")
    writer.load_graph("http://example.org/only", b"<http://example.org/a> <http://example.org/b> \"1\" .\n")
    writer.publish()
    names = requests.post(oxigraph_server + "/query", data="SELECT DISTINCT ?g { GRAPH ?g {} }",
                          headers={"Content-Type": "application/sparql-query",
                                   "Accept": "application/sparql-results+json"}, timeout=10).json()
    # Besides the list of what the catalogue published there (which names only the new graph).
    manifest = published_graphs_uri(settings)
    assert sorted(b["g"]["value"] for b in names["results"]["bindings"]) == ["http://example.org/only", manifest]
    _load(settings, "restore")  # leave the server as the other tests expect it


# One page of each kind whose queries the remote backend sends differently from the embedded one
# (bound parameters as a VALUES block, the catalogue's graphs named as the dataset): a council, a
# combined authority, a metric, one figure, a comparison, a report, a dataset, an SDL collection
# and a list read once per build.
REMOTE_PAGES = ("/doc/authority/BIR", "/doc/authority/CPCA", "/doc/metric/defra-household-recycling-rate",
                "/doc/observation/defra-household-recycling-rate/BIR/2023-24",
                "/compare/defra-household-recycling-rate/BIR", "/reports/collection-metrics.csv",
                "/doc/dataset/oflog-asc-data", "/doc/sdl-collection/082-00", "/combined-authorities.json")


def _page(client, path: str) -> tuple[int, str]:
    r = client.get(path, headers={"Accept": "text/html"})
    return r.status_code, re.sub(r'nonce="[^"]*"', "", r.text)  # a fresh CSP nonce per response


@pytest.mark.slow  # every SPARQL example and page over the whole catalogue, through HTTP
def test_catalogue_pages_and_examples_on_remote_backend(catalogue_server: str, store: EmbeddedStore, client,
                                                        tmp_path: Path) -> None:
    """The real catalogue on a remote SPARQL server: the endpoint, the examples and the pages work
    from it through the remote backend, each page the same as from the embedded store."""
    # The examples' speed is not under test here, and the server shares a loaded machine with the
    # rest of the suite: a generous limit keeps a slow moment from failing the test.
    settings = remote_settings(tmp_path / "var", catalogue_server, query_timeout_s=120.0)
    remote = create_app(settings).test_client()
    r = remote.get("/sparql", query_string={"query": "SELECT ?v { ?b lacat:buildId ?v }"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    assert [b["v"]["value"] for b in r.json["results"]["bindings"]] == [store.info.version]
    for example in load_examples():
        r = remote.post("/sparql", data={"query": example["query"]},
                        headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, (example["id"], r.text)
        assert r.json.get("boolean") or r.json["results"]["bindings"], example["id"]
    assert remote.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert remote.get("/sparql", headers={"Accept": "text/html"}).status_code == 200
    for path in REMOTE_PAGES:
        status, body = _page(remote, path)
        assert status == 200, (path, body[:300])
        assert (status, body) == _page(client, path), path
