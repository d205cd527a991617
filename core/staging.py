"""Publishing a folder atomically: build it under a `building-*` name beside the live ones, rename
it into place, switch a pointer file with one `os.replace`, then prune what readers no longer need.

Used by the catalogue store (core/store.py), the restricted store of each build (catalogue/flags.py)
and the data packages (datapackages/publish.py). A run killed half-way leaves only a `building-*`
folder, which the next successful run removes; readers see either the old folder or the new one.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

STAGING_PREFIX = "building-"


def staging_folder(root: Path, tag: str, create: bool = True) -> Path:
    """A fresh `building-{tag}` folder under `root`; a leftover of the same tag is removed first.
    `create=False` leaves the folder for its writer to make (a RocksDB checkpoint must make its own)."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{STAGING_PREFIX}{tag}"
    if path.exists():
        shutil.rmtree(path)
    if create:
        path.mkdir()
    return path


def write_pointer(path: Path, content: Mapping[str, object]) -> None:
    """Replace a small JSON pointer file in one step, synced to disk before it becomes visible."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(content), encoding="utf-8")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def promote(staging: Path, overwrite: bool = False) -> Path:
    """Rename a staging folder to its final name (the name without `building-`); returns that path.
    `overwrite` first removes a finished folder of the same name (a rebuilt restricted store)."""
    final = staging.with_name(staging.name.removeprefix(STAGING_PREFIX))
    if overwrite:
        shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    return final


def prune(root: Path, keep: set[str], recent: int = 2,
          still_needed: Callable[[Path], bool] | None = None) -> None:
    """Remove every folder under `root` but those named in `keep`, the `recent` newest finished ones
    (a reader that opened the previous folder may still be reading it) and finished ones
    `still_needed` says are in use. `building-*` leftovers of killed runs always go."""
    folders = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    finished = [p for p in folders if not p.name.startswith(STAGING_PREFIX)]
    kept = set(keep) | ({p.name for p in finished[-recent:]} if recent > 0 else set())
    for p in folders:
        if p.name in kept:
            continue
        if not p.name.startswith(STAGING_PREFIX) and still_needed is not None and still_needed(p):
            continue
        shutil.rmtree(p, ignore_errors=True)
