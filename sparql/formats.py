"""The output formats of the site's RDF and SPARQL answers (each serialised by pyoxigraph itself),
and the one content negotiation over them, `negotiate`, used by the SPARQL endpoint, its service
description and every linked-data document (web/conneg.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class ResultFormat:
    key: str  # short name, also accepted as ?format=key
    media_type: str
    label: str
    results: ox.QueryResultsFormat | None = None  # SELECT / ASK
    rdf: ox.RdfFormat | None = None  # CONSTRUCT / DESCRIBE
    aliases: tuple[str, ...] = ()

    @property
    def suffix(self) -> str:
        """The file suffix of a document in this format (/doc/authority/BIR.ttl)."""
        return self.key


FORMATS: dict[str, ResultFormat] = {
    f.key: f
    for f in [
        ResultFormat("json", "application/sparql-results+json", "SPARQL JSON",
                     results=ox.QueryResultsFormat.JSON, aliases=("application/json",)),
        ResultFormat("xml", "application/sparql-results+xml", "SPARQL XML",
                     results=ox.QueryResultsFormat.XML, aliases=("application/xml", "text/xml")),
        ResultFormat("csv", "text/csv", "CSV", results=ox.QueryResultsFormat.CSV),
        ResultFormat("tsv", "text/tab-separated-values", "TSV", results=ox.QueryResultsFormat.TSV),
        ResultFormat("ttl", "text/turtle", "Turtle", rdf=ox.RdfFormat.TURTLE,
                     aliases=("application/x-turtle", "application/turtle")),
        ResultFormat("nt", "application/n-triples", "N-Triples", rdf=ox.RdfFormat.N_TRIPLES,
                     aliases=("text/plain",)),
        ResultFormat("jsonld", "application/ld+json", "JSON-LD", rdf=ox.RdfFormat.JSON_LD),
        ResultFormat("rdf", "application/rdf+xml", "RDF/XML", rdf=ox.RdfFormat.RDF_XML),
        ResultFormat("nq", "application/n-quads", "N-Quads", rdf=ox.RdfFormat.N_QUADS),
        ResultFormat("trig", "application/trig", "TriG", rdf=ox.RdfFormat.TRIG),
    ]
}

# The site's own page, offered beside the RDF formats wherever a resource is also a web page (and
# by the endpoint, for its query page's table). Not a SPARQL result format, so not in FORMATS.
HTML = ResultFormat("html", "text/html", "HTML", aliases=("application/xhtml+xml",))

# Formats that fit each query form, the preferred one first (used when the client accepts anything).
TABULAR = ["json", "xml", "csv", "tsv"]
BOOLEAN = ["json", "xml", "csv", "tsv"]
GRAPH = ["ttl", "nt", "jsonld", "rdf", "nq", "trig"]


# Names clients put in ?format= / ?output= (SPARQLWrapper sends e.g. "turtle", "json-ld", "xml").
_NAMES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "rdfxml": "rdf",
          "rdf+xml": "rdf", "nquads": "nq", "n-quads": "nq", "text": "tsv"}
_GRAPH_NAMES = {"xml": "rdf", "json": "jsonld"}


def format_by_name(name: str, form: str) -> str | None:
    """The format key a ?format= value names for this query form, or None."""
    name = name.lower()
    keys = formats_for(form)
    if form in ("CONSTRUCT", "DESCRIBE"):
        name = _GRAPH_NAMES.get(name, name)
    name = _NAMES.get(name, name)
    if name in keys:
        return name
    return media_types(keys).get(name)


def formats_for(form: str) -> list[str]:
    if form == "SELECT":
        return TABULAR
    if form == "ASK":
        return BOOLEAN
    return GRAPH


def _format(key: str) -> ResultFormat:
    return HTML if key == HTML.key else FORMATS[key]


def media_types(keys: Sequence[str], aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every media type clients may send for these formats, mapped to a format key: each format's
    own type first (in the order of `keys`), then the aliases, then `aliases` (media type -> key)
    for a use that reads a type otherwise. A wildcard such as text/* so picks a format whose own
    type it matches, never one that only an alias names."""
    out = {_format(key).media_type: key for key in keys}
    for key in keys:
        for alias in _format(key).aliases:
            out.setdefault(alias, key)
    for alias, key in (aliases or {}).items():
        if key in keys:
            out.setdefault(alias, key)
    return out


def negotiate(accept: MIMEAccept, keys: Sequence[str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The key of the format of `keys` (the preferred first) that best fits an Accept header: the
    first when the client states no preference, None when none fits (the caller answers 406)."""
    if not accept or not list(accept.values()):
        return keys[0]
    by_media = media_types(keys, aliases)
    best = accept.best_match(list(by_media), default=None)
    return by_media[best] if best is not None else None
