"""The published versions of a metric: its immutable snapshots, their checksums, and what
changed between versions."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from catalogue.lifecycle.records import (
    NOT_DEFINITION,
    SUMS_FILE,
    Paths,
    Snapshot,
    refused,
    sha256_text,
)
from core.problems import Problem
from core.yaml_text import load_yaml


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


def snapshot_problems(paths: Paths, slug: str) -> list[Problem]:
    folder = paths.history_of(slug)
    if not folder.exists():
        return []
    out = []
    sums = read_sums(folder)
    snaps = snapshots(paths, slug)
    for f in sorted(folder.iterdir()):
        if f.name != SUMS_FILE and not re.fullmatch(r"v[1-9][0-9]*\.yaml", f.name):
            out.append(Problem.at_line(paths.name(f), "only v{n}.yaml snapshots and SHA256SUMS belong in a history "
                                     "folder", None, None, "history-layout"))
    for snap in snaps:
        name = paths.name(snap.path)
        if not snap.sha256:
            out.append(Problem.at_line(name, f"snapshot has no checksum in {SUMS_FILE}; snapshots are written only "
                                     "by 'lacat metric publish'", None, None, "snapshot-recorded"))
        elif sha256_text(snap.text) != snap.sha256:
            out.append(Problem.at_line(name, "published snapshot has changed since it was published (SHA-256 differs "
                                     f"from {SUMS_FILE}); published versions are immutable: restore it from "
                                     "version control", None, None, "snapshot-immutable"))
        data = load_yaml(snap.text) if snap.text else None
        if not isinstance(data, dict) or data.get("version") != snap.version or data.get("slug") != slug:
            out.append(Problem.at_line(name, f"snapshot must be version {snap.version} of {slug}", None, "version",
                                     "snapshot-version"))
    for fname in sums:
        if not (folder / fname).is_file():
            out.append(Problem.at_line(paths.name(folder / SUMS_FILE), f"{fname} is listed but missing; published "
                                     "versions must never be deleted", None, None, "snapshot-missing"))
    numbers = [s.version for s in snaps]
    if numbers != list(range(1, len(numbers) + 1)):
        out.append(Problem.at_line(paths.name(folder), f"versions must run 1, 2, 3 ... without gaps; found "
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


def diff(paths: Paths, slug: str, old: int | None = None, new_: int | None = None) -> str:
    """A unified diff between two published versions (default: the latest published version and the
    record as it is now, or the previous version if nothing changed since)."""
    snaps = {s.version: s for s in snapshots(paths, slug)}
    current = paths.record(slug).read_text(encoding="utf-8")

    def text_of(n: int | None) -> tuple[str, str]:
        if n is None:
            return current, f"{slug}.yaml (working copy)"
        if n not in snaps:
            raise refused(paths.name(paths.history_of(slug)), f"{slug} has no published version {n} (published: "
                          f"{', '.join(map(str, sorted(snaps))) or 'none'})", "published-version-exists", "version")
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
