"""Discovery for machines: /sitemap.xml for search engines and a VoID description of the
catalogue at /.well-known/void (RFC 5785 location named by the VoID specification, section 7)."""

from __future__ import annotations

import threading
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Blueprint, Response, request

from core.queries import select
from core.uris import PREFIXES, VOID, Uris
from web.conneg import BY_SUFFIX, RDF_FORMATS, negotiate, negotiated, not_acceptable, rdf_response
from web.current import get_store, settings
from web.framework_data import frameworks
from web.metric_lookup import cat

bp = Blueprint("explorer_ld", __name__)

STATIC_PAGES = ["", "metrics", "authorities", "combined-authorities", "frameworks", "datasets", "catalogue", "sdl",
                "sparql", "about"]


@bp.route("/sitemap.xml")
def sitemap():
    base = settings().base_uri
    c = cat()
    paths = list(STATIC_PAGES)
    paths += [f"doc/metric/{m.slug}" for m in c.metrics.values()]
    paths += [f"doc/authority/{a.code}" for a in sorted(c.authorities.values(), key=lambda a: a.code)]
    paths.append("doc/area/E92000001")
    paths += ["doc/area/" + str(r["gss"]) for r in select(get_store(), "regions")]
    paths += [f"doc/dataset/{slug}" for slug in _dataset_slugs()]
    for e in frameworks(get_store(), Uris(base)).editions.values():
        paths.append(f"doc/framework-edition/{e.slug}")
        paths += [f"doc/framework-edition/{e.slug}/outcome/{o.number}" for o in e.outcomes]
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"  <url><loc>{escape(base + p)}</loc></url>" for p in dict.fromkeys(paths)]
    body.append("</urlset>")
    return Response("\n".join(body) + "\n", mimetype="application/xml")


def _dataset_slugs() -> list[str]:
    prefix = settings().base_uri + "id/dataset/"
    out = []
    for r in select(get_store(), "catalogue-datasets"):
        uri = str(r["ds"])
        if uri.startswith(prefix):
            out.append(uri[len(prefix):])
    return sorted(set(out))


_COUNTS: dict[str, list[tuple[str, int]]] = {}
_LOCK = threading.Lock()


def _graph_counts() -> list[tuple[str, int]]:
    """Triples per named graph, counted once per catalogue version."""
    store = get_store()
    version = store.info.version
    with _LOCK:
        if version in _COUNTS:
            return _COUNTS[version]
    rows = select(store, "explorer-graph-counts")
    counts = sorted((str(r["g"]), int(r["n"])) for r in rows)  # type: ignore[arg-type]
    with _LOCK:
        _COUNTS.clear()
        _COUNTS[version] = counts
    return counts


def void_triples() -> list[ox.Triple]:
    base = settings().base_uri
    doc = base + ".well-known/void"
    ds = ox.NamedNode(doc + "#catalogue")
    dct = "http://purl.org/dc/terms/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def v(term: str) -> ox.NamedNode:
        return ox.NamedNode(str(VOID[term]))

    t = [
        ox.Triple(ds, rdf_type, v("Dataset")),
        ox.Triple(ds, ox.NamedNode(dct + "title"), ox.Literal("Local government performance catalogue", language="en")),
        ox.Triple(ds, ox.NamedNode(dct + "description"), ox.Literal(
            "Linked data on English local authorities, their performance metrics as RDF Data Cube observations, "
            "England medians and comparison bands, similar authorities, source datasets and the Single Data List.",
            language="en")),
        ox.Triple(ds, ox.NamedNode(dct + "license"),
                  ox.NamedNode("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")),
        ox.Triple(ds, v("sparqlEndpoint"), ox.NamedNode(base + "sparql")),
        ox.Triple(ds, v("uriSpace"), ox.Literal(base + "id/")),
        ox.Triple(ds, v("rootResource"), ox.NamedNode(base + "id/catalogue")),
        ox.Triple(ds, v("uriLookupEndpoint"), ox.NamedNode(base + "search.json?q=")),
        ox.Triple(ds, ox.NamedNode("http://xmlns.com/foaf/0.1/homepage"), ox.NamedNode(base)),
        ox.Triple(ds, v("feature"), ox.NamedNode("http://www.w3.org/ns/formats/Turtle")),
        ox.Triple(ds, v("feature"), ox.NamedNode("http://www.w3.org/ns/formats/JSON-LD")),
        ox.Triple(ds, v("feature"), ox.NamedNode("http://www.w3.org/ns/formats/N-Triples")),
        ox.Triple(ds, v("feature"), ox.NamedNode("http://www.w3.org/ns/formats/RDF_XML")),
    ]
    for prefix in ("qb", "dcat", "dcterms", "org", "skos", "prov", "sdmx-dimension", "lacat", "time", "foaf"):
        t.append(ox.Triple(ds, v("vocabulary"), ox.NamedNode(PREFIXES[prefix])))
    c = cat()
    examples = [base + "id/authority/BIR"] + [m.uri for m in list(c.metrics.values())[:1]]
    for ex in examples:
        t.append(ox.Triple(ds, v("exampleResource"), ox.NamedNode(ex)))
    total = 0
    for graph, n in _graph_counts():
        total += n
        sub = ox.NamedNode(doc + "#graph-" + graph[len(base + "graph/"):].replace("/", "-")
                           if graph.startswith(base + "graph/") else doc + "#graph-other")
        t += [ox.Triple(ds, v("subset"), sub), ox.Triple(sub, rdf_type, v("Dataset")),
              ox.Triple(sub, ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name"),
                        ox.NamedNode(graph)),
              ox.Triple(sub, v("triples"), ox.Literal(str(n), datatype=ox.NamedNode(
                  "http://www.w3.org/2001/XMLSchema#integer")))]
    t.append(ox.Triple(ds, v("triples"), ox.Literal(str(total), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    return t


@bp.route("/.well-known/void")
@bp.route("/.well-known/void.<suffix>")
def void(suffix: str | None = None):
    if suffix:
        fmt = BY_SUFFIX.get(suffix)
        if fmt is None or fmt.rdf is None:
            return Response("Not found\n", status=404, mimetype="text/plain")
    else:
        # Turtle unless the client prefers another RDF syntax; a browser (text/html, */*) gets Turtle too.
        fmt = negotiate(request.accept_mimetypes, RDF_FORMATS)
        if fmt is None:
            return not_acceptable("Available as", RDF_FORMATS)
    return negotiated(rdf_response(void_triples(), fmt, {**PREFIXES, "void": str(VOID)}), "/.well-known/void")
