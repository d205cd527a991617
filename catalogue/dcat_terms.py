"""The small DCAT resources the catalogue graph is made of: media types, standards, frequencies,
themes, places, periods, contact points and organisations, each added to the graph once per use."""

from __future__ import annotations

from datetime import date

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from catalogue.datasets import AREAS, EU_FREQUENCY, EU_THEME, FREQUENCIES, THEMES, Organisation
from catalogue.dcat_nodes import labelled
from catalogue.sdl import add_organisation, org_slug
from core import periods
from core.uris import DCAT, SPDX, STATGEO, VCARD, Uris, concept

IANA = "http://www.iana.org/assignments/media-types/"
THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
FRICTIONLESS_PACKAGE = "https://specs.frictionlessdata.io/data-package/"
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
PROJECT_AGENT = "lacat"
PROJECT_NAME = "Local government performance catalogue"

MEDIA_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".yaml": "application/yaml",
    ".html": "text/html",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".zip": "application/zip",
    ".ttl": "text/turtle",
}


def media_type(g: Graph, mt: str) -> URIRef:
    node = URIRef(IANA + mt)
    g.add((node, RDF.type, DCTERMS.MediaType))
    g.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((node, RDFS.label, Literal(mt)))
    return node


def standard(g: Graph, uri: str, label: str) -> URIRef:
    return labelled(g, uri, DCTERMS.Standard, label)


def frequency(g: Graph, code: str) -> URIRef:
    node = URIRef(EU_FREQUENCY + code)
    g.add((node, RDF.type, DCTERMS.Frequency))
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.prefLabel, Literal(FREQUENCIES[code], lang="en")))
    g.add((node, RDFS.label, Literal(FREQUENCIES[code], lang="en")))
    return node


def theme(g: Graph, code: str) -> URIRef:
    node = URIRef(EU_THEME + code)
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.prefLabel, Literal(THEMES[code], lang="en")))
    g.add((node, RDFS.label, Literal(THEMES[code], lang="en")))
    g.add((node, SKOS.notation, Literal(code)))
    g.add((node, SKOS.inScheme, THEME_SCHEME))
    return node


def location(g: Graph, code: str) -> URIRef:
    node = STATGEO[code]
    g.add((node, RDF.type, DCTERMS.Location))
    g.add((node, RDFS.label, Literal(AREAS[code], lang="en")))
    return node


def period_of_time(g: Graph, start: date, end: date) -> BNode:
    node = BNode()
    g.add((node, RDF.type, DCTERMS.PeriodOfTime))
    g.add((node, DCAT.startDate, Literal(start.isoformat(), datatype=XSD.date)))
    g.add((node, DCAT.endDate, Literal(end.isoformat(), datatype=XSD.date)))
    return node


def contact(g: Graph, name: str, url: str) -> BNode:
    node = BNode()
    g.add((node, RDF.type, VCARD.Kind))
    g.add((node, RDF.type, VCARD.Organization))
    g.add((node, VCARD.fn, Literal(name, lang="en")))
    g.add((node, VCARD.hasURL, URIRef(url)))
    return node


def period_dates(period: str) -> tuple[date, date] | None:
    """First and last day of a period key (core.periods), or None for a text that is not one."""
    try:
        return periods.bounds(period)
    except ValueError:
        return None


def organisation(g: Graph, uris: Uris, org: Organisation) -> URIRef:
    # An organisation that also collects returns on the list shares the SDL department's URI.
    oid = org_slug(org.sdl_code) if org.sdl_code else org.id
    node = add_organisation(g, uris, oid, org.name, code=org.sdl_code, homepage=org.homepage)
    return node



def sha256_algorithm(g: Graph) -> URIRef:
    node = SPDX.checksumAlgorithm_sha256
    g.add((node, RDF.type, SPDX.ChecksumAlgorithm))
    return node


def source_role(g: Graph) -> URIRef:
    node = concept("dataset-role", "source-return")
    g.add((node, RDF.type, DCAT.Role))
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.prefLabel, Literal("Data return the dataset's figures come from", lang="en")))
    return node

