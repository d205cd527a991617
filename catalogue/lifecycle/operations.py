"""The lifecycle operations: new, propose, approve, publish and retire. Each computes the new
file contents and checks them before anything is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from catalogue.lifecycle.checks import record_problems
from catalogue.lifecycle.editing import set_field, write_atomic
from catalogue.lifecycle.records import (
    PUBLISH_NEEDS,
    SUMS_FILE,
    TEMPLATE,
    LifecycleError,
    Paths,
    Record,
    parse,
    read,
    record_paths,
    refused,
    schema_validator,
    sha256_text,
)
from catalogue.lifecycle.versions import changed_fields, snapshots
from core.problems import Problem
from core.yaml_records import line_of
from core.yaml_text import load_yaml


@dataclass
class Outcome:
    message: str
    written: list[Path] = field(default_factory=list)


# The rules publishing resolves: it writes the missing snapshot or the new version.
PUBLISH_RESOLVES = frozenset({"unpublished-change", "published-has-snapshot", "version-published"})


def _load_valid(paths: Paths, slug: str, sources_dir: Path | None, ignore: frozenset[str] = frozenset()) -> Record:
    path = _existing(paths, slug)
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
    # A field the record does not have yet (the approval being recorded, replaced_by) has no line.
    line = line_of(record.node, [field_name]) if field_name in record.data else None
    return refused(paths.name(record.path), message, rule, field_name, line)


def _existing(paths: Paths, slug: str) -> Path:
    path = paths.record(slug)
    if not path.is_file():
        raise refused(paths.name(path), f"no metric record for {slug}; create one with 'lacat metric new {slug}'",
                      "file-exists")
    return path


def _date(paths: Paths, record: Record, on: str | None, field_name: str) -> date:
    """The date of --on (today when it is not given)."""
    if on is None:
        return date.today()
    try:
        return date.fromisoformat(on)
    except ValueError:
        raise _refuse(paths, record, field_name, f"--on {on!r} is not a date; write it as YYYY-MM-DD",
                      "option-date") from None


def new(paths: Paths, slug: str, label: str | None = None, today: date | None = None) -> Outcome:
    path = paths.record(slug)
    if path.exists():
        raise refused(paths.name(path), f"{slug} already has a record; choose another slug or edit that record",
                      "new-slug-free", "slug")
    if paths.history_of(slug).exists():
        raise refused(paths.name(paths.history_of(slug)), f"{slug} was published before (see "
                      f"{paths.name(paths.history_of(slug))}); choose another slug", "slug-not-reused", "slug")
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
    write_atomic(record.path, text)
    return Outcome(f"{slug} is proposed; record the approval with 'lacat metric approve {slug} --by NAME --on "
                   "DATE --note TEXT'", [record.path])


def approve(paths: Paths, slug: str, by: str, on: str, note: str, sources_dir: Path | None = None) -> Outcome:
    record = _load_valid(paths, slug, sources_dir)
    if record.data["status"] != "proposed":
        raise _refuse(paths, record, "status", f"only a proposed metric can be approved; this metric is "
                      f"{record.data['status']} (run 'lacat metric propose {slug}' first)", "approve-from-proposed")
    when = _date(paths, record, on, "approval")
    if not by.strip() or not note.strip():
        raise _refuse(paths, record, "approval", "an approval needs who approved it (--by) and a note (--note)",
                      "approval-recorded")
    text = set_field(record.text, "approval", {"by": by.strip(), "on": when.isoformat(), "note": note.strip()})
    text = set_field(text, "status", "approved")
    _recheck(paths, record, text, sources_dir)
    write_atomic(record.path, text)
    return Outcome(f"{slug} is approved by {by.strip()} on {when.isoformat()}; publish it with 'lacat metric "
                   f"publish {slug}'", [record.path])


def publish_problems(paths: Paths, record: Record) -> list[Problem]:
    """What stops a record being published, each naming the field to fix."""
    d, name = record.data, paths.name(record.path)
    out = []
    for f in PUBLISH_NEEDS:
        value = d.get(f)
        if value is None or (isinstance(value, (str, list)) and not (value.strip() if isinstance(value, str)
                                                                     else value)):
            out.append(Problem.at_line(name, f"cannot publish without {f}: add it to the record",
                                     line_of(record.node, [f] if f in d else []), f, f"publish-needs-{f}"))
    status = d.get("status")
    if status in ("draft", "proposed"):
        out.append(Problem.at_line(name, f"cannot publish a {status} metric: it has no approval. Run 'lacat metric "
                                 "propose' and then 'lacat metric approve --by NAME --on DATE --note TEXT'",
                                 line_of(record.node, ["status"]), "approval", "publish-needs-approval"))
    elif status in ("retired", "superseded"):
        out.append(Problem.at_line(name, f"cannot publish a {status} metric", line_of(record.node, ["status"]),
                                 "status", "publish-not-retired"))
    elif "approval" not in d and not d.get("publication_basis"):
        out.append(Problem.at_line(name, "cannot publish without an approval (who, when, note)",
                                 line_of(record.node, ["status"]), "approval", "publish-needs-approval"))
    return out


def publish(paths: Paths, slug: str, note: str | None = None, on: str | None = None,
            sources_dir: Path | None = None) -> Outcome:
    path = _existing(paths, slug)
    raw = read(path, paths.name(path))
    # Readiness first: its messages say what is missing in the words of the lifecycle.
    problems = publish_problems(paths, raw)
    if problems:
        raise LifecycleError(problems)
    record = _load_valid(paths, slug, sources_dir, PUBLISH_RESOLVES)
    when = _date(paths, record, on, "changes")
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
        raise refused(paths.name(snap_path), f"{paths.name(snap_path)} already exists; published versions are "
                      "never rewritten", "snapshot-immutable")
    # The check of the new text takes the new snapshot into account, so it is made in memory first.
    data = load_yaml(text)
    if data.get("version") != n or data.get("status") != "published":
        raise _refuse(paths, record, "version", f"internal: the record could not be updated to version {n}",
                      "version-published")
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
        write_atomic(record.path, text)
    return Outcome(message, [record.path, snap_path, folder / SUMS_FILE])


def retire(paths: Paths, slug: str, replaced_by: str | None, on: str | None = None,
           sources_dir: Path | None = None) -> Outcome:
    record = _load_valid(paths, slug, sources_dir)
    if record.data["status"] != "published":
        raise _refuse(paths, record, "status", f"only a published metric can be retired; this metric is "
                      f"{record.data['status']}", "retire-from-published")
    when = _date(paths, record, on, "retired_on")
    text = record.text
    if replaced_by:
        other = paths.record(replaced_by)
        if replaced_by == slug or not other.is_file():
            raise _refuse(paths, record, "replaced_by", f"--replaced-by {replaced_by!r}: no other metric record "
                          f"{paths.name(other)}", "replacement-exists")
        other_status = (load_yaml(other.read_text(encoding="utf-8")) or {}).get("status")
        if other_status != "published":
            raise _refuse(paths, record, "replaced_by", f"--replaced-by {replaced_by}: the replacement must be "
                          f"published first (it is {other_status})", "replacement-published")
        text = set_field(text, "replaced_by", replaced_by)
    text = set_field(text, "retired_on", when.isoformat())
    text = set_field(text, "status", "superseded" if replaced_by else "retired")
    _recheck(paths, record, text, sources_dir)
    write_atomic(record.path, text)
    state = f"superseded by {replaced_by}" if replaced_by else "retired"
    return Outcome(f"{slug} is {state} from {when.isoformat()}; its pages and past figures stay, marked {state}",
                   [record.path])
