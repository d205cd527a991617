"""RDF nodes every part of the DCAT catalogue describes the same way: a dataset it lists, a
licence or standard, a web page."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from core.uris import DCAT


def add_dataset(g: Graph, catalogue: URIRef, node: URIRef, title: str, description: str,
                types: tuple[URIRef, ...] = (DCAT.Dataset,), identifier: str | None = None,
                label: str | None = None) -> URIRef:
    """A dataset (or series) the catalogue lists, with the English title, label and description
    every listed dataset has (harvesters show the title; pages and SPARQL users read the label)."""
    g.add((catalogue, DCAT.dataset, node))
    for t in types:
        g.add((node, RDF.type, t))
    if identifier is not None:
        g.add((node, DCTERMS.identifier, Literal(identifier)))
    g.add((node, DCTERMS.title, Literal(title, lang="en")))
    g.add((node, RDFS.label, Literal(label or title, lang="en")))
    g.add((node, DCTERMS.description, Literal(description, lang="en")))
    return node


def labelled(g: Graph, uri: str, rdf_type: URIRef, label: str) -> URIRef:
    """A node of one type with an English label (a licence, a standard)."""
    node = URIRef(uri)
    g.add((node, RDF.type, rdf_type))
    g.add((node, RDFS.label, Literal(label, lang="en")))
    return node


def add_licence(g: Graph, uri: str, label: str) -> URIRef:
    return labelled(g, uri, DCTERMS.LicenseDocument, label)


def add_document(g: Graph, url: str, label: str | None = None) -> URIRef:
    node = URIRef(url)
    g.add((node, RDF.type, FOAF.Document))
    if label:
        g.add((node, RDFS.label, Literal(label, lang="en")))
    return node
