"""The public SPARQL 1.1 endpoint at /sparql (W3C SPARQL 1.1 Protocol, query operation only).

Every query is checked by `sparql.guard` and then run in an isolated worker process
(`sparql.pool`) with a hard time limit. Results are serialised by pyoxigraph; repeated GET
queries are answered from a bounded in-process cache keyed by the catalogue version. This module
is the Flask glue; the protocol itself is sparql/protocol.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import formatdate
from functools import lru_cache

from flask import Blueprint, Response, render_template, request
from werkzeug.utils import get_content_type

from core.settings import Settings
from core.store import Store
from core.uris import PREFIXES
from sparql.formats import FORMATS, negotiate
from sparql.guard import GuardError, QueryShape, check
from sparql.jobs import QueryFailed
from sparql.protocol import (
    SD_FORMAT_KEYS,
    ProtocolError,
    asks_for_html,
    cache_for,
    choose_format,
    default_query,
    etag,
    execute,
    load_examples,
    not_modified,
    read_query,
    results_table,
    service_description,
)
from web.current import get_store
from web.current import settings as get_settings
from web.security import set_missing

bp = Blueprint("sparql_endpoint", __name__)

HTML_ROWS = 1000  # rows shown in the HTML table; the other formats return everything

CORS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Content-Type, Accept, If-None-Match, If-Modified-Since"),
    ("Access-Control-Expose-Headers", "ETag, Last-Modified, Content-Type"),
    ("Access-Control-Max-Age", "86400"),
]


@dataclass
class Reply:
    """A response as it goes to WSGI: status, headers in order, body. web.sparql_lane sends it
    as it is; the route makes it a Response, which gives the client the same bytes."""

    status: int
    headers: list[tuple[str, str]]
    body: list[bytes]

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=self.headers)


@lru_cache(maxsize=64)
def content_type(media_type: str) -> str:
    """The Content-Type werkzeug sends for a media type (text/* with its charset)."""
    return get_content_type(media_type, "utf-8")


@lru_cache(maxsize=16)
def _last_modified(built_at: float) -> str:
    return formatdate(built_at, usegmt=True)


def _plain_reply(status: int, message: str) -> Reply:
    data = (message + "\n").encode()
    headers = [("Content-Type", content_type("text/plain")), ("Content-Length", str(len(data)))]
    if status == 503:
        headers.append(("Retry-After", "5"))
    return Reply(status, headers, [data])


def _plain(status: int, message: str) -> Response:
    return _plain_reply(status, message).response()


def _validators(tag: str, built_at: float, not_modified: bool = False) -> list[tuple[str, str]]:
    headers = [("ETag", tag)]
    if built_at and not not_modified:  # a 304 carries no Last-Modified (werkzeug drops it)
        headers.append(("Last-Modified", _last_modified(built_at)))
    headers.append(("Cache-Control", "public, no-cache"))  # always revalidate: a build may change it
    return headers


def cors(response: Response) -> Response:
    """The endpoint's CORS headers and `Vary: Accept`, on every /sparql response."""
    set_missing(response, CORS)
    response.headers.add("Vary", "Accept")
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    return cors(response) if request.path == "/sparql" else response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    settings = get_settings()
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, POST, OPTIONS"})
    if request.method not in ("GET", "POST"):
        response = _plain(405, f"{request.method} is not supported: query with GET or POST.")
        response.headers["Allow"] = "GET, POST, OPTIONS"
        return response
    explicit_html = asks_for_html(request.accept_mimetypes)
    html_form = request.method == "GET" and explicit_html
    try:
        query, defaults, named = read_query(
            settings, request.method, request.args, request.mimetype, request.mimetype_params,
            request.content_length, lambda: request.form, lambda: request.get_data(cache=False))
        if query is None:
            if request.method == "POST":
                raise ProtocolError(400, "No 'query' parameter was given.")
            if explicit_html:
                return _page(settings)
            return _service_description(get_store())
        shape = check(query, settings)
        fmt = choose_format(shape.form, request.values.get("format") or request.values.get("output"),
                            request.accept_mimetypes, request.method)
    except (ProtocolError, GuardError) as exc:
        if html_form:
            return _page(settings, query=request.args.get("query", ""), error=exc.message, status=exc.status)
        return _plain(exc.status, exc.message)
    store = get_store()
    if fmt == "html":
        return _html_results(store, settings, query, shape, defaults, named)
    return answer_query(store, settings, request.method, query, shape, fmt, defaults, named,
                        request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")).response()


def answer_query(store: Store, settings: Settings, method: str, query: str, shape: QueryShape, fmt: str,
                 defaults: list[str] | None, named: list[str] | None, if_none_match: str | None,
                 if_modified_since: str | None) -> Reply:
    """The answer to a checked query in a result format: a 304 or a cached copy for a repeated GET,
    else the query run (in this process if the guard proved it cheap, else in a worker). Shared by
    the route and web.sparql_lane, which calls it without Flask's routing."""
    if method != "GET":
        # Only a GET is cached or revalidated: a POST needs neither its key nor its ETag (a hash).
        try:
            answer = execute(store, settings, query, shape, fmt, defaults, named)
        except QueryFailed as exc:
            return _plain_reply(exc.status, exc.message)
        return Reply(200, [("Content-Type", content_type(answer.media_type)), ("Content-Length", str(answer.size))],
                     answer.chunks)
    info = store.info
    key = "\x00".join([fmt, query, "|".join(defaults or ["-"]), "|".join(named or ["-"])])
    tag = etag(info.version, key)
    if not_modified(tag, info.built_at, if_none_match, if_modified_since):
        return Reply(304, _validators(tag, info.built_at, not_modified=True), [])
    cache = cache_for(settings)
    cache_key = info.version + "\x00" + key
    hit = cache.get(cache_key)
    if hit is not None:
        return Reply(200, [("Content-Type", content_type(hit[0])), ("Content-Length", str(len(hit[1]))),
                           ("X-Cache", "hit"), *_validators(tag, info.built_at)], [hit[1]])
    try:
        answer = execute(store, settings, query, shape, fmt, defaults, named)
    except QueryFailed as exc:
        return _plain_reply(exc.status, exc.message)
    cache.put(cache_key, answer.media_type, b"".join(answer.chunks))
    return Reply(200, [("Content-Type", content_type(answer.media_type)), ("Content-Length", str(answer.size)),
                       ("X-Cache", "miss"), *_validators(tag, info.built_at)], answer.chunks)


def _service_description(store: Store) -> Response:
    """The Service Description in the RDF format the client accepts (Turtle if it does not say)."""
    key = negotiate(request.accept_mimetypes, SD_FORMAT_KEYS)
    if key is None:
        return _plain(406, "The service description is available as: "
                           + ", ".join(FORMATS[k].media_type for k in SD_FORMAT_KEYS) + ".")
    return Response(service_description(request.base_url, store, key), mimetype=FORMATS[key].media_type)


def _page(settings: Settings, query: str = "", error: str = "", status: int = 200,
          table: dict | None = None) -> Response:
    examples = load_examples()
    chosen = request.args.get("example")
    if not query and chosen:
        query = next((e["query"] for e in examples if e["id"] == chosen), "")
    html = render_template(
        "sparql.html",
        title="SPARQL query",
        query=query or default_query(),
        examples=examples,
        prefixes=PREFIXES,
        formats=[("html", "Table on this page")] + [(k, f.label) for k, f in FORMATS.items()],
        selected_format=request.args.get("format", "html"),
        error=error,
        table=table,
        timeout=settings.query_timeout_s,
        max_rows=settings.max_result_rows,
    )
    return Response(html, status=status, mimetype="text/html")


def _html_results(store: Store, settings: Settings, query: str, shape: QueryShape,
                  defaults: list[str] | None, named: list[str] | None) -> Response:
    """Results as an HTML table on the query page: the editor works without JavaScript."""
    fmt = "json" if shape.form in ("SELECT", "ASK") else "nt"
    try:
        answer = execute(store, settings, query, shape, fmt, defaults, named)
    except QueryFailed as exc:
        return _page(settings, query=query, error=exc.message, status=exc.status)
    return _page(settings, query=query, table=results_table(b"".join(answer.chunks), fmt, HTML_ROWS))
