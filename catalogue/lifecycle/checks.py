"""Every rule a metric record must keep: its schema, the rules a schema cannot express, and its
snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema

from catalogue.lifecycle.records import (
    PUBLIC_STATUSES,
    Paths,
    Record,
    parse,
    record_paths,
    schema_problems,
    schema_validator,
)
from catalogue.lifecycle.versions import changed_fields, snapshot_problems, snapshots
from core.problems import Problem
from core.yaml_records import line_of
from core.yaml_text import load_yaml


def record_problems(record: Record, paths: Paths, validator: jsonschema.Draft202012Validator,
                    sources_dir: Path | None, known: set[str], ignore: frozenset[str] = frozenset()
                    ) -> list[Problem]:
    """Every problem of one record: its schema, the rules a schema cannot express, its snapshots.
    `ignore` names rules that the operation at hand is about to resolve (publish)."""
    found = _record_problems(record, paths, validator, sources_dir, known)
    return [p for p in found if p.rule not in ignore]


def _record_problems(record: Record, paths: Paths, validator: jsonschema.Draft202012Validator,
                     sources_dir: Path | None, known: set[str]) -> list[Problem]:
    name = paths.name(record.path)
    d = record.data
    out = schema_problems(record, paths, validator)
    if out:
        return out  # the rules below assume a schema-valid record

    def at(*p: Any) -> int | None:
        return line_of(record.node, list(p))

    if d["slug"] != record.slug:
        out.append(Problem.at_line(name, f"slug {d['slug']!r} must equal the file name {record.slug!r}", at("slug"),
                                 "slug", "slug-matches-file"))
    versions = [c["version"] for c in d["changes"]]
    if max(versions) != d["version"]:
        out.append(Problem.at_line(name, f"version {d['version']} has no entry in changes (latest is "
                                 f"{max(versions)})", at("version"), "version", "version-in-changes"))
    if len(set(versions)) != len(versions):
        out.append(Problem.at_line(name, "each version may have only one entry in changes", at("changes"), "changes",
                                 "changes-unique"))
    status = d["status"]
    if status in ("approved", *PUBLIC_STATUSES) and "approval" not in d and not d.get("publication_basis"):
        out.append(Problem.at_line(name, f"a {status} metric needs an approval (who, when, note) or a "
                                 "publication_basis", at("status"), "approval", "approval-recorded"))
    if status in ("draft", "proposed") and "approval" in d:
        out.append(Problem.at_line(name, f"a {status} metric cannot carry an approval yet", at("approval"), "approval",
                                 "approval-after-proposal"))
    if status == "superseded" and not d.get("replaced_by"):
        out.append(Problem.at_line(name, "a superseded metric must name the metric that replaces it in replaced_by",
                                 at("status"), "replaced_by", "superseded-needs-replacement"))
    if d.get("replaced_by") and d["replaced_by"] not in known:
        out.append(Problem.at_line(name, f"replaced_by names {d['replaced_by']!r}, which is not a metric record",
                                 at("replaced_by"), "replaced_by", "replacement-exists"))
    for i, other in enumerate(d.get("related") or []):
        if other not in known:
            out.append(Problem.at_line(name, f"related metric {other!r} is not a metric record", at("related", i),
                                     f"related.{i}", "related-exists"))
    for i, src in enumerate(d["sources"]):
        if sources_dir is not None and not (sources_dir / src["file"]).is_file():
            out.append(Problem.at_line(name, f"source file {src['file']} is not in the sources folder",
                                     at("sources", i, "file"), f"sources.{i}.file", "source-exists"))
    out.extend(snapshot_problems(paths, record.slug))
    snaps = snapshots(paths, record.slug)
    if status in PUBLIC_STATUSES:
        if not snaps:
            out.append(Problem.at_line(name, f"a {status} metric needs its published versions in "
                                     f"{paths.name(paths.history_of(record.slug))}; run 'lacat metric publish "
                                     f"{record.slug}'", at("status"), "status", "published-has-snapshot"))
        elif snaps[-1].version != d["version"]:
            out.append(Problem.at_line(name, f"version {d['version']} does not match the latest published version "
                                     f"{snaps[-1].version}", at("version"), "version", "version-published"))
        else:
            changed = changed_fields(load_yaml(snaps[-1].text), d)
            if changed:
                out.append(Problem.at_line(
                    name, f"{', '.join(changed)} changed since version {d['version']} was published; run 'lacat "
                    f"metric publish {record.slug} --note \"what changed\"' to publish version {d['version'] + 1}, "
                    "or undo the edit", at(changed[0]) if changed[0] in d else at("version"), changed[0],
                    "unpublished-change"))
    elif snaps:
        out.append(Problem.at_line(name, f"a metric with published versions cannot go back to {status}",
                                 at("status"), "status", "no-unpublishing"))
    return out


def check(paths: Paths, files: list[Path] | None = None, sources_dir: Path | None = None) -> list[Problem]:
    """Problems of the given record files (default: every record). A history snapshot given as a
    file checks its metric's whole history."""
    validator = schema_validator(paths)
    known = {p.stem for p in record_paths(paths)}
    targets: list[Path] = []
    for f in files if files is not None else record_paths(paths):
        f = f.resolve()
        if paths.history.resolve() in f.parents:
            slug = f.relative_to(paths.history.resolve()).parts[0]
            f = paths.record(slug).resolve()
        if f not in targets:
            targets.append(f)
    out: list[Problem] = []
    for f in targets:
        name = paths.name(f)
        if not f.is_file():
            out.append(Problem.at_line(name, "no such record file", None, None, "file-exists"))
            continue
        record, problems = parse(f, f.read_text(encoding="utf-8"), name)
        out.extend(problems)
        if record is not None:
            out.extend(record_problems(record, paths, validator, sources_dir, known))
    if files is None:
        # A history folder whose record was deleted: published versions must stay reachable.
        for folder in sorted(p for p in paths.history.glob("*") if p.is_dir()):
            if folder.name not in known:
                out.append(Problem.at_line(paths.name(folder), f"history of {folder.name} has no record "
                                         f"{folder.name}.yaml; a published metric is retired, never deleted",
                                         None, None, "history-has-record"))
    return out
