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
to the DCAT-AP 3.0.1 SHACL shapes (tests/test_dcat_catalogue.py).
"""

from __future__ import annotations

from datetime import date

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from catalogue.datasets import (
    AREAS,
    EU_FREQUENCY,
    EU_THEME,
    FREQUENCIES,
    LICENCES,
    THEMES,
    DatasetRecord,
    MetricRef,
    load_dataset_records,
    load_metric_records,
)
from catalogue.framework_graph import catalogue_entries as framework_entries
from catalogue.frameworks import load_frameworks
from catalogue.sdl import add_document, add_licence, add_organisation, org_slug
from catalogue.step import BuildContext, GraphOutput, sha256_file
from core import periods
from core.problems import Problem, SourceError, display_name
from core.store import EmbeddedStore
from core.uris import LACAT, LACAT_CONCEPT, Uris

# DCAT 3 terms (rdflib's closed DCAT namespace predates dcat:DatasetSeries, dcat:inSeries, ...).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "http://www.iana.org/assignments/media-types/"
STATGEO = "http://statistics.data.gov.uk/id/statistical-geography/"
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

# Distributions of each metric dataset, served under /downloads/ by the data-package builder.
METRIC_DISTRIBUTIONS = [
    ("datapackage", "Frictionless data package", "zip", "application/zip", FRICTIONLESS_PACKAGE),
    ("csv", "CSV", "csv", "text/csv", None),
    ("ttl", "RDF (Turtle)", "ttl", "text/turtle", None),
]


def media_type(g: Graph, mt: str) -> URIRef:
    node = URIRef(IANA + mt)
    g.add((node, RDF.type, DCTERMS.MediaType))
    g.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((node, RDFS.label, Literal(mt)))
    return node


def standard(g: Graph, uri: str, label: str) -> URIRef:
    node = URIRef(uri)
    g.add((node, RDF.type, DCTERMS.Standard))
    g.add((node, RDFS.label, Literal(label, lang="en")))
    return node


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
    node = URIRef(STATGEO + code)
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


def organisation(g: Graph, uris: Uris, org) -> URIRef:
    # An organisation that also collects returns on the list shares the SDL department's URI.
    oid = org_slug(org.sdl_code) if org.sdl_code else org.id
    node = add_organisation(g, uris, oid, org.name, code=org.sdl_code, homepage=org.homepage)
    return node


def source_dataset(g: Graph, uris: Uris, rec: DatasetRecord, catalogue: URIRef, sources_dir) -> URIRef:
    ds = URIRef(uris.dataset(rec.slug))
    g.add((catalogue, DCAT.dataset, ds))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, RDF.type, LACAT.SourceDataset))
    g.add((ds, DCTERMS.identifier, Literal(rec.slug)))
    g.add((ds, DCTERMS.title, Literal(rec.title, lang="en")))
    g.add((ds, RDFS.label, Literal(rec.title, lang="en")))
    g.add((ds, DCTERMS.description, Literal(rec.description, lang="en")))
    g.add((ds, DCTERMS.publisher, organisation(g, uris, rec.publisher)))
    if rec.creator:
        g.add((ds, DCTERMS.creator, organisation(g, uris, rec.creator)))
    licence = add_licence(g, rec.licence_uri, rec.licence_label) if rec.licence_uri else None
    rights = None
    if licence is not None:
        g.add((ds, DCTERMS.license, licence))
    if rec.licence_note or licence is None:
        rights = BNode()
        g.add((rights, RDF.type, DCTERMS.RightsStatement))
        g.add((rights, RDFS.label, Literal(rec.licence_note or rec.licence_label, lang="en")))
        g.add((ds, DCTERMS.rights, rights))
    g.add((ds, DCTERMS.accrualPeriodicity, frequency(g, rec.frequency)))
    if rec.frequency_note:
        g.add((ds, LACAT.frequencyNote, Literal(rec.frequency_note, lang="en")))
    if rec.temporal:
        g.add((ds, DCTERMS.temporal, period_of_time(g, *rec.temporal)))
    if rec.temporal_note:
        g.add((ds, LACAT.temporalNote, Literal(rec.temporal_note, lang="en")))
    for code in rec.spatial:
        g.add((ds, DCTERMS.spatial, location(g, code)))
    for code in rec.themes:
        g.add((ds, DCAT.theme, theme(g, code)))
    for kw in rec.keywords:
        g.add((ds, DCAT.keyword, Literal(kw, lang="en")))
    g.add((ds, DCAT.contactPoint, contact(g, rec.contact_name, rec.contact_url)))
    g.add((ds, DCAT.landingPage, add_document(g, rec.landing_page)))
    origin = rec.origin
    prov_text = f"Copied unchanged from the public repository {origin['repository']} at commit {origin['commit']}"
    if origin.get("path"):
        prov_text += f", {origin['path']}"
    prov_text += "."
    if origin.get("note"):
        prov_text += " " + origin["note"]
    statement = BNode()
    g.add((statement, RDF.type, DCTERMS.ProvenanceStatement))
    g.add((statement, RDFS.label, Literal(prov_text, lang="en")))
    g.add((ds, DCTERMS.provenance, statement))
    g.add((ds, LACAT.originRepository, URIRef(f"https://github.com/{origin['repository']}")))
    g.add((ds, LACAT.originCommit, Literal(origin["commit"])))
    for link in rec.sdl:
        coll = URIRef(uris.sdl_collection(link.ref))
        g.add((ds, DCTERMS.source, coll))
        rel = BNode()
        g.add((rel, RDF.type, DCAT.Relationship))
        g.add((rel, DCTERMS.relation, coll))
        g.add((rel, DCAT.hadRole, source_role(g)))
        g.add((rel, RDFS.comment, Literal(link.basis, lang="en")))
        for part in link.applies_to:
            g.add((rel, LACAT.appliesTo, Literal(part)))
        g.add((ds, DCAT.qualifiedRelation, rel))
    if rec.sdl_note:
        g.add((ds, LACAT.sdlNote, Literal(rec.sdl_note, lang="en")))
    for f in rec.files:
        path = sources_dir / f
        dist = URIRef(uris.distribution(rec.slug, path.name))
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(path.name)))
        g.add((dist, RDFS.label, Literal(path.name)))
        g.add((dist, DCTERMS.description, Literal(f"Bundled copy: ingest/sources/{f}", lang="en")))
        g.add((dist, LACAT.bundledPath, Literal(f"ingest/sources/{f}")))
        # The bundled copy is not served by the site: the landing page is where it can be had.
        g.add((dist, DCAT.accessURL, URIRef(rec.landing_page)))
        if path.suffix in MEDIA_TYPES:
            g.add((dist, DCAT.mediaType, media_type(g, MEDIA_TYPES[path.suffix])))
        g.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, sha256_algorithm(g)))
        g.add((checksum, SPDX.checksumValue, Literal(sha256_file(path), datatype=XSD.hexBinary)))
        g.add((dist, SPDX.checksum, checksum))
        if licence is not None:
            g.add((dist, DCTERMS.license, licence))
        if rights is not None:
            g.add((dist, DCTERMS.rights, rights))
    return ds


def sha256_algorithm(g: Graph) -> URIRef:
    node = SPDX.checksumAlgorithm_sha256
    g.add((node, RDF.type, SPDX.ChecksumAlgorithm))
    return node


def source_role(g: Graph) -> URIRef:
    node = URIRef(str(LACAT_CONCEPT) + "dataset-role/source-return")
    g.add((node, RDF.type, DCAT.Role))
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.prefLabel, Literal("Data return the dataset's figures come from", lang="en")))
    return node


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
    g.add((catalogue, DCAT.dataset, ds))
    g.add((service, DCAT.servesDataset, ds))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, RDF.type, LACAT.MetricDataset))
    g.add((ds, DCTERMS.identifier, Literal("metric-" + m.slug)))
    title = m.title
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add((ds, RDFS.label, Literal(title, lang="en")))
    desc = m.description or f"Values of the metric '{m.title}'."
    if m.ended:
        desc += (f" {'Superseded' if m.replaced_by else 'Retired'}"
                 f"{' on ' + m.retired_on if m.retired_on else ''}: no new figures are published; past figures stay.")
    g.add((ds, DCTERMS.description, Literal(desc + " Published by this catalogue with caveats on the metric's page.",
                                            lang="en")))
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
    base = uris.base
    # Data packages are made for published metrics only; an ended metric keeps the SPARQL distribution.
    for key, label, suffix, mt, conforms in METRIC_DISTRIBUTIONS if m.published else []:
        dist = URIRef(uris.distribution("metric-" + m.slug, key))
        # The paths web/downloads.py serves (docs/data-packages.md).
        url = URIRef(f"{base}downloads/metric/{m.slug}.{suffix}")
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
    g.add((sparql, DCAT.accessURL, URIRef(base + "sparql")))
    g.add((sparql, DCAT.accessService, service))
    if licence is not None:
        g.add((sparql, DCTERMS.license, licence))
    # Annual editions: one dataset per period the metric record lists, in a series.
    if m.periods:
        series = URIRef(uris.dataset_series("metric-" + m.slug))
        g.add((catalogue, DCAT.dataset, series))
        g.add((series, RDF.type, DCAT.DatasetSeries))
        g.add((series, DCTERMS.title, Literal(f"{m.title}: annual editions", lang="en")))
        g.add((series, RDFS.label, Literal(f"{m.title}: annual editions", lang="en")))
        g.add((series, DCTERMS.description, Literal(
            f"One dataset per period for which the catalogue publishes '{m.title}'.", lang="en")))
        g.add((series, DCTERMS.publisher, project))
        g.add((series, DCTERMS.accrualPeriodicity, frequency(g, "ANNUAL")))
        for p in m.periods:
            span = period_dates(p)
            ed = URIRef(str(ds) + "/edition/" + p)
            # Listed by the catalogue itself: harvesters (ckanext-dcat, data.gov.uk) follow
            # dcat:dataset from the catalogue and never discover a dataset only a series points at.
            g.add((catalogue, DCAT.dataset, ed))
            g.add((ed, RDF.type, DCAT.Dataset))
            g.add((ed, DCTERMS.publisher, project))
            g.add((ed, DCTERMS.title, Literal(f"{m.title}, {p}", lang="en")))
            g.add((ed, RDFS.label, Literal(f"{m.title}, {p}", lang="en")))
            g.add((ed, DCTERMS.description, Literal(f"Values of '{m.title}' for {p}.", lang="en")))
            g.add((ed, DCAT.inSeries, series))
            g.add((ed, DCTERMS.isPartOf, ds))
            g.add((ed, DCAT.version, Literal(p)))
            if span:
                g.add((ed, DCTERMS.temporal, period_of_time(g, *span)))
    return ds


def sdl_series(g: Graph, uris: Uris, rec: DatasetRecord, catalogue: URIRef, publisher: URIRef) -> None:
    if not rec.editions:
        return
    series = URIRef(uris.dataset_series(rec.slug))
    g.add((catalogue, DCAT.dataset, series))
    g.add((series, RDF.type, DCAT.DatasetSeries))
    g.add((series, DCTERMS.title, Literal(f"{rec.title}: annual editions", lang="en")))
    g.add((series, RDFS.label, Literal(f"{rec.title}: annual editions", lang="en")))
    g.add((series, DCTERMS.description, Literal(
        "The list is reviewed and republished every year; one dataset per list year with its publication "
        "date, and how much of it this catalogue holds.", lang="en")))
    g.add((series, DCTERMS.publisher, publisher))
    g.add((series, DCTERMS.accrualPeriodicity, frequency(g, "ANNUAL")))
    ds = URIRef(uris.dataset(rec.slug))
    for ed in rec.editions:
        node = URIRef(uris.dataset(rec.slug) + "/edition/" + ed.year)
        g.add((catalogue, DCAT.dataset, node))
        g.add((node, RDF.type, DCAT.Dataset))
        title = f"{rec.title}, {ed.year}"
        g.add((node, DCTERMS.title, Literal(title, lang="en")))
        g.add((node, RDFS.label, Literal(title, lang="en")))
        g.add((node, DCTERMS.description, Literal(f"The {ed.year} list. Held here: {ed.held}.", lang="en")))
        g.add((node, DCTERMS.issued, Literal(ed.issued.isoformat(), datatype=XSD.date)))
        g.add((node, DCAT.version, Literal(ed.year)))
        g.add((node, DCAT.inSeries, series))
        g.add((node, DCTERMS.publisher, publisher))
        g.add((node, DCTERMS.isPartOf, ds))
        span = period_dates(ed.year)
        if span:
            g.add((node, DCTERMS.temporal, period_of_time(g, *span)))


def catalogue_graph(uris: Uris, records: list[DatasetRecord], metrics: list[MetricRef], sources_dir,
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
    g.add((service, DCAT.endpointURL, URIRef(uris.base + "sparql")))
    g.add((service, DCTERMS.conformsTo, standard(g, SPARQL_PROTOCOL, "SPARQL 1.1 Protocol")))
    g.add((service, DCTERMS.publisher, project))

    by_slug = {r.slug: r for r in records}
    for rec in records:
        ds = source_dataset(g, uris, rec, cat, sources_dir)
        g.add((service, DCAT.servesDataset, ds))
        if rec.slug == "single-data-list":
            sdl_series(g, uris, rec, cat, organisation(g, uris, rec.publisher))
            g.add((ds, FOAF.page, add_document(g, uris.base + "sdl", "The Single Data List in this catalogue")))
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
                                        "Single Data List", None, f"sdl[{i}].ref"))
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
