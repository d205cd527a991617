"""Outcome framework records (catalogue/records/frameworks/{slug}.yaml): reading and validation.

One record is one edition of a framework (the July 2025 draft of the Local Outcomes Framework, its
first edition of 9 February 2026, Oflog's retired explorer metrics): its outcomes and metrics as
far as the sources it names show them. The JSON Schema (frameworks/framework.schema.json) checks
each field; the rules below check what a schema cannot (references between fields and between
editions). Every problem names the file, the line and the field, and no record of a broken set
loads.

A framework metric maps to catalogue metrics only by explicit `catalogue_metric` slugs (one, or a
list where the catalogue splits the framework metric, e.g. by sex). A slug
with no metric record is not an error (metric records come and go with the sources), but it links
nothing: `mapping_notes` lists such slugs for the build log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.problems import Problem, SourceError, display_name
from core.yaml_records import Record, line_of, read_records, schema_validator

FRAMEWORKS_DIR = "frameworks"
SCHEMA_FILE = "framework.schema.json"
UNKNOWN = "unknown"


@dataclass
class FrameworkMetric:
    """A metric as one edition lists it; `outcomes` are the numbers of the outcomes it is under."""

    key: str
    label: str
    source: str
    outcomes: list[int] = field(default_factory=list)
    label_complete: bool = True
    notation: str | None = None
    type: str = UNKNOWN
    availability: str = UNKNOWN
    source_organisation: str = UNKNOWN
    esd_metric_types: list[int] = field(default_factory=list)
    catalogue_metrics: list[str] = field(default_factory=list)
    mapping_basis: str | None = None
    note: str | None = None


@dataclass
class Outcome:
    number: int
    key: str
    label: str
    kind: str
    ambition: str | None
    source: str
    metrics_complete: bool
    metrics_statement: str | None = None
    metrics: list[FrameworkMetric] = field(default_factory=list)


class Edition(Record):
    """One edition record, with its outcomes and every metric it lists parsed."""

    outcomes: list[Outcome]
    metrics: list[FrameworkMetric]

    @property
    def framework(self) -> str:
        return self.data["framework"]

    @property
    def previous(self) -> str | None:
        return self.data.get("previous_version")

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        return {s["id"]: s for s in self.data["sources"]}

    def outcome(self, number: int) -> Outcome | None:
        return next((o for o in self.outcomes if o.number == number), None)


def _slugs(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _metric(d: dict[str, Any], default_source: str, outcome: int | None) -> FrameworkMetric:
    numbers = ([outcome] if outcome is not None else []) + list(d.get("also_in_outcomes", []))
    return FrameworkMetric(
        key=d["key"], label=" ".join(d["label"].split()), source=d.get("source", default_source), outcomes=numbers,
        label_complete=d.get("label_complete", True), notation=d.get("notation"), type=d.get("type", UNKNOWN),
        availability=d.get("availability", UNKNOWN), source_organisation=d.get("source_organisation", UNKNOWN),
        esd_metric_types=list(d.get("esd_metric_types", [])), catalogue_metrics=_slugs(d.get("catalogue_metric")),
        mapping_basis=d.get("mapping_basis"), note=d.get("note"))


def parse_edition(path: Path, data: dict[str, Any]) -> Edition:
    edition = Edition(path, data)
    edition.outcomes = []
    edition.metrics = []
    for o in data["outcomes"]:
        outcome = Outcome(o["number"], o["key"], o["label"], o["kind"], o.get("ambition"), o["source"],
                          o["metrics_complete"], o.get("metrics_statement"))
        outcome.metrics = [_metric(m, o["source"], o["number"]) for m in o["metrics"]]
        edition.outcomes.append(outcome)
        edition.metrics.extend(outcome.metrics)
    first_source = data["sources"][0]["id"]
    edition.metrics.extend(_metric(m, first_source, None) for m in data.get("unplaced_metrics", []))
    return edition


def _edition_rules(e: Edition, node: yaml.Node, sources_dir: Path | None) -> list[Problem]:
    """Rules within one record that a JSON Schema cannot express."""
    name = display_name(e.path)
    d = e.data
    out: list[Problem] = []

    def problem(message: str, where: list[Any], rule: str) -> None:
        out.append(Problem(name, message, line_of(node, where), ".".join(str(p) for p in where), rule))

    if e.slug != e.path.stem:
        problem(f"slug {e.slug!r} must equal the file name {e.path.stem!r}", ["slug"], "slug-matches-file")
    ids = [s["id"] for s in d["sources"]]
    for i, s in enumerate(d["sources"]):
        if ids.count(s["id"]) > 1:
            problem(f"source id {s['id']!r} is used more than once", ["sources", i, "id"], "unique-source")
        if s["kind"] == "bundled" and not s.get("file"):
            problem("a bundled source must name its file under ingest/sources/", ["sources", i], "bundled-has-file")
        if s["kind"] == "reference" and s.get("file"):
            problem("a reference source is cited only; it cannot name a bundled file", ["sources", i, "file"],
                    "reference-has-no-file")
        if s.get("file") and sources_dir is not None and not (sources_dir / s["file"]).is_file():
            problem(f"source file {s['file']} is not in the sources folder", ["sources", i, "file"], "source-exists")
    orgs = set(d["organisations"])
    if d["publisher"] not in orgs:
        problem(f"publisher {d['publisher']!r} is not one of the organisations", ["publisher"], "known-organisation")
    if (d["status"] == "retired") != ("retirement" in d):
        problem("an edition has a retirement exactly when its status is 'retired'", ["retirement" if "retirement" in d
                else "status"], "retired-has-reason")
    if "retirement" in d and d["retirement"]["source"] not in ids:
        problem(f"unknown source {d['retirement']['source']!r}", ["retirement", "source"], "known-source")
    for kind, stated in d.get("stated", {}).items():
        if stated["source"] not in ids:
            problem(f"unknown source {stated['source']!r}", ["stated", kind, "source"], "known-source")
    numbers = [o["number"] for o in d["outcomes"]]
    keys: dict[str, list[Any]] = {}
    for i, o in enumerate(d["outcomes"]):
        where = ["outcomes", i]
        if o["number"] in numbers[:i]:
            problem(f"outcome number {o['number']} is used more than once", [*where, "number"], "unique-outcome")
        if o["key"] in keys:
            problem(f"outcome key {o['key']!r} is used more than once", [*where, "key"], "unique-key")
        keys[o["key"]] = where
        if o["source"] not in ids:
            problem(f"unknown source {o['source']!r}", [*where, "source"], "known-source")
    metric_keys: set[str] = set()
    placed = [(["outcomes", i, "metrics", j], m, o["number"]) for i, o in enumerate(d["outcomes"])
              for j, m in enumerate(o["metrics"])]
    unplaced = [(["unplaced_metrics", j], m, None) for j, m in enumerate(d.get("unplaced_metrics", []))]
    for where, m, own in placed + unplaced:
        if m["key"] in metric_keys:
            problem(f"metric key {m['key']!r} is used more than once in this edition", [*where, "key"], "unique-key")
        metric_keys.add(m["key"])
        if m.get("source") and m["source"] not in ids:
            problem(f"unknown source {m['source']!r}", [*where, "source"], "known-source")
        org = m.get("source_organisation", UNKNOWN)
        if org != UNKNOWN and org not in orgs:
            problem(f"source organisation {org!r} is not one of the organisations", [*where, "source_organisation"],
                    "known-organisation")
        for n in m.get("also_in_outcomes", []):
            if n not in numbers or n == own:
                problem(f"also_in_outcomes names {n}, which is not another outcome of this edition",
                        [*where, "also_in_outcomes"], "known-outcome")
        if m.get("also_in_outcomes") and own is None:
            problem("a metric outside every outcome cannot be 'also' in one", [*where, "also_in_outcomes"],
                    "known-outcome")
        if m.get("catalogue_metric") and not m.get("mapping_basis"):
            problem("a mapping to a catalogue metric needs a mapping_basis", [*where, "catalogue_metric"],
                    "mapping-has-basis")
    return out


def _set_rules(editions: list[Edition], nodes: dict[str, yaml.Node]) -> list[Problem]:
    """Rules between editions: previous versions, one current edition per framework."""
    out: list[Problem] = []
    by_slug = {e.slug: e for e in editions}
    for e in editions:
        node = nodes[e.slug]
        prev = e.previous
        if prev is None:
            continue
        before = by_slug.get(prev)
        where = line_of(node, ["previous_version"])
        if before is None:
            out.append(Problem(display_name(e.path), f"previous_version {prev!r} is not a framework record", where,
                               "previous_version", "known-previous"))
        elif before.framework != e.framework:
            out.append(Problem(display_name(e.path), f"previous_version {prev!r} belongs to another framework "
                               f"({before.framework!r})", where, "previous_version", "same-framework"))
        elif not str(before.data["issued"]) < str(e.data["issued"]) or str(e.data["issued"]).startswith(
                str(before.data["issued"])):
            out.append(Problem(display_name(e.path), f"previous_version {prev!r} (issued {before.data['issued']}) "
                               f"must be issued before this edition ({e.data['issued']})", where, "previous_version",
                               "previous-is-earlier"))
    revised = {e.previous: e for e in editions if e.previous}
    for e in editions:
        status = e.data["status"]
        later = revised.get(e.slug)
        if later is not None and status in ("current", "draft"):
            out.append(Problem(display_name(e.path), f"{later.slug} revises this edition, so it cannot be {status!r}",
                               line_of(nodes[e.slug], ["status"]), "status", "revised-is-superseded"))
        if later is None and status == "superseded":
            out.append(Problem(display_name(e.path), "a superseded edition must be the previous_version of a later "
                               "edition", line_of(nodes[e.slug], ["status"]), "status", "superseded-has-successor"))
    frameworks: dict[str, list[Edition]] = {}
    for e in editions:
        frameworks.setdefault(e.framework, []).append(e)
    for slug, members in frameworks.items():
        current = sorted((e for e in members if e.data["status"] == "current"), key=lambda e: str(e.data["issued"]))
        for e in current[:-1]:
            out.append(Problem(display_name(e.path), f"framework {slug!r} has a later current edition "
                               f"({current[-1].slug})", line_of(nodes[e.slug], ["status"]), "status",
                               "one-current-edition"))
        titles = {e.data["framework_title"] for e in members}
        if len(titles) > 1:
            e = members[-1]
            out.append(Problem(display_name(e.path), f"editions of {slug!r} give different framework titles: "
                               f"{', '.join(sorted(titles))}", line_of(nodes[e.slug], ["framework_title"]),
                               "framework_title", "one-framework-title"))
    return out


def load_frameworks(records_dir: Path, sources_dir: Path | None = None) -> list[Edition]:
    """Every framework edition record, validated; raises SourceError naming file, line and field."""
    folder = records_dir / FRAMEWORKS_DIR
    validator = schema_validator(folder / SCHEMA_FILE)
    good, problems = read_records(sorted(folder.glob("*.yaml")), validator, "framework")
    editions: list[Edition] = []
    nodes: dict[str, yaml.Node] = {}
    for path, data, node in good:
        edition = parse_edition(path, data)
        problems.extend(_edition_rules(edition, node, sources_dir))
        editions.append(edition)
        nodes[edition.slug] = node
    if not problems:
        problems.extend(_set_rules(editions, nodes))
    if problems:
        raise SourceError(problems)
    return sorted(editions, key=lambda e: (e.framework, str(e.data["issued"])))


def mapping_notes(editions: Iterable[Edition], published: set[str], known: set[str]) -> list[str]:
    """Mappings that link nothing: slugs with no metric record, or whose record is not published."""
    notes = []
    for e in editions:
        for m in e.metrics:
            for slug in m.catalogue_metrics:
                if slug not in known:
                    notes.append(f"{e.slug}: metric {m.key} maps to {slug}, which has no metric record")
                elif slug not in published:
                    notes.append(f"{e.slug}: metric {m.key} maps to {slug}, which is not published")
    return notes
