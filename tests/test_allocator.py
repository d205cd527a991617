"""The query processes start with mimalloc preloaded when it is installed (core/allocator.py), and a
setting that names an allocator that is not there stops the server at start, naming the setting."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import allocator
from core.settings import Settings
from core.store import read_pointer
from sparql.jobs import Job
from sparql.pool import QueryPool
from tests.helpers import descendants
from web.app import create_app
from web.server import serve

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="LD_PRELOAD and /proc are Linux's")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    allocator.resolve.cache_clear()
    allocator.find.cache_clear()
    yield
    allocator.resolve.cache_clear()
    allocator.find.cache_clear()


def _mapped(pid: int) -> set[str]:
    """The allocator libraries mapped into process `pid`."""
    with open(f"/proc/{pid}/maps") as fh:
        return {name for line in fh for name in allocator.KNOWN if f"lib{name}" in line}


def _pool_processes() -> list[int]:
    return [pid for pid, cmd in descendants(os.getpid()).items() if "sparql.pool" in cmd]


@linux_only
def test_auto_finds_mimalloc_which_the_setup_installs() -> None:
    lib = allocator.resolve("auto")
    assert lib is not None and "mimalloc" in lib, "scripts/setup.sh --test installs libmimalloc2.0"
    assert allocator.resolve("mimalloc") == lib
    assert allocator.resolve("system") is None
    assert allocator.resolve(" System ") is None


def test_auto_falls_back_to_the_system_allocator_when_none_is_installed(monkeypatch) -> None:
    monkeypatch.setattr(allocator, "find", lambda name: None)
    assert allocator.resolve("auto") is None
    with pytest.raises(allocator.AllocatorNotFound, match="LACAT_QUERY_ALLOCATOR='jemalloc'.*not installed.*apt-get install libjemalloc2"):
        allocator.resolve("jemalloc")


def test_a_path_must_exist(tmp_path: Path) -> None:
    lib = tmp_path / "liballoc.so"
    with pytest.raises(allocator.AllocatorNotFound, match=r"LACAT_QUERY_ALLOCATOR=.*liballoc\.so.*no such file"):
        allocator.resolve(str(lib))
    lib.write_bytes(b"")
    assert allocator.resolve(str(lib)) == str(lib)


def test_preload_goes_first_and_keeps_what_was_there() -> None:
    assert allocator.preload({"A": "1"}, None) == {"A": "1"}
    assert allocator.preload({"A": "1"}, "libx.so") == {"A": "1", "LD_PRELOAD": "libx.so"}
    assert allocator.preload({"LD_PRELOAD": "liby.so"}, "libx.so") == {"LD_PRELOAD": "libx.so:liby.so"}


@linux_only
@pytest.mark.parametrize("choice", ["auto", "system"])
def test_query_processes_run_with_the_chosen_allocator(built_var: Path, choice: str) -> None:
    path = read_pointer(Settings.from_env(var_dir=built_var)).path
    before = set(_pool_processes())
    pool = QueryPool(1, threads=1, preload=allocator.resolve(choice))
    try:
        job = Job(query="SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", form="SELECT", fmt="tsv",
                  max_rows=10, count_rows=False, store_path=path)
        assert b"?n" in b"".join(pool.run(job, 60).chunks)
        started = [pid for pid in _pool_processes() if pid not in before]
        assert len(started) == 1
        assert _mapped(started[0]) == ({"mimalloc"} if choice == "auto" else set())
        assert _mapped(os.getpid()) == set()  # only the query processes: the web process is untouched
    finally:
        pool.close()


def test_a_missing_allocator_stops_the_app_and_the_server_at_start(tmp_path: Path, capsys) -> None:
    settings = Settings.from_env(var_dir=tmp_path, query_allocator=str(tmp_path / "nowhere.so"))
    with pytest.raises(allocator.AllocatorNotFound, match="LACAT_QUERY_ALLOCATOR"):
        create_app(settings)
    assert serve(settings, port=1) == 1
    assert "lacat serve: LACAT_QUERY_ALLOCATOR=" in capsys.readouterr().err
