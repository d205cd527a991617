"""Result formats the SPARQL endpoint speaks, each serialised by pyoxigraph itself."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class ResultFormat:
    key: str  # short name, also accepted as ?format=key
    media_type: str
    label: str
    results: ox.QueryResultsFormat | None = None  # SELECT / ASK
    rdf: ox.RdfFormat | None = None  # CONSTRUCT / DESCRIBE
    aliases: tuple[str, ...] = ()


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


def media_types(keys: list[str]) -> dict[str, str]:
    """Every media type (with aliases) clients may send, mapped to a format key."""
    out: dict[str, str] = {}
    for key in keys:
        fmt = FORMATS[key]
        out[fmt.media_type] = key
        for alias in fmt.aliases:
            out.setdefault(alias, key)
    return out
