"""Every own term used anywhere in the catalogue is defined in ontology/ with a label and a comment."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from catalogue.ontology_step import load_ontology, load_shapes
from core.uris import LACAT

USED_TERMS = """
SELECT DISTINCT ?term WHERE {
  { GRAPH ?g { ?s ?term ?o } } UNION { GRAPH ?g { ?s a ?term } }
  FILTER(STRSTARTS(STR(?term), "https://w3id.org/lacat/def#"))
}
"""


def test_ontology_and_shapes_parse() -> None:
    assert len(load_ontology()) > 0
    assert len(load_shapes()) > 0


def test_every_defined_term_has_label_and_comment() -> None:
    g: Graph = load_ontology()
    terms = {s for s in g.subjects() if str(s).startswith(str(LACAT))}
    assert terms
    missing = [t for t in terms if g.value(t, RDFS.label) is None or g.value(t, RDFS.comment) is None]
    assert not missing, f"terms without rdfs:label or rdfs:comment: {missing}"


def test_every_used_term_is_defined(store) -> None:
    g = load_ontology()
    used = {row["term"].value for row in store.select(USED_TERMS)}
    undefined = sorted(t for t in used if g.value(URIRef(t), RDFS.label) is None)
    assert not undefined, f"own terms used in the data but not defined in ontology/lacat.ttl: {undefined}"
