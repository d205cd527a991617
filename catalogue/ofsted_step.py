"""Ofsted's judgements of councils' children's services (ingest/adapters/ofsted.py) as RDF in
graph/dataset/ofsted-childrens-services-inspections: context shown beside a council's figures.

A judgement is a word from Ofsted's scale (a concept of ontology/concepts/ofsted-judgements.ttl),
never a number: the catalogue does not score, band or rank councils by inspection grades.
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from catalogue.step import BuildContext, GraphOutput
from core.uris import LACAT, concept
from ingest.adapters import ofsted

DATASET = "ofsted-childrens-services-inspections"


def ofsted_step(ctx: BuildContext) -> list[GraphOutput]:
    sources = ctx.settings.sources_dir
    inspections = ofsted.read(sources, ctx.register)
    g = Graph()
    dataset = URIRef(ctx.uris.dataset(DATASET))
    for ins in inspections:
        node = URIRef(ctx.uris.inspection(ins.authority, ins.as_at.isoformat()))
        g.add((node, RDF.type, LACAT.Inspection))
        g.add((node, LACAT.inspectedAuthority, URIRef(ctx.uris.authority(ins.authority))))
        g.add((node, LACAT.asAt, Literal(ins.as_at.isoformat(), datatype=XSD.date)))
        g.add((node, DCTERMS.issued, Literal(ins.published.isoformat(), datatype=XSD.date)))
        g.add((node, LACAT.inspectionFramework, Literal(ins.framework, lang="en")))
        g.add((node, LACAT.sourceRow, Literal(ins.row)))
        g.add((node, PROV.wasDerivedFrom, dataset))
        for area, grade in ins.judgements:
            j = URIRef(ctx.uris.inspection_judgement(ins.authority, ins.as_at.isoformat(), area))
            g.add((node, LACAT.judgement, j))
            g.add((j, RDF.type, LACAT.Judgement))
            g.add((j, LACAT.judgementArea, concept("ofsted-judgement-area", area)))
            g.add((j, LACAT.grade, concept("ofsted-grade", grade)))
    ctx.log(f"      {len(inspections):,} inspections of children's services")
    return [GraphOutput(ctx.graph("dataset", DATASET), g, sources=[sources / ofsted.FILE, sources / ofsted.NAME_LOOKUP],
                        label="ofsted inspections", shacl=False)]
