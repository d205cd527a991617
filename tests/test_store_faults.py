"""Faults: killed builds, unopenable stores, and dump/restore round trips lose nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from cli.store import dump, restore
from core.settings import PROJECT_ROOT, Settings
from core.store import StoreUnavailable, open_embedded, read_pointer
from tests.helpers import copy_var, quad_count, small_catalogue, small_records
from web.app import create_app


def test_dump_restore_round_trip(built_var: Path, tmp_path: Path) -> None:
    var = small_catalogue(built_var, tmp_path / "var")
    settings = Settings.from_env(var_dir=var)
    first = tmp_path / "first.nq"
    n = dump(settings, first)
    assert n == quad_count(settings) > 0
    before = read_pointer(settings).version
    restored = restore(settings, first)
    assert restored == n
    assert read_pointer(settings).version != before, "restore must switch to a new store"
    second = tmp_path / "second.nq"
    assert dump(settings, second) == n
    # Blank node labels differ between the two stores: compare the datasets after pyoxigraph has
    # relabelled their blank nodes canonically (by the structure around each one).
    assert canonical(first) == canonical(second), "the dataset changed in the round trip"


def canonical(path: Path) -> set[ox.Quad]:
    dataset = ox.Dataset(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return set(dataset)


def test_restore_of_a_broken_dump_changes_nothing(built_var: Path, tmp_path: Path) -> None:
    var = copy_var(built_var, tmp_path / "var")
    settings = Settings.from_env(var_dir=var)
    before = read_pointer(settings).version
    bad = tmp_path / "bad.nq"
    bad.write_text('<http://a> <http://b> "unterminated .\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "cli.main", "restore", str(bad)], capture_output=True,
                            text=True, env={**os.environ, "LACAT_VAR_DIR": str(var)})
    assert result.returncode == 1
    assert "bad.nq" in result.stderr and "not changed" in result.stderr
    assert read_pointer(settings).version == before
    assert not any(p.name.startswith("building-") for p in settings.stores_dir.iterdir())


def test_unopenable_store_gives_clear_message(built_var: Path, tmp_path: Path) -> None:
    var = copy_var(built_var, tmp_path / "var")
    settings = Settings.from_env(var_dir=var)
    info = read_pointer(settings)
    shutil.rmtree(info.path)
    Path(info.path).mkdir()
    (Path(info.path) / "CURRENT").write_text("garbage", encoding="utf-8")
    with pytest.raises(StoreUnavailable, match="cannot be opened"):
        open_embedded(info)

    client = create_app(settings).test_client()
    response = client.get("/doc/authority/BIR.ttl")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "cannot be opened" in body
    assert str(tmp_path) not in body and "Traceback" not in body


def test_missing_pointer_says_build_first(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="lacat build"):
        read_pointer(Settings.from_env(var_dir=tmp_path))


@pytest.mark.slow
def test_killed_builds_leave_the_live_catalogue_serving(built_var: Path, tmp_path: Path) -> None:
    var = copy_var(built_var, tmp_path / "var")
    settings = Settings.from_env(var_dir=var)
    pointer_before = settings.current_pointer.read_text(encoding="utf-8")
    count_before = quad_count(settings)
    # Builds from a smaller records folder: the same steps and checks, so the kills fall at the same
    # points, and the build that finishes takes a fifth of the time of the whole bundle's.
    env = {**os.environ, "LACAT_VAR_DIR": str(var), "LACAT_RECORDS_DIR": str(small_records(tmp_path / "records"))}
    for delay in (0.3, 1.5, 4.0):
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "build", "--no-packages"], env=env, cwd=PROJECT_ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.returncode == 0:
            # The build finished before the kill: that is a normal switch, not a fault to check.
            pointer_before = settings.current_pointer.read_text(encoding="utf-8")
            count_before = quad_count(settings)
            continue
        assert settings.current_pointer.read_text(encoding="utf-8") == pointer_before
        assert quad_count(Settings.from_env(var_dir=var)) == count_before
    done = subprocess.run([sys.executable, "-m", "cli.main", "build", "--no-packages"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(settings.current_pointer.read_text(encoding="utf-8"))["version"] != json.loads(pointer_before)[
        "version"]
    assert not any(p.name.startswith("building-") for p in settings.stores_dir.iterdir()), "leftovers pruned"
    assert quad_count(Settings.from_env(var_dir=var)) > 0
