"""Metric records (catalogue/records/metrics/{slug}.yaml) and the source files they select from,
read and validated: the inputs of the metrics step, which a build loads once (catalogue.step).

A record is validated against the JSON Schema catalogue/records/metric.schema.json and the named
rules below; errors name the file, the line and the field. Each record names the source file,
adapter and selector its figures come from; every source file is validated with its Frictionless
Table Schema and the named checks of ingest.adapters.base before anything of it is tidied, so a
broken file loads nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from core.problems import Problem, SourceError, display_name
from core.yaml_records import Record, line_of, read_records, schema_validator
from ingest.adapters import ADAPTERS, DERIVED
from ingest.adapters.base import MetricSelection, tidy, validate
from ingest.geography.model import Register
from ingest.observations import period_sort_key

SCHEMA_FILE = "metric.schema.json"
METRICS_DIR = "metrics"


class MetricRecord(Record):
    @property
    def polarity(self) -> str:
        return self.data["polarity"]

    @property
    def groups(self) -> list[str]:
        return list(self.data["comparison_groups"])


def load_records(records_dir: Path, sources_dir: Path | None = None) -> list[MetricRecord]:
    """Every metric record, validated; raises SourceError naming file, line and field."""
    validator = schema_validator(records_dir / SCHEMA_FILE)
    good, problems = read_records(sorted((records_dir / METRICS_DIR).glob("*.yaml")), validator, "metric")
    records: list[MetricRecord] = []
    for path, data, node in good:
        record = MetricRecord(path, data)
        problems.extend(_record_rules(record, node, sources_dir))
        records.append(record)
    if problems:
        raise SourceError(problems)
    return records


def _record_rules(record: MetricRecord, node: yaml.Node, sources_dir: Path | None) -> list[Problem]:
    """Rules a JSON Schema cannot express."""
    name = display_name(record.path)
    data = record.data
    out: list[Problem] = []
    if record.slug != record.path.stem:
        out.append(Problem(name, f"slug {record.slug!r} must equal the file name {record.path.stem!r}",
                           line_of(node, ["slug"]), "slug", "slug-matches-file"))
    versions = [c["version"] for c in data["changes"]]
    if max(versions) != data["version"]:
        out.append(Problem(name, f"version {data['version']} has no entry in changes (latest {max(versions)})",
                           line_of(node, ["version"]), "version", "version-in-changes"))
    if data["status"] == "published" and "approval" not in data and not data.get("publication_basis"):
        out.append(Problem(name, "a published metric needs an approval or a publication_basis",
                           line_of(node, ["status"]), "approval", "published-needs-basis"))
    for i, src in enumerate(data["sources"]):
        if sources_dir is not None and not (sources_dir / src["file"]).is_file():
            out.append(Problem(name, f"source file {src['file']} is not in the sources folder",
                               line_of(node, ["sources", i, "file"]), f"sources.{i}.file", "source-exists"))
    return out


# --- Source files --------------------------------------------------------------------------------


@dataclass
class SourceFile:
    """One source file and the records that select metrics from it."""

    rel: str
    dataset: str
    adapter: str
    records: list[MetricRecord] = field(default_factory=list)
    selects: dict[str, MetricRecord] = field(default_factory=dict)


def source_files(records: list[MetricRecord]) -> list[SourceFile]:
    files: dict[str, SourceFile] = {}
    for record in records:
        for src in record.data["sources"]:
            sf = files.setdefault(src["file"], SourceFile(src["file"], src["dataset"], src["adapter"]))
            sf.records.append(record)
            sf.selects[src["select"]] = record
    return list(files.values())


def selection(sf: SourceFile) -> MetricSelection:
    sel = MetricSelection()
    for value, record in sf.selects.items():
        d = record.data
        sel.by_select[value] = (record.slug, d["unit"], tuple(d["tiers"]), bool(d.get("includes_england")))
    return sel


def check_periods(sf: SourceFile, frame: pd.DataFrame) -> list[Problem]:
    """The periods a record lists must be exactly the periods its source has rows for."""
    problems = []
    loaded = frame[frame["excluded"].isna()]
    for record in sf.records:
        found = set(loaded.loc[loaded["metric"] == record.slug, "period"])
        listed = set(record.data["periods"])
        if found != listed:
            extra = sorted(found - listed, key=period_sort_key)
            absent = sorted(listed - found, key=period_sort_key)
            detail = "; ".join(x for x in (f"in the data but not listed: {', '.join(extra)}" if extra else "",
                                            f"listed but not in the data: {', '.join(absent)}" if absent else "") if x)
            problems.append(Problem(display_name(record.path), f"periods differ from {sf.rel}: {detail}", None,
                                    "periods", "periods-match-data"))
    return problems


@dataclass
class LoadedMetrics:
    records: list[MetricRecord]
    frames: dict[str, pd.DataFrame]  # source file (relative path) -> tidy frame


def load_metrics(sources_dir: Path, records_dir: Path, register: Register) -> LoadedMetrics:
    """Validate every record and source file, then tidy each file. Raises SourceError."""
    return tidy_sources(sources_dir, load_records(records_dir, sources_dir), register)


def tidy_sources(sources_dir: Path, records: list[MetricRecord], register: Register) -> LoadedMetrics:
    """Validate every source file the records select from, then tidy each. Raises SourceError."""
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for sf in source_files(records):
        if sf.adapter in DERIVED:
            continue  # derived from several files at once, below
        path = sources_dir / sf.rel
        layout = ADAPTERS[sf.adapter]
        sel = selection(sf)
        validate(path, layout, register, sel)
        frame = tidy(path, layout, register, sel)
        problems.extend(check_periods(sf, frame))
        frames[sf.rel] = frame
    for name, derive in DERIVED.items():
        chosen = [r for r in records if any(s["adapter"] == name for s in r.data["sources"])]
        if chosen:
            frames.update(derive(sources_dir, chosen, register))
    if problems:
        raise SourceError(problems)
    return LoadedMetrics(records, frames)
