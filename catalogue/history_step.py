"""The published versions of the metric definitions as RDF (graph/metric-history): which version
the figures are published under, retirements, and the dataset each source file releases. The
versions themselves are kept by catalogue.lifecycle."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from catalogue.lifecycle.records import PUBLIC_STATUSES, SUMS_FILE, Paths, record_paths
from catalogue.lifecycle.versions import changed_fields, snapshot_problems, snapshots
from catalogue.step import BuildContext, GraphOutput
from core.problems import Problem, SourceError
from core.uris import DCAT, LACAT, Uris, concept, source_file_uri, unit_uri
from core.yaml_text import load_yaml

# Snapshot problems that stop a build: a published version was altered or lost. An edit not yet
# published is left to 'lacat metric check' (CI and the pre-commit hook), so a build in the middle
# of editing still works.
BUILD_STOPPERS = frozenset({"snapshot-immutable", "snapshot-missing", "snapshot-sequence", "snapshot-recorded",
                            "snapshot-version", "history-layout"})


def history_graph(paths: Paths, uris: Uris, sources_dir: Path) -> tuple[Graph, list[Path], list[str]]:
    """graph/metric-history: every published version of every public metric, which version the
    figures are published under, retirements, and which dataset each source file releases.
    Returns (graph, files read, notes)."""
    g = Graph()
    files: list[Path] = []
    notes: list[str] = []
    stoppers: list[Problem] = []
    for path in record_paths(paths):
        data = load_yaml(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("status") not in PUBLIC_STATUSES:
            continue
        slug = path.stem
        m = URIRef(uris.metric(slug))
        stoppers.extend(p for p in snapshot_problems(paths, slug) if p.rule in BUILD_STOPPERS)
        snaps = snapshots(paths, slug)
        current = URIRef(uris.metric_version(slug, int(data["version"])))
        # Every observation of the metric's cube is published under its current definition: one
        # triple on the qb:DataSet says so for all of them.
        g.add((URIRef(uris.metric_cube(slug)), LACAT.definitionVersion, current))
        g.add((m, DCAT.hasCurrentVersion, current))
        if not snaps:
            notes.append(f"{slug}: no published snapshot yet (run 'lacat metric publish {slug}')")
        elif changed_fields(load_yaml(snaps[-1].text), data):
            notes.append(f"{slug}: the record has changes not yet published as a new version")
        for snap in snaps:
            files.extend([snap.path])
            sd = load_yaml(snap.text)
            v = URIRef(uris.metric_version(slug, snap.version))
            change = next((c for c in sd["changes"] if c["version"] == snap.version), None)
            g.add((v, RDF.type, LACAT.MetricVersion))
            g.add((v, RDFS.label, Literal(f"{sd['label']}, version {snap.version}", lang="en")))
            g.add((v, DCTERMS.isVersionOf, m))
            g.add((m, DCTERMS.hasVersion, v))
            g.add((v, DCAT.version, Literal(str(snap.version))))
            g.add((v, LACAT.versionNumber, Literal(snap.version)))
            if change is not None:
                g.add((v, DCTERMS.issued, Literal(change["date"], datatype=XSD.date)))
                g.add((v, SKOS.changeNote, Literal(change["note"], lang="en")))
            g.add((v, SKOS.definition, Literal(str(sd["definition"]).strip(), lang="en")))
            g.add((v, LACAT.methodology, Literal(str(sd["methodology"]).strip(), lang="en")))
            for caveat in sd.get("caveats") or []:
                g.add((v, LACAT.caveat, Literal(caveat, lang="en")))
            g.add((v, LACAT.unit, unit_uri(sd["unit"])))
            g.add((v, LACAT.polarity, concept("polarity", sd["polarity"])))
            g.add((v, LACAT.recordText, Literal(snap.text)))
            g.add((v, LACAT.sha256, Literal(snap.sha256)))
            if snap.version > 1:
                g.add((v, DCAT.previousVersion, URIRef(uris.metric_version(slug, snap.version - 1))))
        if snaps:
            files.append(paths.history_of(slug) / SUMS_FILE)
        if data.get("retired_on"):
            g.add((m, LACAT.retiredOn, Literal(str(data["retired_on"]), datatype=XSD.date)))
        if data.get("replaced_by"):
            g.add((m, DCTERMS.isReplacedBy, URIRef(uris.metric(data["replaced_by"]))))
            g.add((URIRef(uris.metric(data["replaced_by"])), DCTERMS.replaces, m))
        for src in data.get("sources") or []:
            # Each bundled file is one release of its publisher's dataset (for the change log).
            g.add((source_file_uri(uris, sources_dir / src["file"]), DCTERMS.isPartOf,
                   URIRef(uris.dataset(src["dataset"]))))
    if stoppers:
        raise SourceError(stoppers)
    return g, files, notes


def history_step(ctx: BuildContext) -> list[GraphOutput]:
    """Build step: graph/metric-history (after the metrics step, whose records it describes)."""
    paths = Paths(ctx.settings.records_dir)
    g, files, notes = history_graph(paths, ctx.uris, ctx.settings.sources_dir)
    for note in notes:
        ctx.log(f"      note: {note}")
    return [GraphOutput(ctx.graph("metric-history"), g, sources=files, label="metric history")]
