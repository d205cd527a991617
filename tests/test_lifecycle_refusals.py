"""Each refusal of the metric lifecycle commands names the record (or folder), the field and a
registered problem type, and writes nothing: the operations are called on a copy of the bundled
records."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from catalogue.lifecycle import operations, versions
from catalogue.lifecycle.records import LifecycleError, Paths
from core.problem_types import PROBLEM_TYPES
from core.settings import PROJECT_ROOT

PUBLISHED = "active-businesses"
# The draft is a copy of this record under another slug; the original goes, since two records may
# not read the same rows of one file.
ORIGINAL = "asc7-workforce-turnover-rate"
DRAFT = "asc-workforce-turnover"


@pytest.fixture()
def paths(tmp_path: Path) -> Paths:
    records = tmp_path / "catalogue" / "records"  # named in messages as in the repository
    shutil.copytree(PROJECT_ROOT / "catalogue" / "records", records)
    metrics = records / "metrics"
    data = yaml.safe_load((metrics / f"{ORIGINAL}.yaml").read_text(encoding="utf-8"))
    (metrics / f"{ORIGINAL}.yaml").unlink()
    shutil.rmtree(metrics / "history" / ORIGINAL)
    for key in ("approval", "publication_basis", "retired_on", "replaced_by"):
        data.pop(key, None)
    data.update({"slug": DRAFT, "status": "draft", "version": 1,
                 "changes": [{"version": 1, "date": "2026-11-01", "note": "New metric."}]})
    (metrics / f"{DRAFT}.yaml").write_text(yaml.safe_dump(data, sort_keys=False, width=10_000), encoding="utf-8")
    return Paths(records)


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _refusal(paths: Paths, operation: Callable[[], object]) -> tuple[str, str | None, str, str]:
    """(file, field, rule, message) of the one problem the operation is refused with."""
    before = _tree(paths.records_dir)
    with pytest.raises(LifecycleError) as err:
        operation()
    assert _tree(paths.records_dir) == before, "a refused operation wrote something"
    (problem,) = err.value.problems
    assert problem.rule in PROBLEM_TYPES
    assert str(err.value).endswith(f"[{problem.rule}]")
    return problem.file, problem.field, problem.rule, problem.message


def test_a_slug_that_is_not_one(paths: Paths) -> None:
    file, field, rule, message = _refusal(paths, lambda: operations.new(paths, "Turnover_Rate"))
    assert (file, field, rule) == ("catalogue/records/metrics", "slug", "metric-slug")
    assert "'Turnover_Rate' is not a metric slug" in message


def test_new_refuses_a_slug_with_a_record(paths: Paths) -> None:
    file, field, rule, _ = _refusal(paths, lambda: operations.new(paths, PUBLISHED))
    assert (file, field, rule) == (f"catalogue/records/metrics/{PUBLISHED}.yaml", "slug", "new-slug-free")


def test_new_refuses_a_slug_published_before(paths: Paths) -> None:
    (paths.metrics / f"{PUBLISHED}.yaml").unlink()
    file, field, rule, message = _refusal(paths, lambda: operations.new(paths, PUBLISHED))
    assert (file, field, rule) == (f"catalogue/records/metrics/history/{PUBLISHED}", "slug", "slug-not-reused")
    assert message.startswith(f"{PUBLISHED} was published before")


@pytest.mark.parametrize("command", ["propose", "publish"])
def test_a_command_on_a_missing_record(paths: Paths, command: str) -> None:
    file, field, rule, message = _refusal(paths, lambda: getattr(operations, command)(paths, "no-such-metric"))
    assert (file, field, rule) == ("catalogue/records/metrics/no-such-metric.yaml", None, "file-exists")
    assert "lacat metric new no-such-metric" in message


def test_approval_date_and_approver(paths: Paths) -> None:
    operations.propose(paths, DRAFT)
    record = f"catalogue/records/metrics/{DRAFT}.yaml"
    file, field, rule, message = _refusal(paths, lambda: operations.approve(paths, DRAFT, "Minister", "20/11/2026",
                                                                            "Approved."))
    assert (file, field, rule) == (record, "approval", "option-date")
    assert "--on '20/11/2026' is not a date" in message
    file, field, rule, message = _refusal(paths, lambda: operations.approve(paths, DRAFT, " ", "2026-11-20",
                                                                            "Approved."))
    assert (file, field, rule) == (record, "approval", "approval-recorded")
    assert "--by" in message


def test_publish_and_retire_dates(paths: Paths) -> None:
    record = f"catalogue/records/metrics/{PUBLISHED}.yaml"
    file, field, rule, _ = _refusal(paths, lambda: operations.retire(paths, PUBLISHED, None, on="next week"))
    assert (file, field, rule) == (record, "retired_on", "option-date")
    operations.propose(paths, DRAFT)
    operations.approve(paths, DRAFT, "Minister", "2026-11-20", "Approved after consultation.")
    file, field, rule, _ = _refusal(paths, lambda: operations.publish(paths, DRAFT, on="tomorrow"))
    assert (file, field, rule) == (f"catalogue/records/metrics/{DRAFT}.yaml", "changes", "option-date")


def test_diff_of_a_version_never_published(paths: Paths) -> None:
    file, field, rule, message = _refusal(paths, lambda: versions.diff(paths, PUBLISHED, 99))
    assert (file, field, rule) == (f"catalogue/records/metrics/history/{PUBLISHED}", "version",
                                   "published-version-exists")
    assert message.startswith(f"{PUBLISHED} has no published version 99 (published: 1")


def test_retire_needs_a_published_replacement(paths: Paths) -> None:
    record = f"catalogue/records/metrics/{PUBLISHED}.yaml"
    file, field, rule, message = _refusal(paths, lambda: operations.retire(paths, PUBLISHED, "no-such-metric"))
    assert (file, field, rule) == (record, "replaced_by", "replacement-exists")
    assert "no other metric record catalogue/records/metrics/no-such-metric.yaml" in message
    file, field, rule, message = _refusal(paths, lambda: operations.retire(paths, PUBLISHED, DRAFT))
    assert (file, field, rule) == (record, "replaced_by", "replacement-published")
    assert message.endswith("(it is draft)")


def test_a_published_snapshot_is_never_rewritten(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reached only when another process writes the snapshot between this one's checks and its
    write: the snapshot file appears after the record was read."""
    operations.propose(paths, DRAFT)
    operations.approve(paths, DRAFT, "Minister", "2026-11-20", "Approved after consultation.")
    snapshot = paths.history_of(DRAFT) / "v1.yaml"
    real = operations.snapshots

    def racing(p: Paths, slug: str):
        found = real(p, slug)
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text("written by another process\n", encoding="utf-8")
        return found

    monkeypatch.setattr(operations, "snapshots", racing)
    with pytest.raises(LifecycleError) as err:
        operations.publish(paths, DRAFT, on="2026-11-21")
    (problem,) = err.value.problems
    assert (problem.file, problem.rule) == (f"catalogue/records/metrics/history/{DRAFT}/v1.yaml", "snapshot-immutable")
    assert snapshot.read_text(encoding="utf-8") == "written by another process\n"
