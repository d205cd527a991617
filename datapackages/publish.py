"""Builds every package from a store into a new folder, validates each with Frictionless, and only
then switches the live packages to it (docs/data-packages.md, like docs/decisions/0001).

Layout under {var}/packages/: one folder per packaging run, and `CURRENT`, a small JSON file naming
the live one, replaced with os.replace (atomic). A run that fails leaves a `building-*` folder that
the next successful run removes; the live packages are untouched.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from frictionless import validate

from core.settings import Settings
from core.staging import promote, prune, staging_folder, write_pointer
from core.store import LiveStore, Store
from datapackages.content import Content, PackageSpec, PackagingError, package_specs, read_content
from datapackages.writer import finish_package, write_package

INDEX = "index.json"
# Report keys that hold timings: dropped so that the stored report is the same on every run.
_VOLATILE = {"time", "seconds"}


def packages_root(settings: Settings) -> Path:
    return settings.var_dir / "packages"


def current_folder(settings: Settings) -> Path | None:
    """The folder of the live packages, or None if none have been built."""
    root = packages_root(settings)
    try:
        data = json.loads((root / "CURRENT").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = root / str(data.get("folder", ""))
    return folder if data.get("folder") and folder.is_dir() else None


def read_index(settings: Settings) -> dict[str, Any] | None:
    folder = current_folder(settings)
    if folder is None:
        return None
    try:
        return json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _clean(report: Any, staging: str) -> Any:
    if isinstance(report, dict):
        return {k: _clean(v, staging) for k, v in report.items() if k not in _VOLATILE}
    if isinstance(report, list):
        return [_clean(v, staging) for v in report]
    if isinstance(report, str) and staging in report:
        return report.replace(staging, "")
    return report


def validate_package(folder: Path, label: str) -> dict[str, Any]:
    """Validate with Frictionless; raise PackagingError naming file, row and field of each error.

    `label` is the package's folder relative to the packages root, used in messages."""
    report = validate(str(folder / "datapackage.json"))
    if not report.valid:
        problems = []
        for task in report.tasks:
            for err in task.errors:
                row = getattr(err, "row_number", None)
                fld = getattr(err, "field_name", None)
                where = f"{label}/{task.name}.csv" if task.name else f"{label}/datapackage.json"
                problems.append(f"{where}" + (f", row {row}" if row else "") + (f", field {fld}" if fld else "")
                                + f": {err.type}: {err.note or err.message}")
        for err in report.errors:
            problems.append(f"{label}/datapackage.json: {err.type}: {err.note or err.message}")
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        raise PackagingError(f"package {label} failed validation with {len(problems)} error(s):\n{shown}")
    return _clean(report.to_descriptor(), str(folder) + os.sep)


def _validate_one(args: tuple[str, str]) -> dict[str, Any]:
    root, label = args
    return validate_package(Path(root) / label, label)


def _pool(workers: int, initializer: Callable[..., None] | None = None,
          initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("spawn")  # no forked copy of the open store in the workers
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=initializer, initargs=initargs)


def _workers(jobs: int) -> int:
    """Worker processes for `jobs` packages: one per core (at most 4), none for a handful."""
    workers = max(1, min(4, os.cpu_count() or 1))
    return 1 if jobs < 8 else workers


def validate_all(root: Path, labels: list[str]) -> dict[str, dict[str, Any]]:
    """Validate many packages, in worker processes. The first failure stops the run."""
    jobs = [(str(root), label) for label in labels]
    if _workers(len(jobs)) == 1:
        return {label: _validate_one(job) for job, label in zip(jobs, labels, strict=True)}
    with _pool(_workers(len(jobs))) as pool:
        return dict(zip(labels, pool.map(_validate_one, jobs, chunksize=8), strict=True))


# The catalogue's content in a packaging worker, sent once when the worker starts rather than with
# every package.
_content: Content | None = None


def _hold_content(content: Content | None) -> None:
    global _content
    _content = content


def _package_one(args: tuple[str, PackageSpec]) -> dict[str, Any]:
    root, spec = args
    assert _content is not None, "the worker was started without the catalogue's content"
    desc = write_package(_content, spec, Path(root))[1]
    report = validate_package(Path(root) / spec.folder, spec.folder)
    return finish_package(_content, spec, Path(root), desc, report)


def package_all(content: Content, root: Path, specs: list[PackageSpec]) -> list[dict[str, Any]]:
    """Write, validate, and then add the report and workbook to and zip each package; returns the
    index entries in the order of `specs`. Each package is made whole in one worker process: the
    workbook and the zip cost about three times the validation, and run one after another in one
    process they were most of the packaging time. The first failure stops the run."""
    jobs = [(str(root), spec) for spec in specs]
    if _workers(len(jobs)) == 1:
        _hold_content(content)
        try:
            return [_package_one(job) for job in jobs]
        finally:
            _hold_content(None)
    with _pool(_workers(len(jobs)), _hold_content, (content,)) as pool:
        return list(pool.map(_package_one, jobs, chunksize=4))


def build_packages(store: Store, settings: Settings, out: Path, log: Callable[[str], None] = print,
                   only: Callable[[PackageSpec], bool] | None = None) -> dict[str, Any]:
    """Write and validate every package under `out`; returns the index (also written to out/index.json)."""
    t0 = time.perf_counter()
    content: Content = read_content(store, settings.base_uri)
    log(f"      read {len(content.observations):,} observations, {len(content.authorities)} authorities, "
        f"{len(content.metrics)} metrics in {time.perf_counter() - t0:.1f}s")
    specs = [s for s in package_specs(content) if only is None or only(s)]
    t1 = time.perf_counter()
    entries = package_all(content, out, specs)
    counts: dict[str, int] = {}
    for e in entries:
        counts[e["kind"]] = counts.get(e["kind"], 0) + 1
    index = {"version": content.version, "created": content.created, "packages": entries}
    (out / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum(e["zip_bytes"] for e in entries)
    log(f"      {len(entries)} packages ({', '.join(f'{n} {k}' for k, n in sorted(counts.items()))}), "
        f"{total / 1e6:.1f} MB zipped, written and validated in {time.perf_counter() - t1:.1f}s")
    return index


class StagedPackages:
    """Packages built into a `building-*` folder, waiting to be switched live (or abandoned)."""

    def __init__(self, settings: Settings, tag: str) -> None:
        self.settings = settings
        self.root = packages_root(settings)
        self.path = staging_folder(self.root, f"{tag}-{time.time_ns()}-{os.getpid()}")

    def publish(self) -> Path:
        final = promote(self.path)
        write_pointer(self.root / "CURRENT", {"folder": final.name})
        # The live folder and its predecessor stay: a download in progress may still read it.
        prune(self.root, keep={final.name})
        return final

    def abandon(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def stage_packages(store: Store, settings: Settings, log: Callable[[str], None] = print) -> StagedPackages:
    """Build and validate every package into a new folder; on any failure nothing is left behind."""
    staged = StagedPackages(settings, store.info.version)
    try:
        build_packages(store, settings, staged.path, log=log)
    except BaseException:
        staged.abandon()
        raise
    return staged


def package_live_store(settings: Settings, log: Callable[[str], None] = print) -> Path:
    """`lacat package`: rebuild the packages from the live store and switch to them."""
    store = LiveStore(settings).current()
    staged = stage_packages(store, settings, log=log)
    return staged.publish()
