"""The SPARQL 1.1 Protocol (query operation only) as functions of plain request values, without
Flask: reading the query and dataset from a request, choosing the result format, validators, the
bounded result cache, running a checked query in the worker pool, and the Service Description.
The Flask route that calls them is web/sparql_endpoint.py."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qsl

import pyoxigraph as ox
import werkzeug.urls  # noqa: F401 -- registers the "werkzeug.url_quote" error handler read_plain decodes with
from werkzeug.datastructures import MIMEAccept, MultiDict
from werkzeug.http import parse_options_header

from core.problems import StatusError
from core.queries import PREFIX_BLOCK
from core.settings import Settings
from core.store import EmbeddedStore, RemoteStore, Store
from core.uris import PREFIXES
from sparql import inline
from sparql.formats import FORMATS, HTML, format_by_name, formats_for, negotiate
from sparql.guard import QueryShape
from sparql.jobs import Answer, Job
from sparql.pool import get_pool
from sparql.result_cache import ResultCache

EXAMPLES_DIR = Path(__file__).parent / "examples"
HTML_MEDIA = (HTML.media_type, *HTML.aliases)


class ProtocolError(StatusError):
    """A SPARQL protocol request that cannot be read; `status` is the HTTP status to answer with."""


_CACHES: dict[int, ResultCache] = {}


def cache_for(settings: Settings) -> ResultCache:
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


def read_query(settings: Settings, method: str, args: MultiDict, mimetype: str = "",
               mimetype_params: dict[str, str] | None = None, content_length: int | None = None,
               form: Callable[[], MultiDict] = MultiDict, body: Callable[[], bytes] = bytes,
               ) -> tuple[str | None, list[str] | None, list[str] | None]:
    """(query, default graphs, named graphs) from a GET, a form POST or a direct POST. `form` and
    `body` read the request body, each called only for its kind of POST and after the size check."""
    params: MultiDict = MultiDict(args)
    if method == "POST":
        if content_length and content_length > settings.max_query_bytes * 4:
            raise ProtocolError(413, f"The request is larger than this endpoint accepts "
                                     f"({settings.max_query_bytes:,} bytes of query).")
        if mimetype == FORM_MEDIA:
            for key, value in form().items(multi=True):
                params.add(key, value)
            if "update" in params:
                raise ProtocolError(403, "This endpoint is read-only: SPARQL Update is not accepted.")
        elif mimetype == "application/sparql-query":
            charset = (mimetype_params or {}).get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(415, "The query must be sent in UTF-8.")
            if "query" in params:
                raise ProtocolError(400, "A direct POST carries the query in the body, not as a parameter.")
            try:
                params.add("query", body().decode("utf-8"))
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


FORM_MEDIA = "application/x-www-form-urlencoded"


@lru_cache(maxsize=64)
def _content_type(header: str) -> tuple[str, dict[str, str]]:
    mimetype, params = parse_options_header(header)
    return mimetype.lower(), params


def read_plain(settings: Settings, method: str, query_string: str, content_type: str = "",
               body: bytes = b"") -> tuple[str | None, list[str] | None, list[str] | None, str | None] | None:
    """read_query, plus the ?format= (or ?output=) asked, from a WSGI request's raw values instead of a
    werkzeug Request, whose parsing cost more than a small query: for a GET, whose parameters are all
    in the URL, and for a POST whose whole `body` (its Content-Length, already read) is not a form.
    None for a form POST, which only read_query over a werkzeug Request reads."""
    mimetype, params = _content_type(content_type) if method == "POST" else ("", {})
    if mimetype == FORM_MEDIA:
        return None
    # As werkzeug reads args: the WSGI string's bytes as UTF-8, bad percent-escapes kept as they are.
    args: MultiDict = MultiDict(parse_qsl(query_string.encode("latin1").decode(), keep_blank_values=True,
                                          errors="werkzeug.url_quote")) if query_string else MultiDict()
    query, defaults, named = read_query(settings, method, args, mimetype, params, len(body), body=lambda: body)
    # Neither a GET nor a POST that is not a form has form values: werkzeug's `values` are the args.
    return query, defaults, named, _first(args, "format") or _first(args, "output")


def _first(params: MultiDict, name: str) -> str | None:
    """params.get(name) without the exception werkzeug raises and catches for a missing name."""
    values = params.getlist(name)
    return values[0] if values else None


def asks_for_html(accept: MIMEAccept) -> bool:
    """True when the client asked for HTML by name (a browser), not merely accepting anything."""
    return any(v in HTML_MEDIA for v, q in accept if q > 0)


def choose_format(form: str, asked: str | None, accept: MIMEAccept, method: str) -> str:
    """The format key for a query of this form (SELECT, ASK, CONSTRUCT, DESCRIBE): ?format=
    (`asked`) wins, else the Accept header; 406 if none fits. "html" is the query page's own table."""
    keys = formats_for(form)
    if asked:
        if asked.lower() == "html":
            return "html"
        named = format_by_name(asked, form)
        if named:
            return named
        raise ProtocolError(406, f"Format '{asked}' is not available for a {form} query; "
                                 f"choose one of: {', '.join(keys)}.")
    if method == "GET" and asks_for_html(accept):
        return HTML.key
    key = negotiate(accept, keys)
    if key is None:
        offered = ", ".join(FORMATS[k].media_type for k in keys)
        raise ProtocolError(406, f"None of the accepted media types can represent a {form} result; "
                                 f"this endpoint offers: {offered}.")
    return key


# ---------------------------------------------------------------------------------------------
# Validators (conditional GET)


def etag(version: str, key: str) -> str:
    return '"' + hashlib.sha256(f"{version}\x00{key}".encode()).hexdigest()[:32] + '"'


def not_modified(tag: str, built_at: float, if_none_match: str | None, if_modified_since: str | None) -> bool:
    if if_none_match is not None:
        tags = {t.strip() for t in if_none_match.split(",")}
        return "*" in tags or tag in tags or ("W/" + tag) in tags
    if if_modified_since and built_at:
        try:
            return parsedate_to_datetime(if_modified_since).timestamp() >= int(built_at)
        except (TypeError, ValueError):
            return False
    return False


# ---------------------------------------------------------------------------------------------
# Running a checked query


def _job(store: Store, settings: Settings, query: str, shape: QueryShape, fmt: str,
         defaults: list[str] | None, named: list[str] | None) -> Job:
    # Built once with its final fields: a dataclasses.replace per step cost more than the lexer.
    count_rows = not (shape.limit is not None and shape.limit <= settings.max_result_rows)
    limit_added = count_rows and shape.form == "SELECT" and shape.limit is None and not shape.outer_values
    if limit_added:
        # The engine stops at one row past the limit: no query answers more than it may send,
        # and the answer needs no second pass to be counted. A line break first ends any comment.
        query = f"{query}\nLIMIT {settings.max_result_rows + 1}"
    remote = isinstance(store, RemoteStore)
    if remote:
        # Remote servers do not know our prefixes: declare them in front of the query.
        query = f"BASE <{settings.base_uri}>\n" + PREFIX_BLOCK + query
    return Job(
        query=query,
        form=shape.form,
        fmt=fmt,
        max_rows=settings.max_result_rows,
        count_rows=count_rows,
        limit_added=limit_added,
        default_graphs=tuple(defaults) if defaults is not None else None,
        named_graphs=tuple(named) if named is not None else None,
        use_union=not shape.has_dataset,
        store_path="" if remote else store.info.path,
        remote_url=settings.remote_query_url if remote else "",
        remote_union=tuple(store.graphs()) if remote and not shape.has_dataset else (),
        timeout_s=settings.query_timeout_s,
        base_iri=settings.base_uri,
        prefixes=shape.pnames,
        bounded=shape.cheap,
    )


def execute(store: Store, settings: Settings, query: str, shape: QueryShape, fmt: str,
            defaults: list[str] | None = None, named: list[str] | None = None) -> Answer:
    """Run a checked query: in this process if the guard proved it cheap, else in the worker pool."""
    job = _job(store, settings, query, shape, fmt, defaults, named)
    if shape.cheap and isinstance(store, EmbeddedStore):
        return inline.run(store, job, settings.query_workers, settings.query_timeout_s)
    pool = get_pool(settings.query_workers, settings.query_threads, settings.query_allocator)
    return pool.run(job, settings.query_timeout_s)


# ---------------------------------------------------------------------------------------------
# Service description


SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"]
SD_FORMAT_KEYS = ["ttl", "nt", "jsonld", "rdf", "nq", "trig"]


def service_description(endpoint_url: str, store: Store, fmt_key: str) -> bytes:
    """A SPARQL 1.1 Service Description of the endpoint at `endpoint_url`, in one of SD_FORMAT_KEYS."""
    fmt = FORMATS[fmt_key]
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service = ox.NamedNode(endpoint_url)
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
        return ox.serialize(triples, format=fmt.rdf, prefixes=prefixes) or b""
    return ox.serialize(triples, format=fmt.rdf) or b""


def _graph_names(store: Store) -> list[str]:
    if isinstance(store, RemoteStore):
        return store.graphs()
    rows = store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g")
    return [r["g"].value for r in rows if "g" in r]


# ---------------------------------------------------------------------------------------------
# The query page's examples and result table


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


def default_query() -> str:
    return PREFIX_BLOCK + "\nSELECT ?class (COUNT(?s) AS ?count)\nWHERE { ?s a ?class }\nGROUP BY ?class\n" \
        "ORDER BY DESC(?count)\nLIMIT 20\n"


def results_table(body: bytes, fmt: str, max_rows: int) -> dict:
    """A result (JSON for SELECT/ASK, N-Triples for graphs) as the query page's table: at most
    `max_rows` rows, with the total and whether it was cut."""
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
                if len(table["rows"]) < max_rows:
                    table["rows"].append([_cell(solution[n]) for n in names])
    else:
        table["columns"] = ["subject", "predicate", "object"]
        for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
            table["total"] += 1
            if len(table["rows"]) < max_rows:
                table["rows"].append([_cell(triple.subject), _cell(triple.predicate), _cell(triple.object)])
    table["truncated"] = table["total"] > len(table["rows"])
    return table


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
