"""Web workers pinned to a CPU each, the processes they start given every CPU back (core.affinity)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from core import affinity
from tests.helpers import descendants, serving

if not hasattr(os, "sched_setaffinity"):
    pytest.skip("CPU affinity is Linux only", allow_module_level=True)
ALL = frozenset(os.sched_getaffinity(0))
needs_two = pytest.mark.skipif(len(ALL) < 2, reason="pinning needs at least two CPUs")
FORK = multiprocessing.get_context("fork")


def _worker(records, report, stop) -> None:
    cpu = affinity.pin_worker(records)
    child = subprocess.Popen(["sleep", "30"])
    inherited = os.sched_getaffinity(child.pid)
    affinity.unpin(child.pid)
    report.put((os.getpid(), cpu, sorted(os.sched_getaffinity(0)), sorted(inherited),
                sorted(os.sched_getaffinity(child.pid))))
    stop.wait(30)
    child.kill()
    child.wait()


def _start(records, report) -> tuple[multiprocessing.Process, object, tuple]:
    stop = FORK.Event()
    proc = FORK.Process(target=_worker, args=(records, report, stop))
    proc.start()
    return proc, stop, report.get(timeout=30)


@needs_two
def test_live_workers_get_different_cpus_and_a_dead_ones_cpu_is_taken_again() -> None:
    records, report = affinity.claims(2), FORK.Queue()
    first, stop_first, (pid1, cpu1, mask1, inherited1, unpinned1) = _start(records, report)
    second, stop_second, (_, cpu2, mask2, _, _) = _start(records, report)
    try:
        assert cpu1 != cpu2 and {cpu1, cpu2} <= ALL
        assert mask1 == [cpu1] and mask2 == [cpu2]
        # What a worker starts inherits its one CPU until it is given every CPU back.
        assert inherited1 == [cpu1] and unpinned1 == sorted(ALL)
        stop_first.set()
        first.join(30)
        third, stop_third, (_, cpu3, mask3, _, _) = _start(records, report)
        stop_third.set()
        third.join(30)
        assert cpu3 == cpu1 and mask3 == [cpu1]
    finally:
        for stop in (stop_first, stop_second):
            stop.set()
        second.join(30)


@needs_two
def test_unpin_from_a_process_that_never_pinned_itself_changes_nothing() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        one = {min(ALL)}
        os.sched_setaffinity(child.pid, one)
        affinity.unpin(child.pid)  # this test process never pinned itself: nothing to give back
        assert os.sched_getaffinity(child.pid) == one
    finally:
        child.kill()
        child.wait()


@needs_two
def test_unpin_of_a_process_that_has_exited_is_quiet() -> None:
    records = affinity.claims(1)
    report = FORK.Queue()

    def pinned_then_unpin_dead() -> None:
        affinity.pin_worker(records)
        child = subprocess.Popen(["true"])
        child.wait()
        affinity.unpin(child.pid)  # reaped: no such process any more
        report.put("ok")

    proc = FORK.Process(target=pinned_then_unpin_dead)
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0 and report.get(timeout=5) == "ok"


def _masks(pid: int) -> set[frozenset[int]]:
    """The CPU sets of every thread of `pid`."""
    return {frozenset(os.sched_getaffinity(int(tid))) for tid in os.listdir(f"/proc/{pid}/task")}


@needs_two
def test_served_workers_are_pinned_and_their_query_processes_are_not(built_var: Path) -> None:
    env = {**os.environ, "LACAT_VAR_DIR": str(built_var), "LACAT_QUERY_WORKERS": "1"}
    with serving(env, workers=2) as (url, proc):
        # A query the guard does not prove cheap goes to a query process; new connections reach
        # both workers in time.
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        deadline = time.monotonic() + 60
        while True:
            r = requests.post(url + "/sparql", data=query, timeout=30,
                              headers={"Content-Type": "application/sparql-query",
                                       "Accept": "application/sparql-results+json"})
            assert r.status_code == 200, r.text
            below = descendants(proc.pid)
            pools = [pid for pid, cmd in below.items() if "sparql.pool" in cmd]
            if len(pools) >= 2 or time.monotonic() > deadline:
                break
        workers = [pid for pid, cmd in below.items() if "sparql.pool" not in cmd]
        assert len(workers) == 2 and pools
        worker_masks = [_masks(pid) for pid in workers]
        # Every thread of a worker (Granian's and Python's) on the same one CPU, a different one each.
        assert all(len(m) == 1 and len(next(iter(m))) == 1 for m in worker_masks), worker_masks
        assert worker_masks[0] != worker_masks[1]
        for pid in pools:
            assert _masks(pid) == {ALL}, (pid, _masks(pid))
