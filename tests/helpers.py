"""Helpers shared by several test files (tests import these, never each other): the one build of
the bundled data a test session shares, ports and servers on 127.0.0.1, screenshots, copies of a
built var/ folder, a smaller records folder to build from, the packages of the session's catalogue
and the DCAT-AP shapes."""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import requests
import yaml
from rdflib import Graph
from rdflib.namespace import SH

from catalogue.build import run_build
from core.settings import PROJECT_ROOT, Settings
from core.store import LiveStore, StoreWriter, open_embedded, read_pointer
from core.uris import Uris
from datapackages.publish import current_folder, stage_packages

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def shared_build(root: Path) -> Path:
    """A var/ folder with the catalogue built from the bundled data, made once under `root` by
    whichever test process asks first (the others wait on the lock) and then only read: each
    process copies it before changing anything."""
    var = root / "shared-build" / "var"
    done = root / "shared-build" / "built"
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "shared-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                shutil.rmtree(var, ignore_errors=True)
                var.mkdir(parents=True)
                run_build(Settings.from_env(var_dir=var), log=lambda _msg: None)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return var


def copy_built(src: Path, dest: Path) -> Path:
    """A copy of a built var/ folder to change freely (lock files of the store are left behind)."""
    shutil.copytree(src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.lock", "LOCK"))
    return dest


# A few graphs of the built catalogue, blank nodes included (the shapes, the geography's and the DCAT
# catalogue's): real triples, few enough (about 30,000) for tests of store mechanics.
SMALL_GRAPHS = ("ontology", "shapes", "geography", "frameworks", "metrics", "catalogue",
                "dataset/mhclg-housing-delivery-test", "provenance")


def small_catalogue(built: Path, dest: Path, graphs: tuple[str, ...] = SMALL_GRAPHS) -> Path:
    """A var/ folder whose live catalogue holds only `graphs` of the catalogue built in `built`,
    published the way a build publishes (a new store beside the live one, then the pointer)."""
    source = open_embedded(read_pointer(Settings.from_env(var_dir=built)))
    settings = Settings.from_env(var_dir=dest)
    uris = Uris(settings.base_uri)
    writer = StoreWriter(settings, source.info.version)
    for name in graphs:
        graph = uris.graph(name)
        data = source.raw.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph)) or b""
        assert data, f"the built catalogue has no graph {graph}"
        writer.load_graph(graph, data)
    writer.publish()
    return dest


# The source files whose metrics a small records folder keeps: Oflog's adult social care file, all
# seven of its metrics (a build refuses rows no record selects, so a file is kept whole or not at all).
SMALL_RECORD_SOURCES = frozenset({"oflog/oflog_asc_data.csv"})


def small_records(dest: Path, sources: frozenset[str] = SMALL_RECORD_SOURCES) -> Path:
    """A copy of the bundled records folder keeping only the metrics read from `sources`, their
    published history and the early-warning rules over them; everything else (datasets,
    frameworks, areas, the Single Data List) is copied whole. A build from it runs every step and
    check over the real bundled sources (of the metrics' files, only those), in about a fifth of
    the time of the whole bundle: for tests of build mechanics (the switch, killed builds, the
    lifecycle of a metric)."""
    shutil.copytree(PROJECT_ROOT / "catalogue" / "records", dest)
    kept: set[str] = set()
    for path in sorted((dest / "metrics").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if {s["file"] for s in record["sources"]} <= sources:
            kept.add(path.stem)
            continue
        path.unlink()
        shutil.rmtree(dest / "metrics" / "history" / path.stem, ignore_errors=True)
    assert kept, f"no metric record reads only {sorted(sources)}"
    for path in sorted((dest / "rules").glob("*.yaml")):
        if not set(yaml.safe_load(path.read_text(encoding="utf-8"))["metrics"]) <= kept:
            path.unlink()
    return dest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int = 1) -> subprocess.Popen:
    # The server's log goes to a file, not a pipe: an unread pipe fills after ~64 KB of access log
    # and would then block the server mid-test.
    log = tempfile.NamedTemporaryFile(prefix=f"lacat-server-{port}-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
    )
    proc.log_path = log.name  # type: ignore[attr-defined]
    log.close()
    # Generous: the first request opens the store and starts query workers, slow on a loaded machine.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = Path(log.name).read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"server exited early:\n{out[-4000:]}")
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            return proc
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start within 120 s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server has not stopped within 20 s; its log file goes."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    Path(getattr(proc, "log_path", "")).unlink(missing_ok=True)


@contextmanager
def serving(env: dict[str, str], workers: int = 1) -> Iterator[tuple[str, subprocess.Popen]]:
    """The real `lacat serve` on a free port of 127.0.0.1 with `env`: (its base URL, its process),
    stopped on leaving."""
    port = free_port()
    proc = start_server(env, port, workers)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop_server(proc)


def descendants(pid: int) -> dict[int, str]:
    """pid -> command line of every live process below `pid` (the server's workers and their
    query processes), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out: dict[int, str] = {}
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                with open(f"/proc/{child}/cmdline", "rb") as fh:
                    out[child] = fh.read().replace(b"\0", b" ").decode()
            except OSError:
                continue
            todo.append(child)
    return out


def save_screenshot(pg, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    return path


def copy_var(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


def quad_count(settings: Settings) -> int:
    return int(LiveStore(settings).current().select(COUNT)[0]["n"].value)


_PUBLISHED: dict[str, tuple[Path, float]] = {}


def published_packages(settings: Settings) -> tuple[Path, float]:
    """Package the session's catalogue once (shared by the package and download tests): the live
    packages folder and how long packaging took, in seconds."""
    key = str(settings.var_dir)
    if key not in _PUBLISHED:
        store = LiveStore(settings).current()
        t = time.perf_counter()
        stage_packages(store, settings, log=lambda _m: None).publish()
        folder = current_folder(settings)
        assert folder is not None
        _PUBLISHED[key] = (folder, time.perf_counter() - t)
    return _PUBLISHED[key]


def official_shapes() -> Graph:
    """The DCAT-AP 3.0.1 shapes as released, minus two sh:property references to shapes the file
    never defines (SEMICeu/DCAT-AP issue 448), which stop every SHACL engine from loading it."""
    shapes = Graph().parse(FIXTURES / "dcat-ap" / "dcat-ap-SHACL.ttl", format="turtle")
    dangling = [(s, p, o) for s, p, o in shapes.triples((None, SH.property, None)) if (o, None, None) not in shapes]
    assert len(dangling) == 2, "the upstream file changed: review the workaround"
    for t in dangling:
        shapes.remove(t)
    return shapes
