"""Content negotiation for linked-data documents: HTML and four RDF serialisations."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, abort
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    suffix: str
    media_type: str
    rdf: ox.RdfFormat | None  # None for HTML


FORMATS: list[Format] = [
    Format("html", "text/html", None),
    Format("ttl", "text/turtle", ox.RdfFormat.TURTLE),
    Format("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    Format("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    Format("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
]
BY_SUFFIX = {f.suffix: f for f in FORMATS}
BY_MEDIA = {f.media_type: f for f in FORMATS}
# Common aliases clients send.
BY_MEDIA.update({"application/xhtml+xml": BY_SUFFIX["html"], "application/x-turtle": BY_SUFFIX["ttl"],
                 "text/plain": BY_SUFFIX["nt"], "application/json": BY_SUFFIX["jsonld"]})


def split_suffix(path: str) -> tuple[str, Format | None]:
    """'authority/BIR.ttl' -> ('authority/BIR', turtle); unknown suffixes are left in the path."""
    head, dot, tail = path.rpartition(".")
    if dot and tail in BY_SUFFIX and "/" not in tail:
        return head, BY_SUFFIX[tail]
    return path, None


def negotiate(accept: MIMEAccept) -> Format | None:
    """Best format for an Accept header; HTML when the client accepts anything; None if nothing fits."""
    if not accept or not accept.values():
        return BY_SUFFIX["html"]
    best = accept.best_match([f.media_type for f in FORMATS] + list(BY_MEDIA), default=None)
    if best is None:
        return None
    return BY_MEDIA[best]


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
