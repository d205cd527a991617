"""The public SPARQL 1.1 endpoint at /sparql (W3C SPARQL 1.1 Protocol, query operation only).

Every query is checked by `sparql.guard` and then run in an isolated worker process
(`sparql.pool`) with a hard time limit. Results are serialised by pyoxigraph; repeated GET
queries are answered from a bounded in-process cache keyed by the catalogue version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from werkzeug.datastructures import MultiDict

from core.settings import Settings
from core.store import EmbeddedStore, RemoteStore, Store
from core.uris import PREFIXES
from sparql import inline
from sparql.formats import FORMATS, format_by_name, formats_for, media_types
from sparql.guard import GuardError, QueryShape, check
from sparql.jobs import Answer, Job, QueryFailed
from sparql.pool import get_pool
from sparql.result_cache import ResultCache

bp = Blueprint("sparql_endpoint", __name__)

EXAMPLES_DIR = Path(__file__).parent / "examples"
PREFIX_BLOCK = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
HTML_ROWS = 1000  # rows shown in the HTML table; the other formats return everything

_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Type",
    "Access-Control-Max-Age": "86400",
}


class ProtocolError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


_CACHES: dict[int, ResultCache] = {}


def _cache(settings: Settings) -> ResultCache:
    key = id(settings)
    if key not in _CACHES:
        _CACHES[key] = ResultCache(settings.query_cache_mb * 1024 * 1024)
    return _CACHES[key]


# ---------------------------------------------------------------------------------------------
# Request parsing (SPARQL 1.1 Protocol §2.1)


def _single(params: MultiDict, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ProtocolError(400, f"Only one '{name}' parameter is allowed.")
    return values[0] if values else None


def _read_request(settings: Settings) -> tuple[str | None, list[str] | None, list[str] | None]:
    """(query, default graphs, named graphs) from a GET, a form POST or a direct POST."""
    params: MultiDict = MultiDict(request.args)
    if request.method == "POST":
        mimetype = request.mimetype
        if request.content_length and request.content_length > settings.max_query_bytes * 4:
            raise ProtocolError(413, f"The request is larger than this endpoint accepts "
                                     f"({settings.max_query_bytes:,} bytes of query).")
        if mimetype == "application/x-www-form-urlencoded":
            for key, value in request.form.items(multi=True):
                params.add(key, value)
            if "update" in params:
                raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        elif mimetype == "application/sparql-query":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(415, "The query must be sent in UTF-8.")
            if "query" in params:
                raise ProtocolError(400, "A direct POST carries the query in the body, not as a parameter.")
            try:
                params.add("query", request.get_data(cache=False).decode("utf-8"))
            except UnicodeDecodeError:
                raise ProtocolError(400, "The query is not valid UTF-8.") from None
        elif mimetype == "application/sparql-update":
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        elif not mimetype:
            raise ProtocolError(415, "A POST needs a Content-Type: application/x-www-form-urlencoded "
                                     "or application/sparql-query.")
        else:
            raise ProtocolError(415, f"Content-Type {mimetype} is not accepted: use "
                                     "application/x-www-form-urlencoded or application/sparql-query.")
    if "update" in params:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
    query = _single(params, "query")
    defaults = params.getlist("default-graph-uri")
    named = params.getlist("named-graph-uri")
    for uri in defaults + named:
        try:
            ox.NamedNode(uri)
        except ValueError:
            raise ProtocolError(400, f"Not an absolute IRI: {uri[:200]}") from None
    if defaults or named:
        return query, defaults, named
    return query, None, None


def _explicit_html() -> bool:
    """True when the client asked for HTML by name (a browser), not merely accepting anything."""
    return any(v in ("text/html", "application/xhtml+xml") for v, q in request.accept_mimetypes if q > 0)


def _negotiate(shape: QueryShape) -> str:
    """The format key for this query: ?format= wins, else the Accept header; 406 if none fits."""
    keys = formats_for(shape.form)
    asked = request.values.get("format") or request.values.get("output")
    if asked:
        if asked.lower() == "html":
            return "html"
        named = format_by_name(asked, shape.form)
        if named:
            return named
        raise ProtocolError(406, f"Format '{asked}' is not available for a {shape.form} query; "
                                 f"choose one of: {', '.join(keys)}.")
    accept = request.accept_mimetypes
    if not accept or not list(accept.values()):
        return keys[0]
    by_media = media_types(keys)
    if _explicit_html() and request.method == "GET":
        return "html"
    best = accept.best_match(list(by_media), default=None)
    if best is None:
        offered = ", ".join(FORMATS[k].media_type for k in keys)
        raise ProtocolError(406, f"None of the accepted media types can represent a {shape.form} result; "
                                 f"this endpoint offers: {offered}.")
    return by_media[best]


# ---------------------------------------------------------------------------------------------
# Responses


def _plain(status: int, message: str) -> Response:
    response = Response(message + "\n", status=status, mimetype="text/plain")
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _etag(version: str, key: str) -> str:
    return '"' + hashlib.sha256(f"{version}\x00{key}".encode()).hexdigest()[:32] + '"'


def _not_modified(etag: str, built_at: float) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:
        tags = {t.strip() for t in inm.split(",")}
        return "*" in tags or etag in tags or ("W/" + etag) in tags
    ims = request.headers.get("If-Modified-Since")
    if ims and built_at:
        try:
            return parsedate_to_datetime(ims).timestamp() >= int(built_at)
        except (TypeError, ValueError):
            return False
    return False


def _validators(response: Response, etag: str, built_at: float) -> Response:
    response.headers["ETag"] = etag
    if built_at:
        response.headers["Last-Modified"] = formatdate(built_at, usegmt=True)
    response.headers["Cache-Control"] = "public, no-cache"  # always revalidate: a build may change it
    return response


def _stream(chunks: list[bytes]) -> Iterator[bytes]:
    yield from chunks


def _job(store: Store, settings: Settings, query: str, shape: QueryShape, fmt: str,
         defaults: list[str] | None, named: list[str] | None) -> Job:
    job = Job(
        query=query,
        form=shape.form,
        fmt=fmt,
        max_rows=settings.max_result_rows,
        count_rows=not (shape.limit is not None and shape.limit <= settings.max_result_rows),
        default_graphs=tuple(defaults) if defaults is not None else None,
        named_graphs=tuple(named) if named is not None else None,
        use_union=not shape.has_dataset,
        timeout_s=settings.query_timeout_s,
        base_iri=settings.base_uri,
    )
    if job.count_rows and shape.form == "SELECT" and shape.limit is None and not shape.outer_values:
        # The engine stops at one row past the limit: no query answers more than it may send,
        # and the answer needs no second pass to be counted. A line break first ends any comment.
        job = replace(job, query=f"{query}\nLIMIT {settings.max_result_rows + 1}", limit_added=True)
    if isinstance(store, RemoteStore):
        # Remote servers do not know our prefixes: declare them in front of the query.
        return replace(job, query=f"BASE <{settings.base_uri}>\n" + PREFIX_BLOCK + job.query, remote_url=settings.remote_query_url,
                       remote_union=tuple(store.graphs()) if not shape.has_dataset else ())
    return replace(job, store_path=store.info.path)


def execute(store: Store, settings: Settings, query: str, shape: QueryShape, fmt: str,
            defaults: list[str] | None = None, named: list[str] | None = None) -> Answer:
    """Run a checked query: in this process if the guard proved it cheap, else in the worker pool."""
    job = _job(store, settings, query, shape, fmt, defaults, named)
    if shape.cheap and isinstance(store, EmbeddedStore):
        return inline.run(store, job, settings.query_workers, settings.query_timeout_s)
    return get_pool(settings.query_workers).run(job, settings.query_timeout_s)


@bp.after_request
def _cors(response: Response) -> Response:
    if request.path == "/sparql":
        for k, v in _CORS.items():
            response.headers.setdefault(k, v)
        response.headers.add("Vary", "Accept")
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def sparql() -> Response:
    from web import get_store
    from web import settings as get_settings

    settings = get_settings()
    if request.method == "OPTIONS":
        return Response(status=204, headers={"Allow": "GET, POST, OPTIONS"})
    if request.method not in ("GET", "POST"):
        response = _plain(405, f"{request.method} is not supported: query with GET or POST.")
        response.headers["Allow"] = "GET, POST, OPTIONS"
        return response
    html_form = request.method == "GET" and _explicit_html()
    try:
        query, defaults, named = _read_request(settings)
        if query is None:
            if request.method == "POST":
                raise ProtocolError(400, "No 'query' parameter was given.")
            if _explicit_html():
                return _page(settings)
            return service_description(get_store())
        shape = check(query, settings)
        fmt = _negotiate(shape)
    except (ProtocolError, GuardError) as exc:
        if html_form:
            return _page(settings, query=request.args.get("query", ""), error=exc.message, status=exc.status)
        return _plain(exc.status, exc.message)
    store = get_store()
    if fmt == "html":
        return _html_results(store, settings, query, shape, defaults, named)
    info = store.info
    key = "\x00".join([fmt, query, "|".join(defaults or ["-"]), "|".join(named or ["-"])])
    cacheable = request.method == "GET"
    etag = _etag(info.version, key)
    if cacheable and _not_modified(etag, info.built_at):
        return _validators(Response(status=304), etag, info.built_at)
    cache = _cache(settings)
    cache_key = info.version + "\x00" + key
    if cacheable:
        hit = cache.get(cache_key)
        if hit is not None:
            response = Response(hit[1], mimetype=hit[0])
            response.headers["X-Cache"] = "hit"
            return _validators(response, etag, info.built_at)
    try:
        answer = execute(store, settings, query, shape, fmt, defaults, named)
    except QueryFailed as exc:
        return _plain(exc.status, exc.message)
    if cacheable:
        cache.put(cache_key, answer.media_type, b"".join(answer.chunks))
    response = Response(_stream(answer.chunks), mimetype=answer.media_type)
    response.headers["Content-Length"] = str(answer.size)
    if cacheable:
        response.headers["X-Cache"] = "miss"
        _validators(response, etag, info.built_at)
    return response


# ---------------------------------------------------------------------------------------------
# Service description and HTML


SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]


def service_description(store: Store) -> Response:
    """A SPARQL 1.1 Service Description of this endpoint, in the RDF format the client accepts."""
    keys = ["ttl", "nt", "jsonld", "rdf", "nq", "trig"]
    by_media = media_types(keys)
    best = request.accept_mimetypes.best_match(list(by_media), default=None) if request.accept_mimetypes else None
    if best is None and request.accept_mimetypes and list(request.accept_mimetypes.values()):
        return _plain(406, "The service description is available as: "
                           + ", ".join(FORMATS[k].media_type for k in keys) + ".")
    fmt = FORMATS[by_media[best] if best else "ttl"]
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service = ox.NamedNode(request.base_url)
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("default")
    triples = [
        ox.Triple(service, rdf_type, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, rdf_type, sd("Graph")),
    ]
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + f)) for f in _SD_FORMATS]
    for i, graph in enumerate(_graph_names(store)):
        node = ox.BlankNode(f"g{i}")
        triples += [ox.Triple(dataset, sd("namedGraph"), node), ox.Triple(node, rdf_type, sd("NamedGraph")),
                    ox.Triple(node, sd("name"), ox.NamedNode(graph))]
    prefixes = {"sd": SD, "formats": FORMATS_NS}
    if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        body = ox.serialize(triples, format=fmt.rdf, prefixes=prefixes)
    else:
        body = ox.serialize(triples, format=fmt.rdf)
    return Response(body, mimetype=fmt.media_type)


def _graph_names(store: Store) -> list[str]:
    if isinstance(store, RemoteStore):
        return store.graphs()
    rows = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g")
    return [r["g"].value for r in rows if "g" in r]


def load_examples() -> list[dict[str, str]]:
    """Worked examples: sparql/examples/*.rq, each starting with '# Title' and '# description' lines."""
    examples = []
    for path in sorted(EXAMPLES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        head = []
        for line in lines:
            if not line.startswith("#"):
                break
            head.append(line.lstrip("#").strip())
        title = head[0] if head else path.stem.replace("-", " ")
        examples.append({"id": path.stem, "title": title, "description": " ".join(head[1:]).strip(),
                         "query": text})
    return examples


def _default_query() -> str:
    return PREFIX_BLOCK + "\nSELECT ?class (COUNT(?s) AS ?count)\nWHERE { ?s a ?class }\nGROUP BY ?class\n" \
        "ORDER BY DESC(?count)\nLIMIT 20\n"


def _page(settings: Settings, query: str = "", error: str = "", status: int = 200,
          table: dict | None = None) -> Response:
    examples = load_examples()
    chosen = request.args.get("example")
    if not query and chosen:
        query = next((e["query"] for e in examples if e["id"] == chosen), "")
    html = render_template(
        "sparql.html",
        title="SPARQL query",
        query=query or _default_query(),
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
    body = b"".join(answer.chunks)
    table: dict = {"columns": [], "rows": [], "boolean": None, "truncated": False, "total": 0}
    if fmt == "json":
        result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(result, ox.QueryBoolean):
            table["boolean"] = bool(result)
        else:
            names = [v.value for v in result.variables]
            table["columns"] = names
            for solution in result:
                table["total"] += 1
                if len(table["rows"]) < HTML_ROWS:
                    table["rows"].append([_cell(solution[n]) for n in names])
    else:
        table["columns"] = ["subject", "predicate", "object"]
        for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            table["total"] += 1
            if len(table["rows"]) < HTML_ROWS:
                table["rows"].append([_cell(triple.subject), _cell(triple.predicate), _cell(triple.object)])
    table["truncated"] = table["total"] > len(table["rows"])
    return _page(settings, query=query, table=table)


def _cell(term) -> dict[str, str] | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        value = term.value
        short = next((f"{p}:{value[len(ns):]}" for p, ns in PREFIXES.items() if value.startswith(ns)
                      and len(value) > len(ns)), value)
        link = value if value.startswith(("http://", "https://")) else ""
        return {"text": short, "href": link, "title": value}
    if isinstance(term, ox.Literal):
        extra = f"@{term.language}" if term.language else ""
        return {"text": term.value + extra, "href": "", "title": term.datatype.value}
    return {"text": str(term), "href": "", "title": ""}
