"""A metric's versions (/doc/metric/{slug}/version/{n}) in every format, described from the
metric's own facts (its version number and change notes) and the published version the store
records."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request

from core.queries import construct, iri
from core.uris import PREFIXES, Uris
from web.conneg import BY_SUFFIX, RDF_FORMATS, negotiate, negotiated, not_acceptable, rdf_response
from web.current import get_store, settings
from web.explorer_data import Metric
from web.metric_lookup import metric_or_404, metric_texts

bp = Blueprint("metric_versions", __name__)

def _version_triples(m: Metric, n: int) -> list:
    uris = Uris(settings().base_uri)
    v = ox.NamedNode(uris.metric_version(m.slug, n))
    metric = ox.NamedNode(m.uri)
    dct = "http://purl.org/dc/terms/"
    dcat = "http://www.w3.org/ns/dcat#"
    skos = "http://www.w3.org/2004/02/skos/core#"
    rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    triples = [
        ox.Triple(v, ox.NamedNode(rdfs + "label"), ox.Literal(f"{m.label}, version {n}", language="en")),
        ox.Triple(v, ox.NamedNode(dct + "isVersionOf"), metric),
        ox.Triple(metric, ox.NamedNode(dct + "hasVersion"), v),
        ox.Triple(v, ox.NamedNode(dcat + "version"), ox.Literal(str(n))),
    ]
    texts = metric_texts(m)
    for note in texts.get("change", []):
        if note.startswith(f"Version {n} "):
            triples.append(ox.Triple(v, ox.NamedNode(skos + "changeNote"), ox.Literal(note, language="en")))
    if str(n) == m.version:
        # The current version is the definition the metric states now.
        triples.append(ox.Triple(v, ox.NamedNode(skos + "definition"), ox.Literal(m.definition, language="en")))
        for text in texts.get("methodology", []):
            triples.append(ox.Triple(v, ox.NamedNode("https://w3id.org/lacat/def#methodology"),
                                     ox.Literal(text, language="en")))
        for text in texts.get("caveat", []):
            triples.append(ox.Triple(v, ox.NamedNode("https://w3id.org/lacat/def#caveat"),
                                     ox.Literal(text, language="en")))
    if n > 1:
        triples.append(ox.Triple(v, ox.NamedNode(dcat + "previousVersion"),
                                 ox.NamedNode(uris.metric_version(m.slug, n - 1))))
    # The immutable published version as the store records it (graph/metric-history, web/history.py):
    # the definition, method and caveats of that version, even when it is not the current one.

    seen = set(triples)
    triples.extend(t for t in construct(get_store(), "describe", resource=iri(v.value)) if t not in seen)
    return triples


def _version_number(m: Metric, text: str) -> int:
    if not text.isdigit() or not m.version.isdigit() or not 1 <= int(text) <= int(m.version):
        abort(404)
    return int(text)


@bp.route("/doc/metric/<slug>/version/<ident>")
def metric_version_document(slug: str, ident: str):
    """A metric version in every format: the store records the metric's version number and change
    notes, and each version's description is derived from those facts."""
    m = metric_or_404(slug)
    stem, dot, suffix = ident.partition(".")
    fmt = BY_SUFFIX.get(suffix) if dot else negotiate(request.accept_mimetypes)
    if fmt is None:
        return not_acceptable()
    n = _version_number(m, stem)
    if fmt.rdf is None:
        response = Response(metric_version_page(m, stem), mimetype="text/html")
    else:
        response = rdf_response(_version_triples(m, n), fmt, PREFIXES)
    return negotiated(response, f"/doc/metric/{m.slug}/version/{n}")


def metric_version_page(m: Metric, text: str) -> str:
    n = _version_number(m, text)
    texts = metric_texts(m)
    notes = [t for t in texts.get("change", []) if t.startswith(f"Version {n} ")]
    return render_template(
        "metric-version.html", title=f"{m.label}, version {n}", m=m, n=n, notes=notes,
        current=str(n) == m.version, texts=texts,
        alternates=[{"href": f"/doc/metric/{m.slug}/version/{n}.{f.suffix}", "type": f.media_type}
                    for f in RDF_FORMATS],
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Metrics", "href": "/metrics"},
                     {"text": m.label, "href": f"/doc/metric/{m.slug}"}, {"text": f"Version {n}"}])
