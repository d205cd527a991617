"""Maintaining metric definitions: checking records, moving them through their lifecycle and
keeping an immutable snapshot of every published version (docs/maintaining-metrics.md).

Lifecycle: draft -> proposed -> approved -> published -> retired or superseded. Only metrics that
have been published reach the public catalogue. Publishing writes
`metrics/history/{slug}/v{n}.yaml`, a byte-for-byte copy of the record as published, and its
SHA-256 in `metrics/history/{slug}/SHA256SUMS` (the `sha256sum` format, so the snapshots can also
be verified with that tool). A snapshot is never rewritten; `check` reports any that changed.

Every operation first computes the new file contents, checks them, and only then writes, so a
refused operation leaves every file byte-identical.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from catalogue.metric_records import LoadedMetrics
from core.problems import display_name
from core.settings import PROJECT_ROOT
from core.yaml_records import line_of
from core.yaml_text import compose_yaml, load_yaml

SCHEMA_FILE = "metric.schema.json"
METRICS_DIR = "metrics"
HISTORY_DIR = "history"
SUMS_FILE = "SHA256SUMS"
TEMPLATE = PROJECT_ROOT / "catalogue" / "templates" / "metric.yaml"

STATUSES = ("draft", "proposed", "approved", "published", "retired", "superseded")
# Statuses whose metric is in the public catalogue: a retired or superseded metric keeps its URI,
# page and past figures, marked with its status, so links to it never break.
PUBLIC_STATUSES = frozenset({"published", "retired", "superseded"})
# Fields that say what happens to the record rather than what the metric means: a change to them
# is not a new version of the definition. New periods and new yearly source files are new data
# releases of the same definition; the datasets the figures come from are compared instead.
# decimal_places is how figures are shown, not what they mean: changing it needs no new version.
NOT_DEFINITION = frozenset({"status", "version", "changes", "approval", "publication_basis", "periods",
                            "sources", "related", "replaced_by", "retired_on", "decimal_places"})
# What a metric must state before it can be published.
PUBLISH_NEEDS = ("definition", "unit", "polarity", "caveats", "sources")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")


@dataclass
class RecordProblem:
    """One problem in a record: the file, the line in it, the field and the rule it breaks."""

    file: str
    message: str
    line: int | None = None
    field: str | None = None
    rule: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.field is not None:
            where += f", field '{self.field}'"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.message}{rule}"


class LifecycleError(Exception):
    """A refused operation; nothing was written."""

    def __init__(self, problems: list[RecordProblem] | str) -> None:
        self.problems = problems if isinstance(problems, list) else []
        text = problems if isinstance(problems, str) else "\n".join(str(p) for p in problems)
        super().__init__(text)


@dataclass
class Record:
    path: Path
    text: str
    data: dict[str, Any]
    node: yaml.Node | None

    @property
    def slug(self) -> str:
        return self.path.stem


@dataclass
class Snapshot:
    version: int
    path: Path
    text: str
    sha256: str


@dataclass
class Paths:
    """Where the records of one records folder live (LACAT_RECORDS_DIR)."""

    records_dir: Path
    metrics: Path = field(init=False)
    history: Path = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = self.records_dir / METRICS_DIR
        self.history = self.metrics / HISTORY_DIR

    def record(self, slug: str) -> Path:
        return self.metrics / f"{_slug(slug)}.yaml"

    def history_of(self, slug: str) -> Path:
        return self.history / _slug(slug)

    def name(self, path: Path) -> str:
        """A path for messages, as the other record errors name it (never an absolute path)."""
        return display_name(path)


def _slug(slug: str) -> str:
    if not SLUG.match(slug):
        raise LifecycleError(f"{slug!r} is not a metric slug: lower-case letters, digits and hyphens, "
                             "starting with a letter or digit")
    return slug


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Reading ------------------------------------------------------------------------------------


def parse(path: Path, text: str, name: str) -> tuple[Record | None, list[RecordProblem]]:
    try:
        # compose keeps each node's position, for the line numbers of messages.
        node = compose_yaml(text)
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [RecordProblem(name, f"not valid YAML: {problem}", mark.line + 1 if mark else None, None,
                                    "yaml")]
    if not isinstance(data, dict):
        return None, [RecordProblem(name, "a metric record must be a mapping of fields (field: value lines)",
                                    1, None, "type")]
    return Record(path, text, data, node), []


def read(path: Path, name: str) -> Record:
    record, problems = parse(path, path.read_text(encoding="utf-8"), name)
    if record is None:
        raise LifecycleError(problems)
    return record


def schema_validator(paths: Paths) -> jsonschema.Draft202012Validator:
    schema = json.loads((paths.records_dir / SCHEMA_FILE).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _plain(err: jsonschema.ValidationError) -> str:
    """The schema error in words a maintainer can act on."""
    v, s, inst = err.validator, err.validator_value, err.instance
    if v == "required":
        if "'on'" in err.message:
            # YAML reads a bare `on:` key as the boolean true, so the field seems to be missing.
            return "is missing; write the key in quotes, 'on': \"YYYY-MM-DD\" (a bare on means yes in YAML)"
        return "is missing; add it"
    if v == "enum":
        return f"{inst!r} is not allowed; use one of: {', '.join(map(str, s))}"
    if v == "minLength":
        return f"is too short ({len(inst) if isinstance(inst, str) else 0} characters; at least {s} needed)"
    if v == "minItems":
        return f"needs at least {s} item(s)"
    if v == "pattern":
        return f"{inst!r} does not have the expected form (pattern {s})"
    if v == "format" and s == "date":
        return f"{inst!r} is not a date; write it as YYYY-MM-DD in quotes, e.g. \"2025-04-01\""
    if v == "additionalProperties":
        return f"{err.message}; check the spelling of the field name"
    if v == "type":
        return f"{inst!r} should be of type {s}"
    return err.message


def schema_problems(record: Record, paths: Paths, validator: jsonschema.Draft202012Validator) -> list[RecordProblem]:
    name = paths.name(record.path)
    out = []
    for err in sorted(validator.iter_errors(record.data), key=lambda e: [str(p) for p in e.absolute_path]):
        loc = list(err.absolute_path)
        where = ".".join(str(p) for p in loc) or None
        if err.validator == "required":
            missing = err.message.split("'")[1]
            where = ".".join([*map(str, loc), missing])
        elif err.validator == "additionalProperties":
            extra = re.findall(r"'([^']+)'", err.message)
            if extra:
                where = ".".join([*map(str, loc), extra[0]])
                loc = [*loc, extra[0]]
        out.append(RecordProblem(name, _plain(err), line_of(record.node, loc), where, f"schema:{err.validator}"))
    return sorted(out, key=lambda p: (p.line or 0, p.field or ""))


# --- Snapshots ----------------------------------------------------------------------------------


def read_sums(folder: Path) -> dict[str, str]:
    sums: dict[str, str] = {}
    path = folder / SUMS_FILE
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                digest, _, fname = line.partition("  ")
                sums[fname.strip()] = digest.strip()
    return sums


def snapshots(paths: Paths, slug: str) -> list[Snapshot]:
    """The published versions of a metric, oldest first (unverified: see snapshot_problems)."""
    folder = paths.history_of(slug)
    sums = read_sums(folder)
    out = []
    for f in sorted(folder.glob("v*.yaml"), key=lambda p: int(p.stem[1:]) if p.stem[1:].isdigit() else 0):
        if f.stem[1:].isdigit():
            out.append(Snapshot(int(f.stem[1:]), f, f.read_text(encoding="utf-8"), sums.get(f.name, "")))
    return out


def snapshot_problems(paths: Paths, slug: str) -> list[RecordProblem]:
    folder = paths.history_of(slug)
    if not folder.exists():
        return []
    out = []
    sums = read_sums(folder)
    snaps = snapshots(paths, slug)
    for f in sorted(folder.iterdir()):
        if f.name != SUMS_FILE and not re.fullmatch(r"v[1-9][0-9]*\.yaml", f.name):
            out.append(RecordProblem(paths.name(f), "only v{n}.yaml snapshots and SHA256SUMS belong in a history "
                                     "folder", None, None, "history-layout"))
    for snap in snaps:
        name = paths.name(snap.path)
        if not snap.sha256:
            out.append(RecordProblem(name, f"snapshot has no checksum in {SUMS_FILE}; snapshots are written only "
                                     "by 'lacat metric publish'", None, None, "snapshot-recorded"))
        elif sha256_text(snap.text) != snap.sha256:
            out.append(RecordProblem(name, "published snapshot has changed since it was published (SHA-256 differs "
                                     f"from {SUMS_FILE}); published versions are immutable: restore it from "
                                     "version control", None, None, "snapshot-immutable"))
        data = load_yaml(snap.text) if snap.text else None
        if not isinstance(data, dict) or data.get("version") != snap.version or data.get("slug") != slug:
            out.append(RecordProblem(name, f"snapshot must be version {snap.version} of {slug}", None, "version",
                                     "snapshot-version"))
    for fname in sums:
        if not (folder / fname).is_file():
            out.append(RecordProblem(paths.name(folder / SUMS_FILE), f"{fname} is listed but missing; published "
                                     "versions must never be deleted", None, None, "snapshot-missing"))
    numbers = [s.version for s in snaps]
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(RecordProblem(paths.name(folder), f"versions must run 1, 2, 3 ... without gaps; found "
                                 f"{', '.join(map(str, numbers))}", None, None, "snapshot-sequence"))
    return out


def definition_of(data: dict[str, Any]) -> dict[str, Any]:
    """What the metric means, for deciding whether a change makes a new version."""
    out = {k: v for k, v in data.items() if k not in NOT_DEFINITION}
    out["source_datasets"] = sorted({s.get("dataset") for s in data.get("sources") or [] if isinstance(s, dict)})
    return out


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    a, b = definition_of(old), definition_of(new)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


# --- Checking -----------------------------------------------------------------------------------


def record_problems(record: Record, paths: Paths, validator: jsonschema.Draft202012Validator,
                    sources_dir: Path | None, known: set[str], ignore: frozenset[str] = frozenset()
                    ) -> list[RecordProblem]:
    """Every problem of one record: its schema, the rules a schema cannot express, its snapshots.
    `ignore` names rules that the operation at hand is about to resolve (publish)."""
    found = _record_problems(record, paths, validator, sources_dir, known)
    return [p for p in found if p.rule not in ignore]


def _record_problems(record: Record, paths: Paths, validator: jsonschema.Draft202012Validator,
                     sources_dir: Path | None, known: set[str]) -> list[RecordProblem]:
    name = paths.name(record.path)
    d = record.data
    out = schema_problems(record, paths, validator)
    if out:
        return out  # the rules below assume a schema-valid record

    def at(*p: Any) -> int | None:
        return line_of(record.node, list(p))

    if d["slug"] != record.slug:
        out.append(RecordProblem(name, f"slug {d['slug']!r} must equal the file name {record.slug!r}", at("slug"),
                                 "slug", "slug-matches-file"))
    versions = [c["version"] for c in d["changes"]]
    if max(versions) != d["version"]:
        out.append(RecordProblem(name, f"version {d['version']} has no entry in changes (latest is "
                                 f"{max(versions)})", at("version"), "version", "version-in-changes"))
    if len(set(versions)) != len(versions):
        out.append(RecordProblem(name, "each version may have only one entry in changes", at("changes"), "changes",
                                 "changes-unique"))
    status = d["status"]
    if status in ("approved", *PUBLIC_STATUSES) and "approval" not in d and not d.get("publication_basis"):
        out.append(RecordProblem(name, f"a {status} metric needs an approval (who, when, note) or a "
                                 "publication_basis", at("status"), "approval", "approval-recorded"))
    if status in ("draft", "proposed") and "approval" in d:
        out.append(RecordProblem(name, f"a {status} metric cannot carry an approval yet", at("approval"), "approval",
                                 "approval-after-proposal"))
    if status == "superseded" and not d.get("replaced_by"):
        out.append(RecordProblem(name, "a superseded metric must name the metric that replaces it in replaced_by",
                                 at("status"), "replaced_by", "superseded-needs-replacement"))
    if d.get("replaced_by") and d["replaced_by"] not in known:
        out.append(RecordProblem(name, f"replaced_by names {d['replaced_by']!r}, which is not a metric record",
                                 at("replaced_by"), "replaced_by", "replacement-exists"))
    for i, other in enumerate(d.get("related") or []):
        if other not in known:
            out.append(RecordProblem(name, f"related metric {other!r} is not a metric record", at("related", i),
                                     f"related.{i}", "related-exists"))
    for i, src in enumerate(d["sources"]):
        if sources_dir is not None and not (sources_dir / src["file"]).is_file():
            out.append(RecordProblem(name, f"source file {src['file']} is not in the sources folder",
                                     at("sources", i, "file"), f"sources.{i}.file", "source-exists"))
    out.extend(snapshot_problems(paths, record.slug))
    snaps = snapshots(paths, record.slug)
    if status in PUBLIC_STATUSES:
        if not snaps:
            out.append(RecordProblem(name, f"a {status} metric needs its published versions in "
                                     f"{paths.name(paths.history_of(record.slug))}; run 'lacat metric publish "
                                     f"{record.slug}'", at("status"), "status", "published-has-snapshot"))
        elif snaps[-1].version != d["version"]:
            out.append(RecordProblem(name, f"version {d['version']} does not match the latest published version "
                                     f"{snaps[-1].version}", at("version"), "version", "version-published"))
        else:
            changed = changed_fields(load_yaml(snaps[-1].text), d)
            if changed:
                out.append(RecordProblem(
                    name, f"{', '.join(changed)} changed since version {d['version']} was published; run 'lacat "
                    f"metric publish {record.slug} --note \"what changed\"' to publish version {d['version'] + 1}, "
                    "or undo the edit", at(changed[0]) if changed[0] in d else at("version"), changed[0],
                    "unpublished-change"))
    elif snaps:
        out.append(RecordProblem(name, f"a metric with published versions cannot go back to {status}",
                                 at("status"), "status", "no-unpublishing"))
    return out


def record_paths(paths: Paths) -> list[Path]:
    return sorted(paths.metrics.glob("*.yaml"))


def check(paths: Paths, files: list[Path] | None = None, sources_dir: Path | None = None) -> list[RecordProblem]:
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
    out: list[RecordProblem] = []
    for f in targets:
        name = paths.name(f)
        if not f.is_file():
            out.append(RecordProblem(name, "no such record file", None, None, "file-exists"))
            continue
        record, problems = parse(f, f.read_text(encoding="utf-8"), name)
        out.extend(problems)
        if record is not None:
            out.extend(record_problems(record, paths, validator, sources_dir, known))
    if files is None:
        # A history folder whose record was deleted: published versions must stay reachable.
        for folder in sorted(p for p in paths.history.glob("*") if p.is_dir()):
            if folder.name not in known:
                out.append(RecordProblem(paths.name(folder), f"history of {folder.name} has no record "
                                         f"{folder.name}.yaml; a published metric is retired, never deleted",
                                         None, None, "history-has-record"))
    return out


# --- Editing records without losing their layout -----------------------------------------------


def _dump(key: str, value: Any) -> str:
    return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def set_field(text: str, key: str, value: Any, before: str | None = "changes") -> str:
    """The record text with one top-level field replaced (or added before `before`), leaving every
    other line, comment and layout as the maintainer wrote it."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", ln)), None)
    new = _dump(key, value)
    if start is None:
        at = next((i for i, ln in enumerate(lines) if before and re.match(rf"^{re.escape(before)}\s*:", ln)),
                  len(lines))
        while 0 < at < len(lines) and lines[at - 1].startswith("#"):
            at -= 1  # a comment above `before` belongs to it
        if at == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines[:at]) + new + "".join(lines[at:])
    end = start + 1
    # The field's block runs until the next top-level key (indented lines, list items, blank lines).
    while end < len(lines) and (lines[end][:1] in (" ", "\t", "-", "\n", "#") or not lines[end].strip()):
        if lines[end].startswith("#") and end + 1 < len(lines) and re.match(r"^[A-Za-z_]", lines[end + 1]):
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # keep blank lines that separate sections
    return "".join(lines[:start]) + new + "".join(lines[end:])


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class Outcome:
    message: str
    written: list[Path] = field(default_factory=list)


# The rules publishing resolves: it writes the missing snapshot or the new version.
PUBLISH_RESOLVES = frozenset({"unpublished-change", "published-has-snapshot", "version-published"})


def _load_valid(paths: Paths, slug: str, sources_dir: Path | None, ignore: frozenset[str] = frozenset()) -> Record:
    path = paths.record(slug)
    if not path.is_file():
        raise LifecycleError(f"no metric record {paths.name(path)}; create one with 'lacat metric new {slug}'")
    record = read(path, paths.name(path))
    known = {p.stem for p in record_paths(paths)}
    problems = record_problems(record, paths, schema_validator(paths), sources_dir, known, ignore)
    if problems:
        raise LifecycleError(problems)
    return record


def _recheck(paths: Paths, record: Record, text: str, sources_dir: Path | None) -> dict[str, Any]:
    """Check the text an operation is about to write, before it is written."""
    new, problems = parse(record.path, text, paths.name(record.path))
    if new is None:
        raise LifecycleError(problems)
    known = {p.stem for p in record_paths(paths)}
    problems = record_problems(new, paths, schema_validator(paths), sources_dir, known)
    if problems:
        raise LifecycleError(problems)
    return new.data


def _refuse(paths: Paths, record: Record, field_name: str, message: str, rule: str) -> LifecycleError:
    return LifecycleError([RecordProblem(paths.name(record.path), message,
                                         line_of(record.node, [field_name]), field_name, rule)])


def new(paths: Paths, slug: str, label: str | None = None, today: date | None = None) -> Outcome:
    path = paths.record(slug)
    if path.exists():
        raise LifecycleError(f"{paths.name(path)} already exists")
    if paths.history_of(slug).exists():
        raise LifecycleError(f"{slug} was published before (see {paths.name(paths.history_of(slug))}); "
                             "choose another slug")
    text = TEMPLATE.read_text(encoding="utf-8")
    # JSON strings are valid YAML double-quoted scalars, so any label is written safely.
    text = text.replace("{slug}", slug).replace('"{label}"', json.dumps(label or "TODO: name of the metric"))
    text = text.replace("{today}", (today or date.today()).isoformat())
    with open(path, "x", encoding="utf-8") as fh:  # never overwrite, even in a race
        fh.write(text)
    return Outcome(f"created {paths.name(path)} (status draft); fill in every TODO, then run "
                   f"'lacat metric check {slug}'", [path])


def propose(paths: Paths, slug: str, sources_dir: Path | None = None) -> Outcome:
    record = _load_valid(paths, slug, sources_dir)
    if record.data["status"] != "draft":
        raise _refuse(paths, record, "status", f"only a draft can be proposed; this metric is "
                      f"{record.data['status']}", "propose-from-draft")
    text = set_field(record.text, "status", "proposed")
    _recheck(paths, record, text, sources_dir)
    _write_atomic(record.path, text)
    return Outcome(f"{slug} is proposed; record the approval with 'lacat metric approve {slug} --by NAME --on "
                   "DATE --note TEXT'", [record.path])


def approve(paths: Paths, slug: str, by: str, on: str, note: str, sources_dir: Path | None = None) -> Outcome:
    record = _load_valid(paths, slug, sources_dir)
    if record.data["status"] != "proposed":
        raise _refuse(paths, record, "status", f"only a proposed metric can be approved; this metric is "
                      f"{record.data['status']} (run 'lacat metric propose {slug}' first)", "approve-from-proposed")
    try:
        when = date.fromisoformat(on)
    except ValueError:
        raise LifecycleError(f"--on {on!r} is not a date; write it as YYYY-MM-DD") from None
    if not by.strip() or not note.strip():
        raise LifecycleError("an approval needs who approved it (--by) and a note (--note)")
    text = set_field(record.text, "approval", {"by": by.strip(), "on": when.isoformat(), "note": note.strip()})
    text = set_field(text, "status", "approved")
    _recheck(paths, record, text, sources_dir)
    _write_atomic(record.path, text)
    return Outcome(f"{slug} is approved by {by.strip()} on {when.isoformat()}; publish it with 'lacat metric "
                   f"publish {slug}'", [record.path])


def publish_problems(paths: Paths, record: Record) -> list[RecordProblem]:
    """What stops a record being published, each naming the field to fix."""
    d, name = record.data, paths.name(record.path)
    out = []
    for f in PUBLISH_NEEDS:
        value = d.get(f)
        if value is None or (isinstance(value, (str, list)) and not (value.strip() if isinstance(value, str)
                                                                     else value)):
            out.append(RecordProblem(name, f"cannot publish without {f}: add it to the record",
                                     line_of(record.node, [f] if f in d else []), f, f"publish-needs-{f}"))
    status = d.get("status")
    if status in ("draft", "proposed"):
        out.append(RecordProblem(name, f"cannot publish a {status} metric: it has no approval. Run 'lacat metric "
                                 "propose' and then 'lacat metric approve --by NAME --on DATE --note TEXT'",
                                 line_of(record.node, ["status"]), "approval", "publish-needs-approval"))
    elif status in ("retired", "superseded"):
        out.append(RecordProblem(name, f"cannot publish a {status} metric", line_of(record.node, ["status"]),
                                 "status", "publish-not-retired"))
    elif "approval" not in d and not d.get("publication_basis"):
        out.append(RecordProblem(name, "cannot publish without an approval (who, when, note)",
                                 line_of(record.node, ["status"]), "approval", "publish-needs-approval"))
    return out


def publish(paths: Paths, slug: str, note: str | None = None, on: str | None = None,
            sources_dir: Path | None = None) -> Outcome:
    path = paths.record(slug)
    if not path.is_file():
        raise LifecycleError(f"no metric record {paths.name(path)}")
    raw = read(path, paths.name(path))
    # Readiness first: its messages say what is missing in the words of the lifecycle.
    problems = publish_problems(paths, raw)
    if problems:
        raise LifecycleError(problems)
    record = _load_valid(paths, slug, sources_dir, PUBLISH_RESOLVES)
    when = date.fromisoformat(on) if on else date.today()
    d = record.data
    snaps = snapshots(paths, slug)
    folder = paths.history_of(slug)
    text = record.text
    if d["status"] == "approved" and not snaps:
        n = d["version"]
        text = set_field(text, "status", "published")
        changes = [dict(c) for c in d["changes"]]
        for c in changes:
            if c["version"] == n:
                c["date"] = when.isoformat()
                c["note"] = note.strip() if note else c["note"]
        text = set_field(text, "changes", changes, before=None)
        message = f"published {slug} version {n}"
    elif d["status"] in ("published", "approved") and not snaps:
        # A metric published before snapshots were kept: record its current version as it stands.
        n = d["version"]
        message = f"recorded {slug} version {n} as published"
    else:
        latest = load_yaml(snaps[-1].text)
        changed = changed_fields(latest, d)
        if not changed:
            return Outcome(f"{slug}: nothing to publish; the definition is the same as version {snaps[-1].version}")
        if not note or not note.strip():
            raise _refuse(paths, record, changed[0] if changed[0] in d else "version",
                          f"{', '.join(changed)} changed since version {snaps[-1].version}: a new version needs a "
                          "change note; add --note \"what changed and why\"", "version-needs-note")
        n = snaps[-1].version + 1
        text = set_field(text, "version", n)
        if d["status"] == "approved":
            text = set_field(text, "status", "published")
        changes = [*d["changes"], {"version": n, "date": when.isoformat(), "note": note.strip()}]
        text = set_field(text, "changes", changes, before=None)
        message = f"published {slug} version {n} (changed: {', '.join(changed)})"
    snap_path = folder / f"v{n}.yaml"
    if snap_path.exists():
        raise LifecycleError(f"{paths.name(snap_path)} already exists; published versions are never rewritten")
    # The check of the new text takes the new snapshot into account, so it is made in memory first.
    data = load_yaml(text)
    if data.get("version") != n or data.get("status") != "published":
        raise LifecycleError(f"internal: the record could not be updated to version {n}")
    known = {p.stem for p in record_paths(paths)}
    new_rec, parse_problems = parse(record.path, text, paths.name(record.path))
    if new_rec is None:
        raise LifecycleError(parse_problems)
    problems = record_problems(new_rec, paths, schema_validator(paths), sources_dir, known, PUBLISH_RESOLVES)
    if problems:
        raise LifecycleError(problems)
    folder.mkdir(parents=True, exist_ok=True)
    with open(snap_path, "x", encoding="utf-8") as fh:
        fh.write(text)
    with open(folder / SUMS_FILE, "a", encoding="utf-8") as fh:
        fh.write(f"{sha256_text(text)}  {snap_path.name}\n")
    if text != record.text:
        _write_atomic(record.path, text)
    return Outcome(message, [record.path, snap_path, folder / SUMS_FILE])


def retire(paths: Paths, slug: str, replaced_by: str | None, on: str | None = None,
           sources_dir: Path | None = None) -> Outcome:
    record = _load_valid(paths, slug, sources_dir)
    if record.data["status"] != "published":
        raise _refuse(paths, record, "status", f"only a published metric can be retired; this metric is "
                      f"{record.data['status']}", "retire-from-published")
    when = date.fromisoformat(on) if on else date.today()
    text = record.text
    if replaced_by:
        other = paths.record(replaced_by)
        if replaced_by == slug or not other.is_file():
            raise LifecycleError(f"--replaced-by {replaced_by!r}: no other metric record {paths.name(other)}")
        other_status = (load_yaml(other.read_text(encoding="utf-8")) or {}).get("status")
        if other_status != "published":
            raise LifecycleError(f"--replaced-by {replaced_by}: the replacement must be published first (it is "
                                 f"{other_status})")
        text = set_field(text, "replaced_by", replaced_by)
    text = set_field(text, "retired_on", when.isoformat())
    text = set_field(text, "status", "superseded" if replaced_by else "retired")
    _recheck(paths, record, text, sources_dir)
    _write_atomic(record.path, text)
    state = f"superseded by {replaced_by}" if replaced_by else "retired"
    return Outcome(f"{slug} is {state} from {when.isoformat()}; its pages and past figures stay, marked {state}",
                   [record.path])


def diff(paths: Paths, slug: str, old: int | None = None, new_: int | None = None) -> str:
    """A unified diff between two published versions (default: the latest published version and the
    record as it is now, or the previous version if nothing changed since)."""
    snaps = {s.version: s for s in snapshots(paths, slug)}
    current = paths.record(slug).read_text(encoding="utf-8")

    def text_of(n: int | None) -> tuple[str, str]:
        if n is None:
            return current, f"{slug}.yaml (working copy)"
        if n not in snaps:
            raise LifecycleError(f"{slug} has no published version {n} (published: "
                                 f"{', '.join(map(str, sorted(snaps))) or 'none'})")
        return snaps[n].text, f"{slug} version {n}"

    if old is None and new_ is None:
        if not snaps:
            return f"{slug} has no published version yet\n"
        latest = max(snaps)
        if snaps[latest].text == current and latest > 1:
            old, new_ = latest - 1, latest
        else:
            old = latest
    elif old is None:
        old = (new_ or 2) - 1
    a, a_name = text_of(old)
    b, b_name = text_of(new_)
    lines = list(difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True), a_name, b_name))
    return "".join(lines) if lines else f"no differences between {a_name} and {b_name}\n"


# --- Into the catalogue -------------------------------------------------------------------------


def public_metrics(loaded: LoadedMetrics) -> LoadedMetrics:
    """The loaded metrics reduced to those in the public catalogue, with only their rows in the
    tidy frames."""
    records = [r for r in loaded.records if r.data["status"] in PUBLIC_STATUSES]
    slugs = {r.slug for r in records}
    frames = {rel: frame[frame["metric"].isin(slugs)] for rel, frame in loaded.frames.items()}
    return LoadedMetrics(records, frames)
