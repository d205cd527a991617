"""Enforces ontology/shapes.ttl on everything the build produced (except bulk observation graphs)."""

from __future__ import annotations

from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import SH

from catalogue.ontology_step import load_shapes
from catalogue.step import BuildContext


def shacl_check(ctx: BuildContext) -> list[str]:
    data = Graph()
    for out in ctx.outputs:
        if out.shacl and isinstance(out.graph, Graph):
            data += out.graph
    return shacl_problems(data, load_shapes())


def shacl_problems(data: Graph, shapes: Graph) -> list[str]:
    conforms, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    if conforms:
        return []
    problems = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        problems.append(f"{focus} {path or ''}: {message}")
    return sorted(problems)
