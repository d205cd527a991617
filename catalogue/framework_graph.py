"""Outcome framework records -> RDF (graph/frameworks), and their entries in the DCAT catalogue.

Modelling (docs/frameworks.md):
- a framework is a `dcat:DatasetSeries` (+ lacat:OutcomeFramework) with its editions as
  `dcat:hasVersion`; each edition is a versioned `skos:ConceptScheme` and `dcat:Dataset`
  (+ lacat:FrameworkEdition) with `dcat:version`, `dcterms:issued`, `dcat:inSeries` and
  `dcat:previousVersion` to the edition it revises;
- outcomes are top concepts of their edition (lacat:FrameworkOutcome, `skos:notation` = number),
  with kind (priority / contextual / unknown) and ambition text where a source shows it;
- metrics are concepts of the edition (lacat:FrameworkMetric) under their outcomes
  (`skos:broader` and lacat:measuresOutcome), with outcome/output type, availability, the data
  source organisation, LG Inform / esd metric types as `skos:exactMatch` where a source gives one,
  and, by the record's explicit mapping only, the catalogue metric and its metric dataset.
What no source shows is left out (or, where the model needs a value, the 'unknown' concept);
each edition carries a coverage note saying which is which.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from catalogue.datasets import load_metric_records
from catalogue.dcat_nodes import add_document, add_licence
from catalogue.frameworks import UNKNOWN, Edition, FrameworkMetric, load_frameworks, mapping_notes
from catalogue.metrics import provenance_graph
from catalogue.sdl import add_organisation
from catalogue.step import BuildContext, GraphOutput
from core.uris import DCAT, ESD_METRIC_TYPE, LACAT, OGL, Uris, concept, source_file_uri

GRAPH = "frameworks"


def issued_literal(value: str) -> Literal:
    """'2026-02-09', '2025-07' or '2023' with the XSD type of its precision."""
    kind = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(value)]
    return Literal(value, datatype=kind)


def _organisation(g: Graph, uris: Uris, e: Edition, key: str) -> URIRef:
    org = e.data["organisations"][key]
    return add_organisation(g, uris, key, org["name"], code=org["code"])


def _source_node(g: Graph, e: Edition, source_id: str) -> URIRef:
    s = e.sources[source_id]
    return add_document(g, s["url"], s["title"])


def _metric(g: Graph, uris: Uris, e: Edition, m: FrameworkMetric, scheme: URIRef, linked: set[str]) -> None:
    node = URIRef(uris.framework_metric(e.slug, m.key))
    for t in (SKOS.Concept, LACAT.FrameworkMetric):
        g.add((node, RDF.type, t))
    g.add((node, SKOS.inScheme, scheme))
    g.add((node, SKOS.prefLabel, Literal(m.label, lang="en")))
    g.add((node, RDFS.label, Literal(m.label, lang="en")))
    g.add((node, DCTERMS.identifier, Literal(m.key)))
    g.add((node, LACAT.labelComplete, Literal(m.label_complete)))
    if m.notation:
        g.add((node, SKOS.notation, Literal(m.notation)))
    if not m.outcomes:
        g.add((scheme, SKOS.hasTopConcept, node))
        g.add((node, SKOS.topConceptOf, scheme))
    for n in m.outcomes:
        outcome = URIRef(uris.framework_outcome(e.slug, n))
        g.add((node, SKOS.broader, outcome))
        g.add((outcome, SKOS.narrower, node))
        g.add((node, LACAT.measuresOutcome, outcome))
    if m.type != UNKNOWN:
        g.add((node, LACAT.frameworkMetricType, concept("metric-type", m.type)))
    g.add((node, LACAT.availability, concept("framework-metric-availability", m.availability)))
    if m.source_organisation != UNKNOWN:
        g.add((node, LACAT.dataSourceOrganisation, _organisation(g, uris, e, m.source_organisation)))
    for esd in m.esd_metric_types:
        g.add((node, SKOS.exactMatch, ESD_METRIC_TYPE[str(esd)]))
    g.add((node, DCTERMS.source, _source_node(g, e, m.source)))
    if m.note:
        g.add((node, SKOS.scopeNote, Literal(m.note, lang="en")))
    # Only a published metric has a metric dataset in the DCAT catalogue (catalogue/dcat.py).
    for slug in m.catalogue_metrics:
        if slug not in linked:
            continue
        metric = URIRef(uris.metric(slug))
        g.add((node, LACAT.catalogueMetric, metric))
        g.add((metric, LACAT.inFrameworkEdition, node))
        g.add((node, LACAT.figuresIn, URIRef(uris.metric_dataset(slug))))
        g.add((node, LACAT.mappingBasis, Literal(" ".join(str(m.mapping_basis).split()), lang="en")))


def edition_graph(g: Graph, uris: Uris, e: Edition, linked: set[str], sources_dir: Path) -> None:
    """The triples of one edition; `linked` are the catalogue metrics loaded by the metrics step."""
    d = e.data
    series = URIRef(uris.framework(e.framework))
    for t in (DCAT.DatasetSeries, DCAT.Dataset, LACAT.OutcomeFramework):
        g.add((series, RDF.type, t))
    g.add((series, DCTERMS.title, Literal(d["framework_title"], lang="en")))
    g.add((series, RDFS.label, Literal(d["framework_title"], lang="en")))
    g.add((series, DCTERMS.identifier, Literal(e.framework)))
    scheme = URIRef(uris.framework_edition(e.slug))
    g.add((series, DCAT.hasVersion, scheme))
    for t in (SKOS.ConceptScheme, DCAT.Dataset, LACAT.FrameworkEdition):
        g.add((scheme, RDF.type, t))
    g.add((scheme, DCTERMS.title, Literal(d["title"], lang="en")))
    g.add((scheme, SKOS.prefLabel, Literal(d["title"], lang="en")))
    g.add((scheme, RDFS.label, Literal(d["title"], lang="en")))
    g.add((scheme, DCTERMS.identifier, Literal(e.slug)))
    g.add((scheme, DCTERMS.description, Literal(" ".join(d["description"].split()), lang="en")))
    g.add((scheme, DCAT.version, Literal(d["version"])))
    g.add((scheme, DCAT.inSeries, series))
    g.add((scheme, DCTERMS.isVersionOf, series))
    g.add((scheme, DCTERMS.issued, issued_literal(d["issued"])))
    g.add((scheme, LACAT.issuedBasis, Literal(" ".join(d["issued_basis"].split()), lang="en")))
    g.add((scheme, LACAT.editionStatus, concept("framework-edition-status", d["status"])))
    g.add((scheme, LACAT.coverageNote, Literal(" ".join(d["coverage"].split()), lang="en")))
    g.add((scheme, DCTERMS.publisher, _organisation(g, uris, e, d["publisher"])))
    g.add((scheme, DCTERMS.license, add_licence(g, OGL, "Open Government Licence v3.0")))
    if e.previous:
        g.add((scheme, DCAT.previousVersion, URIRef(uris.framework_edition(e.previous))))
    for s in d["sources"]:
        doc = _source_node(g, e, s["id"])
        g.add((scheme, DCTERMS.source, doc))
        if s.get("file"):
            entity = source_file_uri(uris, sources_dir / s["file"])
            g.add((scheme, PROV.wasDerivedFrom, entity))
            g.add((entity, PROV.hadPrimarySource, doc))
    basis = []
    for kind, prop in (("outcomes", LACAT.statedOutcomeCount), ("metrics", LACAT.statedMetricCount)):
        stated = d.get("stated", {}).get(kind)
        if stated:
            g.add((scheme, prop, Literal(stated["value"])))
            basis.append(f"{stated['value']} {kind}: {e.sources[stated['source']]['title']}")
    if basis:
        g.add((scheme, LACAT.countBasis, Literal("; ".join(basis), lang="en")))
    if "in_use" in d:
        g.add((scheme, DCTERMS.temporal, _period(g, e)))
    if "retirement" in d:
        r = d["retirement"]
        g.add((scheme, LACAT.retiredOn, Literal(r["date"], datatype=XSD.date)))
        g.add((scheme, LACAT.retirementReason, Literal(" ".join(r["reason"].split()), lang="en")))
        g.add((scheme, LACAT.retirementSource, _source_node(g, e, r["source"])))
    for o in e.outcomes:
        node = URIRef(uris.framework_outcome(e.slug, o.number))
        for t in (SKOS.Concept, LACAT.FrameworkOutcome):
            g.add((node, RDF.type, t))
        g.add((node, SKOS.inScheme, scheme))
        g.add((node, SKOS.topConceptOf, scheme))
        g.add((scheme, SKOS.hasTopConcept, node))
        g.add((node, SKOS.notation, Literal(str(o.number))))
        g.add((node, SKOS.prefLabel, Literal(o.label, lang="en")))
        g.add((node, RDFS.label, Literal(o.label, lang="en")))
        g.add((node, DCTERMS.identifier, Literal(o.key)))
        g.add((node, LACAT.outcomeKind, concept("outcome-kind", o.kind)))
        if o.ambition:
            g.add((node, LACAT.ambition, Literal(" ".join(o.ambition.split()), lang="en")))
        if o.metrics_statement:
            g.add((node, LACAT.metricsStatement, Literal(" ".join(o.metrics_statement.split()), lang="en")))
        g.add((node, LACAT.metricListComplete, Literal(o.metrics_complete)))
        g.add((node, DCTERMS.source, _source_node(g, e, o.source)))
    for m in e.metrics:
        _metric(g, uris, e, m, scheme, linked)


def _period(g: Graph, e: Edition) -> BNode:
    use = e.data["in_use"]
    node = BNode()
    g.add((node, RDF.type, DCTERMS.PeriodOfTime))
    g.add((node, DCAT.startDate, issued_literal(use["from"])))
    g.add((node, DCAT.endDate, issued_literal(use["until"])))
    g.add((node, RDFS.comment, Literal(" ".join(use["basis"].split()), lang="en")))
    return node


LOADED_METRICS = ("SELECT ?g ?id WHERE { GRAPH ?g { ?m a <https://w3id.org/lacat/def#Metric> ; "
                  "<http://purl.org/dc/terms/identifier> ?id } }")


def frameworks_step(ctx: BuildContext) -> list[GraphOutput]:
    """graph/frameworks: every edition with its outcomes and metrics, linked to the loaded metrics."""
    settings = ctx.settings
    editions = load_frameworks(settings.records_dir, settings.sources_dir)
    rows = ctx.reader().select(LOADED_METRICS, {"g": ox.NamedNode(ctx.graph("metrics"))})
    loaded = {r["id"].value for r in rows}
    known = {r.slug for r in load_metric_records(settings.records_dir)}
    for note in mapping_notes(editions, loaded, known):
        ctx.log(f"      note: {note}")
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dcterms", DCTERMS), ("skos", SKOS), ("lacat", LACAT), ("prov", PROV),
                       ("foaf", FOAF)):
        g.bind(prefix, ns)
    for e in editions:
        edition_graph(g, ctx.uris, e, loaded, settings.sources_dir)
    files = sorted({settings.sources_dir / s["file"] for e in editions for s in e.data["sources"] if s.get("file")})
    # The page texts are described here; the Oflog files already are, by the metrics step.
    own = [f for f in files if f.parent.name == "lof"]
    g += provenance_graph(own, settings.sources_dir, ctx.uris)
    mapped = sum(1 for e in editions for m in e.metrics if set(m.catalogue_metrics) & loaded)
    ctx.log(f"      {len(editions)} framework editions, {sum(len(e.outcomes) for e in editions)} outcomes, "
            f"{sum(len(e.metrics) for e in editions)} metrics ({mapped} with a catalogue metric)")
    records = [e.path for e in editions] + [settings.records_dir / "frameworks" / "framework.schema.json"]
    return [GraphOutput(ctx.graph(GRAPH), g, sources=records + files, label="frameworks")]


def catalogue_entries(uris: Uris, catalogue: URIRef, editions: list[Edition]) -> Graph:
    """DCAT entries of the frameworks and their editions, for graph/catalogue (catalogue/dcat.py)."""
    g = Graph()
    for e in editions:
        d = e.data
        series = URIRef(uris.framework(e.framework))
        g.add((catalogue, DCAT.dataset, series))
        g.add((series, RDF.type, DCAT.DatasetSeries))
        g.add((series, DCTERMS.title, Literal(d["framework_title"], lang="en")))
        g.add((series, DCTERMS.description, Literal(
            f"The editions of the {d['framework_title']}: outcomes and metrics, as far as the bundled sources "
            "show them.", lang="en")))
        scheme = URIRef(uris.framework_edition(e.slug))
        g.add((catalogue, DCAT.dataset, scheme))
        g.add((series, DCAT.hasVersion, scheme))
        g.add((scheme, RDF.type, DCAT.Dataset))
        g.add((scheme, DCTERMS.title, Literal(d["title"], lang="en")))
        g.add((scheme, DCTERMS.description, Literal(" ".join(d["description"].split()), lang="en")))
        g.add((scheme, DCTERMS.publisher, _organisation(g, uris, e, d["publisher"])))
        g.add((scheme, DCTERMS.issued, issued_literal(d["issued"])))
        g.add((scheme, DCAT.version, Literal(d["version"])))
        g.add((scheme, DCAT.inSeries, series))
        g.add((scheme, DCAT.landingPage, add_document(g, uris.id_to_doc(str(scheme)) or str(scheme),
                                                       f"{d['title']} in this catalogue")))
        if e.previous:
            g.add((scheme, DCAT.previousVersion, URIRef(uris.framework_edition(e.previous))))
        for s in d["sources"]:
            g.add((scheme, FOAF.page, add_document(g, s["url"], s["title"])))
    return g
