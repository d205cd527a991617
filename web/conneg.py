"""Content negotiation for linked-data documents: HTML and four RDF serialisations.

The formats are the SPARQL endpoint's (sparql/formats.py) and so is the negotiation: one registry
of media types and aliases, one choice of format for an Accept header.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, abort
from werkzeug.datastructures import MIMEAccept

from sparql.formats import FORMATS as RESULT_FORMATS
from sparql.formats import HTML, ResultFormat
from sparql.formats import negotiate as negotiate_key

Format = ResultFormat

FORMATS: list[Format] = [HTML, *(RESULT_FORMATS[k] for k in ("ttl", "jsonld", "nt", "rdf"))]
RDF_FORMATS = [f for f in FORMATS if f.rdf]
BY_SUFFIX = {f.suffix: f for f in FORMATS}
# A linked-data client sending application/json wants the document as JSON-LD (a SPARQL client
# gets SPARQL JSON for the same type).
LD_ALIASES = {"application/json": "jsonld"}


def split_suffix(path: str) -> tuple[str, Format | None]:
    """'authority/BIR.ttl' -> ('authority/BIR', turtle); unknown suffixes are left in the path."""
    head, dot, tail = path.rpartition(".")
    if dot and tail in BY_SUFFIX and "/" not in tail:
        return head, BY_SUFFIX[tail]
    return path, None


def negotiate(accept: MIMEAccept, offered: list[Format] = FORMATS) -> Format | None:
    """Best of `offered` for an Accept header; the first (HTML) when the client states no
    preference; None if nothing fits."""
    key = negotiate_key(accept, [f.key for f in offered], LD_ALIASES)
    return BY_SUFFIX[key] if key else None


def not_acceptable(available_as: str = "This resource is available as", offered: list[Format] = FORMATS) -> Response:
    return Response(f"Not Acceptable. {available_as}: " + ", ".join(f.media_type for f in offered) + "\n",
                    status=406, mimetype="text/plain")


def negotiated(response: Response, stem: str) -> Response:
    """The headers of a negotiated document: Vary, and a Link to each RDF twin (stem + suffix)."""
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        f'<{stem}.{f.suffix}>; rel="alternate"; type="{f.media_type}"' for f in RDF_FORMATS)
    return response


def serialise(triples: list[ox.Triple], fmt: Format, prefixes: dict[str, str] | None = None) -> bytes:
    assert fmt.rdf is not None
    if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.JSON_LD) and prefixes:
        try:
            return ox.serialize(triples, format=fmt.rdf, prefixes=prefixes) or b""
        except TypeError:
            pass
    return ox.serialize(triples, format=fmt.rdf) or b""


def rdf_response(triples: list[ox.Triple], fmt: Format, prefixes: dict[str, str] | None = None) -> Response:
    """An RDF document, or a 404 when the store holds nothing about it: an empty 200 would tell a
    harvester the resource exists and says nothing (what a store built for another base looked like)."""
    if not triples:
        abort(404)
    return Response(serialise(triples, fmt, prefixes), mimetype=fmt.media_type)
