"""The DCAT 3 catalogue (graph/catalogue): everything the project publishes and draws on.

- source datasets from catalogue/records/datasets/ (publisher, licence, frequency, coverage,
  themes, contact point, landing page, the bundled files as distributions, provenance);
- one metric dataset per published metric record, linked to the metric's qb:DataSet when the
  metrics step has loaded one, with its distributions (data package, CSV, RDF) and the SPARQL
  endpoint (a dcat:DataService) as access service;
- annual editions as dcat:DatasetSeries (the Single Data List's yearly lists, each metric's years);
- the Single Data List catalogue (graph/sdl) as a sub-catalogue.

Links, chosen from DCAT-AP 3 so the official shapes check their ranges:
- source dataset `dcterms:source` SDL collection (the return its data come from), with a
  `dcat:qualifiedRelation` whose comment gives the basis for the link;
- metric dataset `dcterms:source` source dataset, and `prov:wasDerivedFrom` each SDL collection
  whose data the metric's values come from (only the returns that feed the part of the dataset
  the metric selects);
- metric dataset `dcterms:subject` the metric, `dcterms:relation` its qb:DataSet.
The chain department -> collection -> dataset -> metric -> package is sparql/examples/sdl-chain.rq.

The step runs late so it can read the metric graphs through ctx.reader(); the graph must conform
to the DCAT-AP 3.0.1 SHACL shapes (tests/test_dcat_catalogue.py). The resources are made by
`dcat_sources` (source datasets), `dcat_metrics` (metric datasets) and `dcat_terms` (the small
shared resources: media types, themes, periods, organisations).
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS

from catalogue.datasets import DatasetRecord, MetricRef, load_dataset_records, load_metric_records
from catalogue.dcat_metrics import metric_dataset, metric_dataset_uri
from catalogue.dcat_nodes import add_document
from catalogue.dcat_sources import sdl_series, source_dataset
from catalogue.dcat_terms import (
    PROJECT_AGENT,
    PROJECT_NAME,
    SPARQL_PROTOCOL,
    THEME_SCHEME,
    location,
    organisation,
    standard,
)
from catalogue.framework_graph import catalogue_entries as framework_entries
from catalogue.frameworks import load_frameworks
from catalogue.sdl import add_organisation
from catalogue.step import BuildContext, GraphOutput
from core.problems import Problem, SourceError, display_name
from core.uris import DCAT, LACAT, SPDX, VCARD, Uris


def catalogue_graph(uris: Uris, records: list[DatasetRecord], metrics: list[MetricRef], sources_dir: Path,
                    qb_datasets: dict[str, str | None]) -> Graph:
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("vcard", VCARD), ("lacat", LACAT),
                       ("prov", PROV), ("skos", SKOS), ("spdx", SPDX)):
        g.bind(prefix, ns)
    cat = URIRef(uris.catalogue())
    project = add_organisation(g, uris, PROJECT_AGENT, PROJECT_NAME, homepage=uris.base)
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal(PROJECT_NAME, lang="en")))
    g.add((cat, RDFS.label, Literal(PROJECT_NAME, lang="en")))
    g.add((cat, DCTERMS.description, Literal(
        "Open linked data on the performance of English local government: the source datasets the catalogue "
        "draws on, with the Single Data List returns they come from, and the metric datasets it publishes "
        "as data packages, CSV, RDF and through a SPARQL endpoint.", lang="en")))
    g.add((cat, DCTERMS.publisher, project))
    g.add((cat, FOAF.homepage, add_document(g, uris.base, PROJECT_NAME)))
    g.add((cat, DCTERMS.spatial, location(g, "E92000001")))
    g.add((cat, DCAT.themeTaxonomy, THEME_SCHEME))
    g.add((THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((THEME_SCHEME, DCTERMS.title, Literal("Data theme (EU Publications Office)", lang="en")))
    # DCAT 3 axiom, stated so that a validator without the DCAT ontology sees a series as a dataset.
    g.add((DCAT.DatasetSeries, RDFS.subClassOf, DCAT.Dataset))
    sdl_cat = URIRef(uris.sdl_catalogue())
    g.add((cat, DCAT.catalog, sdl_cat))
    g.add((sdl_cat, RDF.type, DCAT.Catalog))

    service = URIRef(uris.data_service("sparql"))
    g.add((cat, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("SPARQL endpoint of the catalogue", lang="en")))
    g.add((service, RDFS.label, Literal("SPARQL endpoint of the catalogue", lang="en")))
    g.add((service, DCTERMS.description, Literal(
        "SPARQL 1.1 Protocol endpoint over every graph of the catalogue; read-only, with limits on query size, "
        "run time and result size.", lang="en")))
    g.add((service, DCAT.endpointURL, URIRef(uris.sparql_endpoint())))
    g.add((service, DCTERMS.conformsTo, standard(g, SPARQL_PROTOCOL, "SPARQL 1.1 Protocol")))
    g.add((service, DCTERMS.publisher, project))

    by_slug = {r.slug: r for r in records}
    for rec in records:
        ds = source_dataset(g, uris, rec, cat, sources_dir)
        g.add((service, DCAT.servesDataset, ds))
        if rec.slug == "single-data-list":
            sdl_series(g, uris, rec, cat, organisation(g, uris, rec.publisher))
            g.add((ds, FOAF.page, add_document(g, uris.site_page("sdl"), "The Single Data List in this catalogue")))
    for m in metrics:
        if m.published or m.ended:
            metric_dataset(g, uris, m, by_slug, cat, service, project, qb_datasets.get(m.slug))
    return g


def check_links(records: list[DatasetRecord], metrics: list[MetricRef], sdl_refs: set[str]) -> list[Problem]:
    """Every SDL reference a record names must be a real collection of the loaded list."""
    problems = []
    for rec in records:
        for i, link in enumerate(rec.sdl, 1):
            if link.ref not in sdl_refs:
                problems.append(Problem(display_name(rec.path), f"SDL reference {link.ref} is not on the loaded "
                                        "Single Data List", None, f"sdl[{i}].ref", "sdl-ref-known"))
    return problems


def dcat_step(ctx: BuildContext) -> list[GraphOutput]:
    settings = ctx.settings
    records = load_dataset_records(settings.records_dir, settings.sources_dir)
    metrics = load_metric_records(settings.records_dir)
    reader = ctx.reader()
    rows = reader.select(
        "SELECT ?g ?ref WHERE { GRAPH ?g { ?c a <https://w3id.org/lacat/def#SdlCollection> ; "
        "<http://purl.org/dc/terms/identifier> ?ref } }",
        {"g": ox.NamedNode(ctx.graph("sdl"))},
    )
    problems = check_links(records, metrics, {r["ref"].value for r in rows})
    if problems:
        raise SourceError(problems)
    known = {r.slug for r in records}
    for m in metrics:
        missing = [s.dataset for s in m.sources if s.dataset not in known]
        if missing:
            ctx.log(f"      note: metric {m.slug} names unknown source dataset(s) {', '.join(missing)}")
    qb = {m.slug: metric_dataset_uri(reader, ctx.uris.metric(m.slug)) for m in metrics if m.published or m.ended}
    g = catalogue_graph(ctx.uris, records, metrics, settings.sources_dir, qb)
    g += framework_entries(ctx.uris, URIRef(ctx.uris.catalogue()), load_frameworks(settings.records_dir))
    sources = [r.path for r in records] + [m.path for m in metrics]
    ctx.log(f"      {len(records)} source datasets, {sum(m.published for m in metrics)} metric datasets, "
            f"{sum(m.ended for m in metrics)} ended")
    return [GraphOutput(ctx.graph("catalogue"), g, sources=sources, label="DCAT catalogue")]
