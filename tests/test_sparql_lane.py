"""The lean path for SPARQL protocol queries (web/sparql_lane.py): what it answers is exactly what
the Flask route answers (status, headers, body), it answers without Flask's routing, and every
request it declines reaches the route with its body intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response

from core.settings import Settings
from core.store import StoreUnavailable
from sparql.protocol import ProtocolError, read_plain, read_query
from web.app import create_app
from web.sparql_lane import SparqlLane

BIR = "id/authority/BIR"
JSON = "application/sparql-results+json"
SELECT = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s ?label LIMIT 3"
DIRECT = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"

# (method, query string or None, body or None, headers): requests the lane answers.
ANSWERED = [
    ("GET", {"query": SELECT}, None, {"Accept": JSON}),
    ("GET", {"query": SELECT}, None, {"Accept": "text/csv, */*;q=0.1"}),
    ("GET", {"query": SELECT, "format": "xml"}, None, {}),
    ("GET", {"query": f"DESCRIBE <{BIR}>"}, None, {"Accept": "text/turtle"}),
    ("GET", {"query": f"DESCRIBE <{BIR}>", "output": "json-ld"}, None, {}),
    ("POST", None, f"DESCRIBE <{BIR}>", {"Content-Type": DIRECT, "Accept": "application/n-triples"}),
    ("POST", None, {"query": SELECT}, {"Content-Type": FORM, "Accept": JSON}),
    ("POST", None, "ASK { ?s ?p ?o }", {"Content-Type": DIRECT + "; charset=utf-8"}),
    # A browser's Accept on a POST negotiates a result format, not the query page.
    ("POST", None, {"query": SELECT}, {"Content-Type": FORM, "Accept": "text/html,*/*;q=0.8"}),
    # Not proved cheap: still run in an isolated worker, but answered here.
    ("POST", None, "SELECT (COUNT(*) AS ?n) WHERE { ?s a lacat:LocalAuthority }", {"Content-Type": DIRECT, "Accept": JSON}),
    # Refused by the engine after the guard: the plain-text error with the route's headers.
    ("POST", None, "SELECT ?x WHERE { ?x ?y }", {"Content-Type": DIRECT, "Accept": JSON}),
    # The format asked in the URL of a direct POST, and ?output= when ?format= is empty.
    ("POST", {"format": "json-ld"}, f"DESCRIBE <{BIR}>", {"Content-Type": DIRECT}),
    ("GET", {"query": f"DESCRIBE <{BIR}>", "format": "", "output": "nt"}, None, {}),
    ("GET", {"query": f"DESCRIBE <{BIR}> <id/authority/KEN>"}, None, {"Accept": "application/n-triples"}),
    ("POST", None, {"query": f"DESCRIBE <{BIR}>", "format": "ttl"}, {"Content-Type": FORM}),
]

# Requests the lane hands to the route.
DECLINED = [
    ("GET", None, None, {"Accept": "text/turtle"}),  # the service description
    ("GET", None, None, {"Accept": "text/html"}),  # the query page
    ("GET", {"query": SELECT, "format": "html"}, None, {"Accept": "text/html"}),  # its table
    ("GET", {"query": "SELECT nonsense {"}, None, {"Accept": JSON}),  # the guard refuses it
    ("GET", {"query": SELECT}, None, {"Accept": "image/png"}),  # 406
    ("POST", None, "SELECT ?s { ?s ?p ?o } LIMIT 1", {"Content-Type": "text/plain"}),  # 415
    ("POST", None, {"update": "CLEAR ALL"}, {"Content-Type": FORM}),  # 403
    ("POST", None, "DROP ALL", {"Content-Type": DIRECT}),  # 403, from the guard
    ("POST", None, "SERVICE", {"Content-Type": "application/sparql-update"}),
    ("POST", None, "x" * 90_000, {"Content-Type": DIRECT}),  # 413 before the body is read
    ("POST", {"query": SELECT}, SELECT, {"Content-Type": DIRECT}),  # 400: the query twice
    ("POST", None, SELECT, {"Content-Type": DIRECT + "; charset=latin-1"}),  # 415
    ("POST", {"format": "png"}, SELECT, {"Content-Type": DIRECT}),  # 406
    ("GET", {"query": SELECT, "default-graph-uri": "not an iri"}, None, {"Accept": JSON}),  # 400
    ("OPTIONS", None, None, {}),
    ("DELETE", None, None, {}),
]


def _request(client: Client, method: str, args, body, headers) -> Response:
    kwargs: dict = {"headers": headers, "query_string": args}
    if isinstance(body, dict):
        kwargs["data"] = body
    elif body is not None:
        kwargs["data"] = body.encode()
        kwargs["content_type"] = headers["Content-Type"]
    return client.open("/sparql", method=method, **kwargs)


def _comparable(response: Response) -> tuple:
    """Status, headers in order and body, less the CSP nonce (random in each response)."""
    headers = [(k, re.sub(r"nonce-[\w-]+", "nonce", v)) for k, v in response.headers.items()]
    return response.status, headers, re.sub(rb'nonce="[\w-]+"', b"nonce", response.get_data())


@pytest.fixture(scope="module")
def two_apps(built_var: Path):
    """Two apps over the same catalogue, each with its own settings (so its own result cache): one
    as served (the lane in front), and the Flask route alone, without the lane."""
    lane_app = create_app(Settings.from_env(var_dir=built_var))
    flask_app = create_app(Settings.from_env(var_dir=built_var))
    assert isinstance(lane_app.wsgi_app, SparqlLane) and isinstance(flask_app.wsgi_app, SparqlLane)
    return lane_app, flask_app


@pytest.mark.parametrize("method,args,body,headers", ANSWERED + DECLINED)
def test_the_lane_answers_what_the_route_answers(two_apps, method: str, args, body, headers) -> None:
    lane_app, flask_app = two_apps
    lane, route = Client(lane_app, Response), Client(flask_app.wsgi_app.flask, Response)
    for _ in range(2):  # the second GET of a query is a cache hit on both sides
        ours, theirs = _request(lane, method, args, body, headers), _request(route, method, args, body, headers)
        assert _comparable(ours) == _comparable(theirs)


@pytest.mark.parametrize("method,args,body,headers", ANSWERED)
def test_queries_are_answered_without_flask_routing(built_var: Path, method: str, args, body, headers,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(Settings.from_env(var_dir=built_var))

    def no_route():
        raise AssertionError("the query went through Flask's route")

    monkeypatch.setitem(app.view_functions, "sparql_endpoint.sparql", no_route)
    response = _request(Client(app, Response), method, args, body, headers)
    assert response.status_code in (200, 400) and app.wsgi_app.answered == 1
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["Vary"] == "Accept"
    assert "'nonce-" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("method,args,body,headers", DECLINED)
def test_declined_requests_reach_the_route(client, app, method: str, args, body, headers) -> None:
    before = app.wsgi_app.answered
    response = _request(client, method, args, body, headers)
    assert app.wsgi_app.answered == before
    assert response.status_code in (200, 204, 400, 403, 405, 406, 413, 415)


def test_a_declined_post_reaches_the_route_with_its_body(client, app) -> None:
    before = app.wsgi_app.answered
    r = client.post("/sparql", data=b"SELECT * WHERE { ?s ?p ?o } ~~~oops", content_type=DIRECT)
    # The guard refused it in the lane, and again in the route, which read the same body.
    assert r.status_code == 400 and "near: ~~~oops" in r.text and app.wsgi_app.answered == before


def test_repeated_get_through_the_lane_is_a_304(client) -> None:
    first = client.get("/sparql", query_string={"query": SELECT + " # lane 304"}, headers={"Accept": JSON})
    again = client.get("/sparql", query_string={"query": SELECT + " # lane 304"},
                       headers={"Accept": JSON, "If-None-Match": first.headers["ETag"]})
    assert first.status_code == 200 and again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"] and again.headers["Vary"] == "Accept"



def test_a_store_lost_while_answering_gets_the_routes_503(client, app, monkeypatch) -> None:
    """A remote server that goes away after the store was opened: the lane hands the request to the
    route, whose error handler answers 503 with the page and security headers of every other 503."""
    def gone(*args, **kwargs):
        raise StoreUnavailable("the remote SPARQL server cannot be reached: connection refused")

    monkeypatch.setattr("web.sparql_lane.answer_query", gone)
    monkeypatch.setattr("web.sparql_endpoint.answer_query", gone)
    for method, args, body, headers in ANSWERED[:1] + ANSWERED[5:7]:
        r = _request(client, method, args, body, headers)
        assert r.status_code == 503, (method, args, body)
        assert "Content-Security-Policy" in r.headers and "X-Content-Type-Options" in r.headers
        assert "Service unavailable" in r.get_data(as_text=True)


def test_a_post_werkzeug_would_read_otherwise_reaches_the_route(two_apps) -> None:
    """A length int() cannot read, a chunked body and a body shorter than its length: the lane does not
    read those itself (werkzeug reads them differently, or refuses them), and answers as the route."""
    lane_app, flask_app = two_apps
    lane, route = Client(lane_app, Response), Client(flask_app.wsgi_app.flask, Response)
    body = f"DESCRIBE <{BIR}>".encode()
    for overrides in ({"CONTENT_LENGTH": "\u00b2"}, {"HTTP_TRANSFER_ENCODING": "chunked"},
                      {"CONTENT_LENGTH": str(len(body) + 5)}):
        before = lane_app.wsgi_app.answered
        kwargs = {"data": body, "content_type": DIRECT, "environ_overrides": overrides}
        ours, theirs = lane.post("/sparql", **kwargs), route.post("/sparql", **kwargs)
        assert _comparable(ours) == _comparable(theirs) and lane_app.wsgi_app.answered == before, overrides


# Requests for read_plain: (method, query string as the WSGI server gives it, Content-Type, body).
PLAIN = [
    ("GET", "", "", b""),
    ("GET", "query=ASK%7B%7D", "", b""),
    ("GET", "query=ASK+%7B%7D&format=json", "", b""),
    ("GET", "query=ASK{}&output=csv&format=", "", b""),
    ("GET", "query=ASK{}&format=json&format=xml&output=tsv", "", b""),
    ("GET", "query=a&query=b", "", b""),
    ("GET", "query=", "", b""),
    ("GET", "query", "", b""),
    ("GET", "format=json", "", b""),
    ("GET", "query=ASK{}&update=CLEAR+ALL", "", b""),
    ("GET", "query=ASK{}&default-graph-uri=http%3A%2F%2Fa%2Fg&named-graph-uri=http://b/h", "", b""),
    ("GET", "query=ASK{}&default-graph-uri=&named-graph-uri=x", "", b""),
    ("GET", "query=ASK{}&named-graph-uri=not%20an%20iri", "", b""),
    ("GET", "query=SELECT%20%22caf%C3%A9%22%20{}", "", b""),
    ("GET", "query=%ff%fe", "", b""),  # percent-escapes that are not UTF-8
    ("GET", "query=%zz&x=%", "", b""),
    ("GET", "query=caf\u00e9", "", b""),  # a raw byte that is not UTF-8
    ("GET", "query=ASK{}", "application/sparql-query", b"ignored"),
    ("POST", "", "application/sparql-query", b"ASK {}"),
    ("POST", "", "application/sparql-query; charset=UTF-8", b"ASK {}"),
    ("POST", "", "application/sparql-query;charset=utf8", b"ASK {}"),
    ("POST", "", "Application/SPARQL-Query", b"ASK {}"),
    ("POST", "", "application/sparql-query; charset=latin-1", b"ASK {}"),
    ("POST", "", "application/sparql-query; profile=x", b"ASK {}"),
    ("POST", "", "application/sparql-query", b"caf\xe9"),
    ("POST", "", "application/sparql-query", b""),
    ("POST", "format=ttl&output=xml", "application/sparql-query", b"DESCRIBE <x>"),
    ("POST", "output=xml", "application/sparql-query", b"DESCRIBE <x>"),
    ("POST", "query=ASK{}", "application/sparql-query", b"ASK {}"),
    ("POST", "update=x", "application/sparql-query", b"ASK {}"),
    ("POST", "default-graph-uri=http://a/g", "application/sparql-query", b"ASK {}"),
    ("POST", "default-graph-uri=nope", "application/sparql-query", b"ASK {}"),
    ("POST", "", "application/sparql-update", b"CLEAR ALL"),
    ("POST", "", "", b"ASK {}"),
    ("POST", "query=ASK{}", "", b""),
    ("POST", "", "text/plain", b"ASK {}"),
    ("POST", "", "multipart/form-data; boundary=x", b"--x--"),
    ("POST", "", "application/json", b"{}"),
    ("POST", "", "application/x-www-form-urlencoded", b"query=ASK{}"),
]


def _outcome(read) -> tuple:
    try:
        return ("read", read())
    except ProtocolError as exc:
        return ("refused", exc.status, exc.message)
    except Exception as exc:  # noqa: BLE001 -- any other failure: the lane hands the request to the route
        return ("failed", type(exc).__name__)


@pytest.mark.parametrize("method,query_string,content_type,body", PLAIN)
def test_the_plain_reader_agrees_with_read_query(method: str, query_string: str, content_type: str,
                                                 body: bytes) -> None:
    """read_plain reads a GET or a direct POST from its raw WSGI values as read_query reads it over a
    werkzeug Request, with the same refusals; only a form POST is left to read_query."""
    settings = Settings.from_env()
    environ = EnvironBuilder(method=method, data=body, content_type=content_type or None).get_environ()
    environ["QUERY_STRING"] = query_string
    request = Request(environ)

    def over_request():
        query, defaults, named = read_query(settings, method, request.args, request.mimetype,
                                            request.mimetype_params, request.content_length,
                                            lambda: request.form, lambda: request.get_data(cache=False))
        return query, defaults, named, request.values.get("format") or request.values.get("output")

    plain = _outcome(lambda: read_plain(settings, method, query_string, environ.get("CONTENT_TYPE", ""), body))
    if content_type == "application/x-www-form-urlencoded":
        assert plain == ("read", None)
    else:
        assert plain == _outcome(over_request)
