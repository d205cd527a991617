"""Loads the project's own vocabulary, SKOS concept schemes and shapes into graph/ontology."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from catalogue.step import BuildContext, GraphOutput
from core.problems import SourceError
from core.settings import PROJECT_ROOT

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"


def ontology_files() -> list[Path]:
    return [ONTOLOGY_DIR / "lacat.ttl", *sorted((ONTOLOGY_DIR / "concepts").glob("*.ttl"))]


def load_ontology() -> Graph:
    g = Graph()
    for path in ontology_files():
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several parser exception types
            raise SourceError.one(path, f"not valid Turtle: {exc}", rule="turtle-syntax") from None
    return g


def load_shapes() -> Graph:
    g = Graph()
    path = ONTOLOGY_DIR / "shapes.ttl"
    try:
        g.parse(path, format="turtle")
    except Exception as exc:
        raise SourceError.one(path, f"not valid Turtle: {exc}", rule="turtle-syntax") from None
    return g


def ontology_step(ctx: BuildContext) -> list[GraphOutput]:
    g = load_ontology()
    shapes = load_shapes()
    return [
        GraphOutput(ctx.graph("ontology"), g, sources=ontology_files(), label="ontology"),
        GraphOutput(ctx.graph("shapes"), shapes, sources=[ONTOLOGY_DIR / "shapes.ttl"], label="shapes", shacl=False),
    ]
