"""Faults of the running server: a server killed with SIGKILL starts again cleanly on the same
var/ and serves the same version; a build while the server is serving switches it to the new
version without a single failed request.

Killed builds, unopenable stores and dump/restore are in tests/test_store_faults.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from core.settings import PROJECT_ROOT, Settings
from core.store import read_pointer
from tests.helpers import copy_var, descendants, free_port, small_records, start_server, stop_server

BUILD_ID = "SELECT ?id WHERE { GRAPH ?g { ?b <https://w3id.org/lacat/def#buildId> ?id } }"


def served_build(base: str) -> str:
    r = requests.get(base + "/sparql", params={"query": BUILD_ID}, timeout=60,
                     headers={"Accept": "application/sparql-results+json"})
    r.raise_for_status()
    [row] = r.json()["results"]["bindings"]
    return row["id"]["value"]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _own_copy(built_var: Path, tmp_path: Path) -> tuple[Settings, dict[str, str], int, str]:
    """A copy of the built catalogue for a test that changes it: its settings, the environment
    of a server over it, a free port and that server's base URL."""
    var = copy_var(built_var, tmp_path / "var")
    port = free_port()
    return (Settings.from_env(var_dir=var), {**os.environ, "LACAT_VAR_DIR": str(var)}, port,
            f"http://127.0.0.1:{port}")


@pytest.mark.slow
def test_server_killed_with_sigkill_restarts_cleanly(built_var: Path, tmp_path: Path) -> None:
    settings, env, port, base = _own_copy(built_var, tmp_path)
    first = start_server(env, port)
    try:
        before = served_build(base)
        assert before == read_pointer(settings).version
        children = set(descendants(first.pid))
        assert children, "the workers run below the server process"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        # Orphaned workers notice their parent is gone and exit: nothing keeps serving or holds the port.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (any(alive(p) for p in children) or not port_free(port)):
            time.sleep(0.5)
        assert not [p for p in children if alive(p)], "workers outlived the killed server"
        assert port_free(port)
    finally:
        if first.poll() is None:
            first.kill()
    second = start_server(env, port)
    try:
        assert served_build(base) == before
        r = requests.get(base + "/doc/authority/BIR", timeout=60)
        assert r.status_code == 200 and "Birmingham" in r.text
    finally:
        stop_server(second)


@pytest.mark.slow
def test_build_while_serving_switches_without_errors(built_var: Path, tmp_path: Path) -> None:
    """Pages and SPARQL are polled for the whole of a real `lacat build`; every answer is a 200,
    and once the build has switched the pointer the server serves the new version. The build reads
    a smaller records folder (every step and check, a fifth of the time): the pages polled are in
    both catalogues."""
    settings, env, port, base = _own_copy(built_var, tmp_path)
    env["LACAT_RECORDS_DIR"] = str(small_records(tmp_path / "records"))
    server = start_server(env, port)
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    versions: list[str] = []
    done = threading.Event()

    def poll() -> None:
        paths = ["/", "/doc/authority/BIR", "/doc/metric/asc1-carer-quality-of-life", "/authorities.json"]
        i = 0
        while not done.is_set() and i < 5000:  # bounded even if the build hangs
            try:
                r = requests.get(base + paths[i % len(paths)], timeout=60)
                statuses[r.status_code] += 1
                if r.status_code != 200:
                    failures.append(f"{paths[i % len(paths)]}: {r.status_code}")
                versions.append(served_build(base))
            except requests.RequestException as exc:
                failures.append(f"{paths[i % len(paths)]}: {type(exc).__name__}")
            i += 1
            time.sleep(0.2)

    try:
        before = served_build(base)
        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        build = subprocess.run([sys.executable, "-m", "cli.main", "build", "--no-packages"], env=env, cwd=PROJECT_ROOT,
                               capture_output=True, text=True, timeout=1200)
        assert build.returncode == 0, build.stderr[-2000:]
        after = read_pointer(settings).version
        assert after != before
        # LiveStore re-reads the pointer at most once a second: allow a few.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not versions or versions[-1] != after):
            time.sleep(0.5)
        done.set()
        poller.join(timeout=120)
        assert not failures, failures[:20]
        assert statuses[200] >= 20, statuses
        assert versions[0] == before and versions[-1] == after
        # The switch is one step: never back to the old version once the new one has been seen.
        assert versions[versions.index(after):] == [after] * (len(versions) - versions.index(after))
    finally:
        done.set()
        stop_server(server)
