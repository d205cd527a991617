"""Guard rails of the metric records: `lacat metric check` passes over every record in the
repository (CI runs this), the pre-commit hook checks what is staged, record edits keep the
maintainer's layout, and the build loads only published metrics."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import yaml

from catalogue.lifecycle import editing, records, versions
from catalogue.lifecycle.public import public_metrics
from core.settings import PROJECT_ROOT


def test_every_record_in_the_repository_passes_check() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LACAT_RECORDS_DIR"}
    result = subprocess.run([sys.executable, "-m", "cli.main", "metric", "check"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    n = len(list((PROJECT_ROOT / "catalogue" / "records" / "metrics").glob("*.yaml")))
    assert f"{n} record(s) checked: no problems" in result.stdout


def test_every_published_record_has_its_versions_recorded() -> None:
    paths = records.Paths(PROJECT_ROOT / "catalogue" / "records")
    for path in records.record_paths(paths):
        data = yaml.safe_load(path.read_text("utf-8"))
        if data["status"] in records.PUBLIC_STATUSES:
            published = [s.version for s in versions.snapshots(paths, path.stem)]
            assert published == list(range(1, data["version"] + 1)), path.name


def test_set_field_keeps_the_rest_of_the_record_as_written() -> None:
    text = ("# a comment the maintainer wrote\nslug: x\ndefinition: >-\n  folded\n  text\nstatus: draft\n"
            "# changes below\nchanges:\n  - version: 1\n    date: \"2026-01-01\"\n    note: New.\n")
    out = editing.set_field(text, "status", "proposed")
    assert out == text.replace("status: draft", "status: proposed")
    out = editing.set_field(out, "approval", {"by": "A", "on": "2026-02-01", "note": "ok"})
    # 'on' is quoted: a bare on is the boolean true in YAML.
    assert "approval:\n  by: A\n  'on': '2026-02-01'\n  note: ok\n# changes below\nchanges:" in out
    assert out.startswith("# a comment the maintainer wrote\nslug: x\ndefinition: >-\n  folded\n  text\n")
    assert yaml.safe_load(out)["approval"]["on"] == "2026-02-01"


def test_build_loads_only_published_metrics() -> None:
    def rec(slug: str, status: str) -> SimpleNamespace:
        return SimpleNamespace(slug=slug, data={"status": status})

    frame = pd.DataFrame({"metric": ["a", "b", "c", "a"], "value": [1, 2, 3, 4]})
    loaded = SimpleNamespace(records=[rec("a", "published"), rec("b", "approved"), rec("c", "retired")],
                             frames={"f.csv": frame})
    public = public_metrics(loaded)
    assert [r.slug for r in public.records] == ["a", "c"]
    assert list(public.frames["f.csv"]["metric"]) == ["a", "c", "a"]


def test_pre_commit_hook_checks_staged_records(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT_ROOT / "catalogue" / "records", repo / "catalogue" / "records")
    (repo / "scripts").mkdir()
    shutil.copy(PROJECT_ROOT / "scripts" / "pre-commit", repo / "scripts" / "pre-commit")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "LACAT_PYTHON": sys.executable, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("LACAT_RECORDS_DIR", None)

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=300)

    git("init", "-q")
    git("config", "core.hooksPath", "scripts")
    git("add", ".")
    assert git("commit", "-q", "-m", "records").returncode == 0
    record = repo / "catalogue" / "records" / "metrics" / "asc1-carer-quality-of-life.yaml"
    record.write_text(record.read_text("utf-8").replace("unit: score-out-of-12", "unit: points"), encoding="utf-8")
    git("add", str(record))
    refused = git("commit", "-q", "-m", "broken unit")
    assert refused.returncode != 0
    assert "asc1-carer-quality-of-life.yaml, line 8, field 'unit': 'points' is not allowed" in refused.stderr
