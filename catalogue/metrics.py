"""Metric records -> RDF (graph/metrics), and their source files -> RDF Data Cube observations
(graph/dataset/{source slug}).

A metric record (catalogue/records/metrics/{slug}.yaml) is validated against the JSON Schema
catalogue/records/metric.schema.json; errors name the file, the line and the field. Each record
names the source file, adapter and selector its figures come from; every source file is
validated with its Frictionless Table Schema and the named checks of ingest.adapters.base before
anything of it is converted, so a broken file loads nothing.

Modelling (docs/decisions/0004-missing-values-in-the-cube.md): one qb:DataSet and one
qb:DataStructureDefinition per metric; observations keyed by authority (refArea) and period
(refPeriod) with the metric as measure and the unit as attribute. An authority-period the source
lists without a value is a lacat:MissingObservation with status and reason, outside the cube,
because the Data Cube integrity constraint IC-14 requires every observation to carry its measure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from catalogue.lifecycle.public import public_metrics
from catalogue.metric_records import SCHEMA_FILE, MetricRecord, source_files
from catalogue.similar import method_for_metric
from catalogue.step import BuildContext, GraphOutput
from catalogue.triples import TripleBuffer
from core.uris import (
    DCAT,
    LACAT,
    OGL,
    QB,
    SDMX_ATTR,
    SDMX_DIM,
    Uris,
    concept,
    concept_scheme,
    period_uri,
    source_file_uri,
    unit_uri,
)
from core.yaml_text import load_yaml
from ingest.adapters.base import excluded_summary
from ingest.geography.rdf import authority_type_concept
from ingest.observations import ENGLAND_GSS, period_sort_key

ORIGIN_FILES = ("oflog/origins.yaml", "metrics/origins.yaml", "skills/origins.yaml", "finance/origins.yaml",
                "lof/origins.yaml", "roads/origins.yaml", "homelessness/origins.yaml", "housing/origins.yaml",
                "planning/origins.yaml")


# --- Origins of the source files ----------------------------------------------------------------


def load_origins(sources_dir: Path) -> dict[str, dict[str, Any]]:
    origins: dict[str, dict[str, Any]] = {}
    for rel in ORIGIN_FILES:
        path = sources_dir / rel
        if path.is_file():
            origins.update(load_yaml(path.read_text(encoding="utf-8")) or {})
    return origins


# --- Definitions as RDF --------------------------------------------------------------------------


def _periods(record: MetricRecord) -> list[str]:
    return sorted(record.data["periods"], key=period_sort_key)


def definitions_graph(records: list[MetricRecord], uris: Uris, counts: dict[str, tuple[int, int]],
                      methods: dict[str, str]) -> Graph:
    """graph/metrics: metric concepts, their cubes and data structure definitions."""
    g = Graph()
    for prefix, ns in (("qb", QB), ("lacat", LACAT), ("sdmx-dimension", SDMX_DIM), ("sdmx-attribute", SDMX_ATTR)):
        g.bind(prefix, ns)
    # The SDMX components the cubes use, declared so the integrity constraints (IC-4: every
    # dimension has a range) hold without fetching the SDMX vocabularies; ranges as SDMX states them.
    for dim, label in ((SDMX_DIM.refArea, "Reference area"), (SDMX_DIM.refPeriod, "Reference period")):
        g.add((dim, RDF.type, QB.DimensionProperty))
        g.add((dim, RDF.type, RDF.Property))
        g.add((dim, RDFS.range, RDFS.Resource))
        g.add((dim, RDFS.label, Literal(label, lang="en")))
    g.add((SDMX_ATTR.unitMeasure, RDF.type, QB.AttributeProperty))
    g.add((SDMX_ATTR.unitMeasure, RDFS.label, Literal("Unit of measure", lang="en")))
    g.add((SDMX_ATTR.decimals, RDF.type, QB.AttributeProperty))
    g.add((SDMX_ATTR.decimals, RDFS.label, Literal("Decimals", lang="en")))
    scheme = concept_scheme("metric")
    for record in records:
        d = record.data
        m = URIRef(uris.metric(record.slug))
        for t in (LACAT.Metric, QB.MeasureProperty, SKOS.Concept):
            g.add((m, RDF.type, t))
        g.add((m, SKOS.inScheme, scheme))
        g.add((m, RDFS.label, Literal(d["label"], lang="en")))
        g.add((m, SKOS.prefLabel, Literal(d["label"], lang="en")))
        if d.get("short_label"):
            g.add((m, SKOS.altLabel, Literal(d["short_label"], lang="en")))
        if d.get("code"):
            g.add((m, SKOS.notation, Literal(d["code"])))
        g.add((m, DCTERMS.identifier, Literal(record.slug)))
        g.add((m, SKOS.definition, Literal(d["definition"].strip(), lang="en")))
        g.add((m, RDFS.range, XSD.decimal))
        g.add((m, LACAT.unit, unit_uri(d["unit"])))
        # The precision the source publishes: what every page, chart and spreadsheet rounds to.
        g.add((m, SDMX_ATTR.decimals, Literal(int(d["decimal_places"]))))
        g.add((m, LACAT.polarity, concept("polarity", d["polarity"])))
        if d["polarity"] != "neither":
            g.add((m, LACAT.higherIsBetter, Literal(d["polarity"] == "higher")))
        if d.get("polarity_basis"):
            g.add((m, LACAT.polarityBasis, Literal(d["polarity_basis"], lang="en")))
        g.add((m, LACAT.serviceArea, concept("service-area", d["service_area"])))
        g.add((m, LACAT.metricType, concept("metric-type", d["metric_type"])))
        g.add((m, LACAT.methodology, Literal(d["methodology"].strip(), lang="en")))
        for caveat in d["caveats"]:
            g.add((m, LACAT.caveat, Literal(caveat, lang="en")))
        for tier in d["tiers"]:
            g.add((m, LACAT.appliesToAuthorityType, authority_type_concept(tier)))
        for group in d["comparison_groups"]:
            g.add((m, LACAT.comparisonGroup, concept("comparison-group", group)))
        if record.slug in methods:
            g.add((m, LACAT.similarityMethod, URIRef(methods[record.slug])))
        for src in d["sources"]:
            g.add((m, PROV.wasDerivedFrom, URIRef(uris.dataset(src["dataset"]))))
        periods = _periods(record)
        for p in periods:
            pu = URIRef(period_uri(p))
            g.add((m, LACAT.periodCovered, pu))
            g.add((pu, LACAT.periodKey, Literal(p)))
        g.add((m, LACAT.latestPeriod, URIRef(period_uri(periods[-1]))))
        g.add((m, LACAT.latestPeriodKey, Literal(periods[-1])))
        for other in d.get("related", []):
            g.add((m, SKOS.related, URIRef(uris.metric(other))))
        # Lifecycle fields, ready for the maintenance workflow.
        g.add((m, LACAT.lifecycleStatus, concept("metric-lifecycle", d["status"])))
        g.add((m, DCAT.version, Literal(str(d["version"]))))
        if d.get("publication_basis"):
            g.add((m, LACAT.publicationBasis, Literal(d["publication_basis"], lang="en")))
        for change in d["changes"]:
            g.add((m, SKOS.changeNote, Literal(f"Version {change['version']} ({change['date']}): {change['note']}",
                                               lang="en")))
        g.add((m, DCTERMS.modified, Literal(max(c["date"] for c in d["changes"]), datatype=XSD.date)))
        with_value, missing = counts.get(record.slug, (0, 0))
        g.add((m, LACAT.observationCount, Literal(with_value)))
        g.add((m, LACAT.missingCount, Literal(missing)))
        _cube(g, record, uris)
    return g


def _cube(g: Graph, record: MetricRecord, uris: Uris) -> None:
    slug = record.slug
    m = URIRef(uris.metric(slug))
    ds = URIRef(uris.metric_cube(slug))
    dsd = URIRef(uris.metric_structure(slug))
    g.add((m, LACAT.cube, ds))
    g.add((ds, RDF.type, QB.DataSet))
    g.add((ds, RDFS.label, Literal(f"{record.data['label']}: observations", lang="en")))
    g.add((ds, QB.structure, dsd))
    g.add((ds, LACAT.metric, m))
    g.add((ds, DCTERMS.license, URIRef(OGL)))
    for src in record.data["sources"]:
        g.add((ds, PROV.wasDerivedFrom, URIRef(uris.dataset(src["dataset"]))))
    g.add((dsd, RDF.type, QB.DataStructureDefinition))
    g.add((dsd, RDFS.label, Literal(f"Structure of {record.data['label']}", lang="en")))
    components = [
        ("area", QB.dimension, SDMX_DIM.refArea, 1, None),
        ("period", QB.dimension, SDMX_DIM.refPeriod, 2, None),
        ("measure", QB.measure, m, None, None),
        ("unit", QB.attribute, SDMX_ATTR.unitMeasure, None, True),
        ("status", QB.attribute, LACAT.observationStatus, None, False),
        ("reason", QB.attribute, LACAT.statusReason, None, False),
    ]
    if record.data.get("confidence_interval"):
        components += [("lower-95", QB.attribute, LACAT.lowerBound95, None, False),
                       ("upper-95", QB.attribute, LACAT.upperBound95, None, False)]
    for name, kind, prop, order, required in components:
        spec = URIRef(uris.metric_component(slug, name))
        g.add((dsd, QB.component, spec))
        g.add((spec, RDF.type, QB.ComponentSpecification))
        g.add((spec, kind, prop))
        # Stated as well as the shorthand, so the data is already in the normal form of §10.
        g.add((spec, QB.componentProperty, prop))
        if order is not None:
            g.add((spec, QB.order, Literal(order)))
        if required is not None:
            g.add((spec, QB.componentRequired, Literal(required)))


# --- Observations --------------------------------------------------------------------------------


def observations_graph(frame: pd.DataFrame, records: dict[str, MetricRecord], uris: Uris,
                       g: Graph | TripleBuffer | None = None) -> Graph | TripleBuffer:
    """The loaded rows of a tidy frame as observations (added to `g` if given)."""
    g = TripleBuffer() if g is None else g
    loaded = frame[frame["excluded"].isna()]
    status_missing = concept("observation-status", "missing")
    # Terms repeat across thousands of rows: mint each once.
    terms: dict[tuple[str, str], URIRef] = {}

    def term(kind: str, key: str) -> URIRef:
        found = terms.get((kind, key))
        if found is None:
            if kind == "metric":
                found = URIRef(uris.metric(key))
            elif kind == "cube":
                found = URIRef(uris.metric_cube(key))
            elif kind == "unit":
                found = unit_uri(records[key].data["unit"])
            elif kind == "england":
                found = URIRef(uris.area(ENGLAND_GSS))
            elif kind == "authority":
                found = URIRef(uris.authority(key))
            else:
                found = URIRef(period_uri(key))
            terms[(kind, key)] = found
        return found

    add = g.add
    for row in loaded.itertuples(index=False):
        slug = row.metric
        m = term("metric", slug)
        area = term("england", "") if row.area_kind == "england" else term("authority", row.area)
        obs = URIRef(uris.observation(slug, row.area, row.period))
        cube = term("cube", slug)
        add((obs, SDMX_DIM.refArea, area))
        add((obs, SDMX_DIM.refPeriod, term("period", row.period)))
        add((obs, SDMX_ATTR.unitMeasure, term("unit", slug)))
        add((obs, LACAT.sourceRow, Literal(int(row.row))))
        if row.status == "missing":
            add((obs, RDF.type, LACAT.MissingObservation))
            add((obs, LACAT.inCube, cube))
            add((obs, LACAT.metric, m))
            add((obs, LACAT.observationStatus, status_missing))
            add((obs, LACAT.statusReason, Literal(row.reason, lang="en")))
            continue
        add((obs, RDF.type, QB.Observation))
        add((obs, QB.dataSet, cube))
        add((obs, m, Literal(row.value, datatype=XSD.decimal)))
        if isinstance(row.status, str):
            add((obs, LACAT.observationStatus, concept("observation-status", row.status)))
            # A flagged figure says why (e.g. which of the source's notes marks a method change).
            if isinstance(row.reason, str) and row.reason:
                add((obs, LACAT.statusReason, Literal(row.reason, lang="en")))
        if isinstance(row.lower, str) and isinstance(row.upper, str):
            add((obs, LACAT.lowerBound95, Literal(row.lower, datatype=XSD.decimal)))
            add((obs, LACAT.upperBound95, Literal(row.upper, datatype=XSD.decimal)))
    return g


def provenance_graph(files: list[Path], sources_dir: Path, uris: Uris) -> Graph:
    """Origin, licence and retrieval date of each source file, on the entity the build records."""
    g = Graph()
    origins = load_origins(sources_dir)
    for path in files:
        rel = path.relative_to(sources_dir).as_posix()
        info = origins.get(rel)
        entity = source_file_uri(uris, path)
        g.add((entity, RDF.type, PROV.Entity))
        if not info:
            continue
        g.add((entity, PROV.hadPrimarySource, URIRef(info["origin"])))
        if info.get("commit"):  # page text has no commit: only files from a repository do
            g.add((entity, LACAT.originCommit, Literal(info["commit"])))
        g.add((entity, LACAT.retrieved, Literal(info["retrieved"], datatype=XSD.date)))
        g.add((entity, DCTERMS.rights, Literal(info["licence"], lang="en")))
        if info.get("licence_uri"):
            g.add((entity, DCTERMS.license, URIRef(info["licence_uri"])))
        if info.get("derived_from"):
            g.add((entity, PROV.wasDerivedFrom, source_file_uri(uris, sources_dir / info["derived_from"])))
        if info.get("note"):
            g.add((entity, RDFS.comment, Literal(info["note"], lang="en")))
    return g


def metrics_step(ctx: BuildContext) -> list[GraphOutput]:
    """graph/metrics (definitions, cubes, structures) and graph/dataset/{slug} (observations)."""
    settings = ctx.settings
    # Only metrics that have been published reach the public catalogue (catalogue/lifecycle/):
    # drafts, proposals and approved metrics are validated (ctx.metric_sources) but load nothing.
    loaded = public_metrics(ctx.metric_sources)
    by_slug = {r.slug: r for r in loaded.records}
    outputs: list[GraphOutput] = []
    counts: dict[str, tuple[int, int]] = {}
    files: list[Path] = []
    datasets: dict[str, list[str]] = {}
    for sf in source_files(loaded.records):
        datasets.setdefault(sf.dataset, []).append(sf.rel)
    for dataset, rels in datasets.items():
        g = TripleBuffer()
        paths = []
        for rel in rels:
            frame = loaded.frames[rel]
            path = settings.sources_dir / rel
            paths.append(path)
            observations_graph(frame, by_slug, ctx.uris, g)
            kept = frame[frame["excluded"].isna()]
            for slug, part in kept.groupby("metric"):
                n_missing = int((part["status"] == "missing").sum())
                # A metric may draw on several files (one per year): add up over them.
                before = counts.get(slug, (0, 0))
                counts[slug] = (before[0] + len(part) - n_missing, before[1] + n_missing)
                ctx.log(f"      {slug}: {len(part) - n_missing:,} observations, {n_missing} missing")
            for reason, n in excluded_summary(frame):
                ctx.log(f"      {rel}: {n:,} row(s) not loaded: {reason}")
        files.extend(paths)
        outputs.append(GraphOutput(ctx.graph("dataset", dataset), g, sources=paths, label=f"observations {dataset}",
                                   shacl=False))
    # Descriptor files are part of what was validated; the JSON metadata of ELS indicators and
    # Oflog's waste JSON are where the records' wording comes from.
    extras = sorted({p for p in (settings.sources_dir / d for d in ("oflog", "metrics/ons_els", "skills"))
                     for p in p.glob("*.json")} | set((settings.sources_dir / "metrics/els").glob("*/*.json")))
    methods = {r.slug: method_for_metric(ctx.uris, r) for r in loaded.records}
    defs = definitions_graph(loaded.records, ctx.uris, counts, methods)
    defs += provenance_graph(files + extras, settings.sources_dir, ctx.uris)
    # Each cube names the files its observations were read from (as well as the source datasets),
    # so an observation traces to its file by qb:dataSet / prov:wasDerivedFrom.
    for record in loaded.records:
        for src in record.data["sources"]:
            defs.add((URIRef(ctx.uris.metric_cube(record.slug)), PROV.wasDerivedFrom,
                      source_file_uri(ctx.uris, settings.sources_dir / src["file"])))
    record_files = [r.path for r in loaded.records] + [settings.records_dir / SCHEMA_FILE]
    outputs.insert(0, GraphOutput(ctx.graph("metrics"), defs, sources=record_files + extras, label="metrics"))
    return outputs
