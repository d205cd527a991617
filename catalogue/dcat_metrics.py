"""Metric datasets in the DCAT catalogue: one per published (or ended) metric, with its
distributions, the SPARQL access service and its annual editions."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from catalogue.datasets import LICENCES, DatasetRecord, MetricRef
from catalogue.dcat_nodes import add_dataset, add_licence
from catalogue.dcat_terms import (
    FRICTIONLESS_PACKAGE,
    frequency,
    location,
    media_type,
    period_dates,
    period_of_time,
    standard,
    theme,
)
from core.store import EmbeddedStore
from core.uris import DCAT, LACAT, Uris

# Distributions of each metric dataset, served under /downloads/ by the data-package builder.
METRIC_DISTRIBUTIONS = [
    ("datapackage", "Frictionless data package", "zip", "application/zip", FRICTIONLESS_PACKAGE),
    ("csv", "CSV", "csv", "text/csv", None),
    ("ttl", "RDF (Turtle)", "ttl", "text/turtle", None),
]



def metric_dataset_uri(store: EmbeddedStore, metric_uri: str) -> str | None:
    """The qb:DataSet the metrics step loaded for a metric, found by any link to the metric."""
    rows = store.select(
        "SELECT DISTINCT ?metric ?ds WHERE { ?ds a <http://purl.org/linked-data/cube#DataSet> . "
        "{ ?ds ?p ?metric } UNION { ?metric ?q ?ds } UNION "
        "{ ?ds <http://purl.org/linked-data/cube#structure>/<http://purl.org/linked-data/cube#component>/"
        "<http://purl.org/linked-data/cube#measure> ?metric } } ORDER BY ?ds LIMIT 1",
        {"metric": ox.NamedNode(metric_uri)},
    )
    return rows[0]["ds"].value if rows else None


def metric_dataset(g: Graph, uris: Uris, m: MetricRef, records: dict[str, DatasetRecord], catalogue: URIRef,
                   service: URIRef, project: URIRef, qb_dataset: str | None) -> URIRef:
    ds = URIRef(uris.metric_dataset(m.slug))
    metric = URIRef(uris.metric(m.slug))
    g.add((service, DCAT.servesDataset, ds))
    desc = m.description or f"Values of the metric '{m.title}'."
    if m.ended:
        desc += (f" {'Superseded' if m.replaced_by else 'Retired'}"
                 f"{' on ' + m.retired_on if m.retired_on else ''}: no new figures are published; past figures stay.")
    add_dataset(g, catalogue, ds, m.title, desc + " Published by this catalogue with caveats on the metric's page.",
                (DCAT.Dataset, LACAT.MetricDataset), identifier="metric-" + m.slug)
    g.add((ds, DCTERMS.publisher, project))
    g.add((ds, DCTERMS.subject, metric))
    if m.ended:
        # Ended, not deleted: the date it ended and what replaces it; the past figures stay queryable.
        if m.retired_on:
            g.add((ds, LACAT.retiredOn, Literal(m.retired_on, datatype=XSD.date)))
        if m.replaced_by:
            g.add((ds, DCTERMS.isReplacedBy, URIRef(uris.metric_dataset(m.replaced_by))))
    if qb_dataset:
        g.add((ds, DCTERMS.relation, URIRef(qb_dataset)))
    if m.service_area:
        g.add((ds, LACAT.serviceAreaCode, Literal(m.service_area)))
    licences: set[str] = set()
    for src in m.sources:
        rec = records.get(src.dataset)
        if rec is None:
            continue
        sds = URIRef(uris.dataset(rec.slug))
        g.add((ds, DCTERMS.source, sds))
        for link in rec.sdl:
            if link.feeds(src.select):
                g.add((ds, PROV.wasDerivedFrom, URIRef(uris.sdl_collection(link.ref))))
        for code in rec.themes:
            g.add((ds, DCAT.theme, theme(g, code)))
        licences.add(rec.licence)
    spans = [d for d in (period_dates(p) for p in m.periods) if d]
    if spans:
        g.add((ds, DCTERMS.temporal, period_of_time(g, min(s for s, _ in spans), max(e for _, e in spans))))
    g.add((ds, DCTERMS.spatial, location(g, "E92000001")))
    licence = None
    if len(licences) == 1 and LICENCES[next(iter(licences))][0]:
        code = next(iter(licences))
        licence = add_licence(g, LICENCES[code][0], LICENCES[code][1])
        g.add((ds, DCTERMS.license, licence))
    # Data packages are made for published metrics only; an ended metric keeps the SPARQL distribution.
    for key, label, suffix, mt, conforms in METRIC_DISTRIBUTIONS if m.published else []:
        dist = URIRef(uris.distribution("metric-" + m.slug, key))
        # The paths web/downloads.py serves (docs/data-packages.md).
        url = URIRef(uris.metric_download(m.slug, suffix))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{m.title} ({label})", lang="en")))
        g.add((dist, RDFS.label, Literal(f"{m.title} ({label})", lang="en")))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, media_type(g, mt)))
        if conforms:
            g.add((dist, DCTERMS.conformsTo, standard(g, conforms, "Frictionless Data Package")))
        if licence is not None:
            g.add((dist, DCTERMS.license, licence))
    sparql = URIRef(uris.distribution("metric-" + m.slug, "sparql"))
    g.add((ds, DCAT.distribution, sparql))
    g.add((sparql, RDF.type, DCAT.Distribution))
    g.add((sparql, DCTERMS.title, Literal(f"{m.title} (SPARQL endpoint)", lang="en")))
    g.add((sparql, RDFS.label, Literal(f"{m.title} (SPARQL endpoint)", lang="en")))
    g.add((sparql, DCAT.accessURL, URIRef(uris.sparql_endpoint())))
    g.add((sparql, DCAT.accessService, service))
    if licence is not None:
        g.add((sparql, DCTERMS.license, licence))
    # Annual editions: one dataset per period the metric record lists, in a series.
    if m.periods:
        series = add_dataset(g, catalogue, URIRef(uris.dataset_series("metric-" + m.slug)),
                             f"{m.title}: annual editions",
                             f"One dataset per period for which the catalogue publishes '{m.title}'.",
                             (DCAT.DatasetSeries,))
        g.add((series, DCTERMS.publisher, project))
        g.add((series, DCTERMS.accrualPeriodicity, frequency(g, "ANNUAL")))
        for p in m.periods:
            span = period_dates(p)
            # Listed by the catalogue itself: harvesters (ckanext-dcat, data.gov.uk) follow
            # dcat:dataset from the catalogue and never discover a dataset only a series points at.
            ed = add_dataset(g, catalogue, URIRef(uris.metric_edition(m.slug, p)), f"{m.title}, {p}",
                             f"Values of '{m.title}' for {p}.")
            g.add((ed, DCTERMS.publisher, project))
            g.add((ed, DCAT.inSeries, series))
            g.add((ed, DCTERMS.isPartOf, ds))
            g.add((ed, DCAT.version, Literal(p)))
            if span:
                g.add((ed, DCTERMS.temporal, period_of_time(g, *span)))
    return ds

