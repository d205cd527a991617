"""Security: hostile stored data is inert, traversal is refused, oversized requests get a 4xx,
errors reveal nothing internal, and every kind of response carries the security headers.

Covered elsewhere and not repeated here: SPARQL updates, SERVICE and LOAD refused, and no
outbound connection made (tests/test_sparql_safety.py, tests/test_sparql_protocol.py);
spreadsheet formulas in labels neutralised in every download format
(tests/test_packages_build.py::test_spreadsheet_formulas_in_labels_are_neutralised); traversal
in /downloads (tests/test_downloads_web.py).
"""

from __future__ import annotations

import http.client
import shutil
import socket
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
import requests

from core.settings import PROJECT_ROOT, Settings
from core.store import read_pointer
from web.app import create_app

PAYLOAD = '<script>alert(1)</script><img src=x onerror="alert(2)">'
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TEXT_PREDICATES = (
    RDFS_LABEL,
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://purl.org/dc/terms/title",
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://xmlns.com/foaf/0.1/name",
)

# One page of every HTML page type (the explorer, linked-data documents, the DCAT and SDL pages,
# tools), each showing labels read from the store.
HTML_PAGES = [
    "/",
    "/authorities",
    "/authorities?q=birmingham",
    "/doc/authority/BIR",
    "/doc/authority/GMCA",
    "/metrics",
    "/doc/metric/asc1-carer-quality-of-life",
    "/doc/metric/asc1-carer-quality-of-life?council=BIR",
    "/doc/metric/asc1-carer-quality-of-life/version/1",
    "/compare/defra-household-recycling-rate/TRF",
    "/combined-authorities",
    "/search?q=bir",
    "/catalogue",
    "/datasets",
    "/doc/dataset/oflog-asc-data",
    "/sdl",
    "/doc/sdl-collection/082-00",
    "/reports",
    "/downloads",
    "/about",
]

# Pages of fixed wording, or (downloads) of labels from the package index made at build time
# rather than from the store: checked for inertness only.
FIXED_TEXT_PAGES = {"/reports", "/about", "/downloads"}


def _poison(store_path: str) -> int:
    """Append the payload to every label, title and description in the store; returns how many."""
    store = ox.Store(store_path)
    preds = " ".join(f"<{p}>" for p in TEXT_PREDICATES)
    payload = PAYLOAD.replace("\\", "\\\\").replace('"', '\\"')
    where = (f'GRAPH ?g {{ ?s ?p ?o VALUES ?p {{ {preds} }} FILTER(isLiteral(?o)) '
             f'BIND(IF(LANG(?o) != "", STRLANG(CONCAT(STR(?o), " {payload}"), LANG(?o)), '
             f'STRDT(CONCAT(STR(?o), " {payload}"), DATATYPE(?o))) AS ?o2) }}')
    n = int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")))["n"].value)
    store.update(f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} INSERT {{ GRAPH ?g {{ ?s ?p ?o2 }} }} WHERE {{ {where} }}")
    store.flush()
    del store
    return n


@pytest.fixture(scope="module")
def hostile_client(built_var: Path, tmp_path_factory: pytest.TempPathFactory):
    """The app over a copy of the real catalogue in which every label carries HTML and script."""
    var = tmp_path_factory.mktemp("hostile") / "var"
    shutil.copytree(built_var, var)
    settings = Settings.from_env(var_dir=var)
    assert _poison(read_pointer(settings).path) > 1000
    app = create_app(settings)
    return app.test_client()


def test_stored_html_and_script_are_inert_in_every_page(hostile_client) -> None:
    pages = list(HTML_PAGES)
    pages.append("/sparql?query=" + quote(f"SELECT ?l WHERE {{ ?s <{RDFS_LABEL}> ?l }} LIMIT 5"))
    for path in pages:
        r = hostile_client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200, path
        body = r.get_data(as_text=True)
        assert "<script>alert(1)" not in body, path
        assert "<img src=x" not in body, path
        assert "onerror=\"alert" not in body, path
        if path in FIXED_TEXT_PAGES:
            continue
        # The label is shown, escaped, rather than dropped: the page really rendered stored text.
        assert "&lt;script&gt;alert(1)" in body or "\\u003cscript\\u003ealert(1)" in body, path


# --- Path traversal ------------------------------------------------------------------------------

TRAVERSALS = [
    "/doc/../../etc/passwd",
    "/doc/..%2f..%2fetc%2fpasswd",
    "/doc/%2e%2e/%2e%2e/etc/passwd",
    "/doc/authority/..%2f..%2f..%2fpyproject.toml",
    "/doc/authority/%2e%2e%2f%2e%2e%2fcatalogue%2fsettings.py",
    "/vendor/govuk/../../package.json",
    "/vendor/govuk/..%2f..%2f..%2f..%2fpackage.json",
    "/vendor/govuk/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/vendor/govuk/%252e%252e/%252e%252e/pyproject.toml",
    "/vendor/govuk/..%5c..%5c..%5c..%5cpyproject.toml",
    "/vendor/..%2f..%2fpyproject.toml/x",
    "/assets/../../../../pyproject.toml",
    "/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
    "/static/../../pyproject.toml",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2fweb%2f__init__.py",
    "/reports/..%2f..%2fpyproject.toml",
    "/downloads/catalogue/..%2f..%2fCURRENT",
]
SECRETS = (b"[project]", b"\"dependencies\"", b"import ", b"root:", b"LACAT_")


def _raw_get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (clients normalise '..' away before sending)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_is_refused(live_server: str, path: str) -> None:
    status, body = _raw_get(live_server, path)
    assert status in (400, 404), (path, status)
    for secret in SECRETS:
        assert secret not in body, (path, secret)


def test_vendor_files_are_still_served(live_server: str) -> None:
    """The traversal test above would pass if nothing were served at all: a real file is."""
    status, body = _raw_get(live_server, "/vendor/govuk/govuk-frontend.min.js")
    assert status == 200 and len(body) > 1000


# --- Oversized requests --------------------------------------------------------------------------


def _raw(base: str, data: bytes) -> bytes:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def _status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def test_long_url_is_refused(live_server: str) -> None:
    raw = _raw(live_server, b"GET /search?q=" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert 400 <= _status(raw) < 500


def test_long_header_line_is_refused(live_server: str) -> None:
    raw = _raw(live_server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\nConnection: close\r\n\r\n")
    assert 400 <= _status(raw) < 500


def test_many_headers_are_refused(live_server: str) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(300))
    raw = _raw(live_server, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"Connection: close\r\n\r\n")
    assert 400 <= _status(raw) < 500


@pytest.mark.parametrize("path,content_type", [
    ("/sparql", "application/sparql-query"),
    ("/sparql", "application/x-www-form-urlencoded"),
    ("/analyst/login", "application/x-www-form-urlencoded"),
])
def test_big_body_is_refused(live_server: str, path: str, content_type: str) -> None:
    body = b"q=" + b"a" * (2 * 1024 * 1024)
    r = requests.post(live_server + path, data=body, headers={"Content-Type": content_type}, timeout=60)
    assert r.status_code == 413, (path, r.status_code)


def test_oversized_query_is_refused_with_4xx(live_server: str) -> None:
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000
    r = requests.post(live_server + "/sparql", data=query.encode(), timeout=60,
                      headers={"Content-Type": "application/sparql-query"})
    assert 400 <= r.status_code < 500
    r = requests.get(live_server + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 6000},
                     timeout=60)
    assert 400 <= r.status_code < 500


# --- No stack traces or internal paths -----------------------------------------------------------

LEAKS = ("Traceback", "File \"", "site-packages", ".py\"", "werkzeug", str(PROJECT_ROOT), "/tmp/", "pyoxigraph")

ERROR_REQUESTS = [
    ("GET", "/sparql?query=SELECT+%3Fs+WHERE+%7B", {}),
    ("GET", "/sparql?query=SELEKT+*", {"Accept": "text/html"}),
    ("GET", "/sparql?query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D&default-graph-uri=%3Cnot+an+iri%3E", {}),
    ("GET", "/sparql?query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D&named-graph-uri=javascript:alert(1)", {}),
    ("GET", "/sparql?query=SELECT+*+WHERE+%7B%3Fs+%3Fp+%3Fo%7D&query=ASK%7B%7D", {}),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}),
    ("POST", "/sparql", {"Content-Type": "text/plain"}),
    ("GET", "/no/such/page", {}),
    ("GET", "/doc/authority/NOPE", {}),
    ("GET", "/doc/authority/BIR", {"Accept": "image/png"}),
    ("GET", "/doc/metric/nope/values.csv", {}),
    ("GET", "/doc/metric/asc1-carer-quality-of-life/version/%00", {}),
    ("GET", "/authorities?type=%00&region=%ff&status=nope&q=" + "x" * 500, {}),
    ("GET", "/authorities.json?page=-1&page_size=abc", {}),
    ("GET", "/authorities.csv?page=99999999999999999999&page_size=0", {}),
    ("GET", "/metrics?group=%3Cb%3E&status=x&page=0", {}),
    ("GET", "/metrics.json?page=nan&page_size=1e9", {}),
    ("GET", "/search?q=%00%ff%fe", {}),
    ("GET", "/search.json?q=" + "%" * 3, {}),
    ("GET", "/doc/metric/asc1-carer-quality-of-life?council=%3Cscript%3E&period=9999-99&sort=x", {}),
    ("GET", "/compare/asc1-carer-quality-of-life/BIR?period=x&with=%00&sort=%ff", {}),
    ("GET", "/compare/asc1-carer-quality-of-life/BIR.json?period=x&page=-5", {}),
    ("GET", "/compare/nope/NOPE", {}),
    ("GET", "/combined-authorities.csv?on=not-a-date", {}),
    ("GET", "/datasets?publisher=%00&theme=x&q=%ff&sdl=maybe", {}),
    ("GET", "/sdl?q=%ff&status=x", {}),
    ("GET", "/catalogue.xyz", {}),
    ("GET", "/reports/nope", {}),
    ("GET", "/downloads/metric/nope.zip", {}),
    ("GET", "/.well-known/void.xyz", {}),
    ("GET", "/analyst/flags?page=x", {}),
]


@pytest.mark.parametrize("method,path,headers", ERROR_REQUESTS, ids=[p for _m, p, _h in ERROR_REQUESTS])
def test_errors_reveal_nothing_internal(live_server: str, method: str, path: str, headers: dict[str, str]) -> None:
    body = b"SELECT ?s WHERE { ?s ?p" if method == "POST" else None
    r = requests.request(method, live_server + path, headers=headers, data=body, timeout=60, allow_redirects=False)
    assert r.status_code < 500, (path, r.status_code)
    for leak in LEAKS:
        assert leak not in r.text, (path, leak)


# --- Security headers on every kind of response --------------------------------------------------

HEADER_CASES = [
    ("html", "/", {}, 200),
    ("json", "/authorities.json", {}, 200),
    ("csv", "/authorities.csv", {}, 200),
    ("turtle", "/doc/authority/BIR.ttl", {}, 200),
    ("json-ld", "/doc/authority/BIR", {"Accept": "application/ld+json"}, 200),
    ("sparql json", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+json"}, 200),
    ("sparql xml", "/sparql?query=ASK%7B%7D", {"Accept": "application/sparql-results+xml"}, 200),
    ("sparql 400", "/sparql?query=SELEKT", {"Accept": "application/sparql-results+json"}, 400),
    ("static", "/static/site.css", {}, 200),
    ("vendor", "/vendor/govuk/govuk-frontend.min.js", {}, 200),
    ("openapi", "/api/openapi.json", {}, 200),
    ("redirect", "/id/authority/BIR", {}, 303),
    ("404", "/no/such/page", {}, 404),
    ("406", "/doc/authority/BIR", {"Accept": "image/png"}, 406),
]


def _assert_security_headers(headers, what: str) -> None:
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, what
    assert "frame-ancestors 'none'" in csp, what
    assert "object-src 'none'" in csp, what
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'nonce-" in csp, what
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", what


@pytest.mark.parametrize("kind,path,headers,status", HEADER_CASES, ids=[c[0] for c in HEADER_CASES])
def test_security_headers_on_every_response_type(live_server: str, kind: str, path: str,
                                                 headers: dict[str, str], status: int) -> None:
    r = requests.get(live_server + path, headers=headers, timeout=60, allow_redirects=False)
    assert r.status_code == status, (kind, r.status_code)
    _assert_security_headers(r.headers, kind)


def test_security_headers_on_503(built_var: Path, tmp_path: Path) -> None:
    """A store that cannot be opened still answers with the headers (and no internal path)."""
    var = tmp_path / "var"
    shutil.copytree(built_var, var)
    settings = Settings.from_env(var_dir=var)
    info = read_pointer(settings)
    shutil.rmtree(info.path)
    Path(info.path).mkdir()
    client = create_app(settings).test_client()
    for path in ("/", "/doc/authority/BIR.ttl", "/sparql?query=ASK%7B%7D"):
        r = client.get(path)
        assert r.status_code == 503, path
        _assert_security_headers(r.headers, f"503 {path}")
        assert str(tmp_path) not in r.get_data(as_text=True)
