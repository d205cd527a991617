"""The lean path for SPARQL protocol queries (web/sparql_lane.py): what it answers is exactly what
the Flask route answers (status, headers, body), it answers without Flask's routing, and every
request it declines reaches the route with its body intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from core.settings import Settings
from core.store import StoreUnavailable
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
