"""Page latency as the store grows: the real pages, served by `lacat serve` (Granian, the
default workers and threads), over the real catalogue and over it plus 1M extra observations, at
concurrency 1 and 8.

The extra observations are SYNTHETIC, generated at run time and never published: random values of
made-up metrics (under http://bench.invalid/, a reserved unresolvable domain) about the real
councils and periods, loaded with a copy of the built catalogue into a temporary store. They are
typed qb:Observation with the real councils as sdmx-dimension:refArea, so any page query that
scanned a council's or a period's observations would have to wade through them; the pages fetch
what they show by minted URIs and should not slow down.

    .venv/bin/python bench/bench_pages.py --sizes 100k          # quick
    .venv/bin/python bench/bench_pages.py --sizes 1m            # the figures in docs/scaling.md

Needs a built catalogue (`lacat build`; LACAT_VAR_DIR chooses which). Prints, per page, the median
and 95th-percentile latency at concurrency 1 and the p95 at concurrency 8 on the real catalogue and
at each size, with the ratio of medians to the real one. Requests alternate between the stores'
servers, so a burst of load on the shared machine falls on every size alike.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.settings import Settings  # noqa: E402
from core.store import read_pointer  # noqa: E402

EX = "http://bench.invalid/"
QB = "http://purl.org/linked-data/cube#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
N_METRICS = 40

RECYCLING = "defra-household-recycling-rate"
PAGES = [
    ("council page (BIR)", "/doc/authority/BIR"),
    ("council page (KEN)", "/doc/authority/KEN"),
    ("metric page", f"/doc/metric/{RECYCLING}"),
    ("metric page + council", f"/doc/metric/{RECYCLING}?council=TRF"),
    ("metric values.csv", f"/doc/metric/{RECYCLING}/values.csv"),
    ("council page (TRF)", "/doc/authority/TRF"),
    ("combined authority page", "/doc/authority/GMCA"),
    ("compare page", f"/compare/{RECYCLING}/TRF"),
    ("combined authorities", f"/combined-authorities?metric={RECYCLING}"),
    ("councils list", "/authorities"),
    ("metrics list", "/metrics"),
    ("datasets list", "/datasets"),
    ("change log", "/changes"),
    ("observation page", f"/doc/observation/{RECYCLING}/TRF/2023-24"),
    ("observation .ttl", f"/doc/observation/{RECYCLING}/TRF/2023-24.ttl"),
    # A control: answered from lists held in memory, it never touches the store, so any change
    # across sizes is the machine's noise, not the store's size.
    ("search.json (control)", "/search.json?q=traf"),
]


def parse_size(text: str) -> int:
    text = text.strip().lower()
    if text.endswith("m"):
        return int(float(text[:-1]) * 1_000_000)
    if text.endswith("k"):
        return int(float(text[:-1]) * 1_000)
    return int(text)


def synthetic_nquads(n: int, authorities: list[str], periods: list[str], graph: str, seed: int = 7) -> bytes:
    """n synthetic observations as N-Quads (6 quads each), about real councils and periods."""
    rng = random.Random(seed)
    lines = []
    g = f"<{graph}>"
    for i in range(n):
        m = i % N_METRICS
        obs = f"<{EX}observation/{i}>"
        lines.append(
            f"{obs} <{RDF_TYPE}> <{QB}Observation> {g} .\n"
            f"{obs} <{QB}dataSet> <{EX}cube/{m}> {g} .\n"
            f"{obs} <{SDMX_DIM}refArea> <{rng.choice(authorities)}> {g} .\n"
            f"{obs} <{SDMX_DIM}refPeriod> <{rng.choice(periods)}> {g} .\n"
            f"{obs} <{EX}metric/{m}> \"{rng.uniform(0, 100):.3f}\"^^<http://www.w3.org/2001/XMLSchema#decimal> {g} .\n"
            f"{obs} <http://www.w3.org/2000/01/rdf-schema#comment> \"synthetic benchmark observation\" {g} .\n")
    return "".join(lines).encode()


def make_var(real: bytes, extra: int, base: str, work: Path) -> Path:
    """A var/ folder whose live store is the real catalogue plus `extra` synthetic observations."""
    var = work / f"var-{extra}"
    stores = var / "stores"
    stores.mkdir(parents=True)
    store = ox.Store(str(stores / "bench"))
    store.bulk_load(real, format=ox.RdfFormat.N_QUADS)
    if extra:
        authorities = [r["a"].value for r in store.query(
            "SELECT ?a WHERE { ?a a <https://w3id.org/lacat/def#LocalAuthority> }", use_default_graph_as_union=True)]
        periods = sorted({r["p"].value for r in store.query(
            "SELECT DISTINCT ?p WHERE { ?m <https://w3id.org/lacat/def#periodCovered> ?p }",
            use_default_graph_as_union=True)})
        t = time.perf_counter()
        store.bulk_load(synthetic_nquads(extra, authorities, periods, base + "graph/dataset/synthetic-bench"),
                        format=ox.RdfFormat.N_QUADS)
        print(f"  loaded {extra:,} synthetic observations ({extra * 6:,} quads) in {time.perf_counter() - t:.1f}s",
              flush=True)
    store.flush()
    store.optimize()
    del store
    (var / "CURRENT").write_text(json.dumps({"store": "bench", "version": f"bench-{extra}",
                                             "built_at": time.time()}), encoding="utf-8")
    return var


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(var: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "LACAT_VAR_DIR": str(var)}
    out = open(log, "wb")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server for {var.name} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            requests.get(url + "/search.json?q=a", timeout=5)
            return proc, url
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit(f"the server for {var.name} did not start")


def _get(session: requests.Session, url: str) -> float:
    t = time.perf_counter()
    r = session.get(url, timeout=60)
    elapsed = (time.perf_counter() - t) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{url} answered {r.status_code}")
    return elapsed


def _stats(ts: list[float]) -> tuple[float, float]:
    ts = sorted(ts)
    return statistics.median(ts), ts[min(len(ts) - 1, int(len(ts) * 0.95))]


def measure(servers: dict[int, str], repeat: int, concurrency: int) -> dict[int, dict[str, tuple[float, float, float]]]:
    """(median, p95) at concurrency 1 and p95 at `concurrency`, per page and store."""
    session = requests.Session()
    local = threading.local()

    def fetch(url: str) -> float:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return _get(local.session, url)

    with ThreadPoolExecutor(concurrency) as pool:
        # Warm-up, concurrent so that every server worker computes its per-build values.
        for url in servers.values():
            for _, path in PAGES:
                list(pool.map(fetch, [url + path] * concurrency * 2))
    one: dict[int, dict[str, list[float]]] = {extra: {name: [] for name, _ in PAGES} for extra in servers}
    many: dict[int, dict[str, list[float]]] = {extra: {name: [] for name, _ in PAGES} for extra in servers}
    for _ in range(repeat):
        for name, path in PAGES:
            for extra, url in servers.items():
                one[extra][name].append(_get(session, url + path))
    with ThreadPoolExecutor(concurrency) as pool:
        for name, path in PAGES:
            for extra, url in servers.items():
                many[extra][name] += list(pool.map(fetch, [url + path] * (repeat * 2)))
    return {extra: {name: (*_stats(one[extra][name]), _stats(many[extra][name])[1]) for name, _ in PAGES}
            for extra in servers}


def count_observations(var: Path) -> int:
    store = ox.Store.read_only(str(var / "stores" / "bench"))
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }",
                            use_default_graph_as_union=True))
    return int(rows[0]["n"].value)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1m", help="extra synthetic observations, comma-separated (100k,1m)")
    ap.add_argument("--repeat", type=int, default=20, help="timed requests per page at concurrency 1")
    ap.add_argument("--concurrency", type=int, default=8, help="clients at once for the second measurement")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    info = read_pointer(settings)
    real = ox.Store.read_only(info.path).dump(format=ox.RdfFormat.N_QUADS) or b""
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(tempfile.mkdtemp(prefix="lacat-bench-pages-"))
    observations: dict[int, int] = {}
    procs: list[subprocess.Popen] = []
    try:
        servers = {}
        for extra in [0, *sizes]:
            print(f"store: real catalogue + {extra:,} synthetic observations", flush=True)
            var = make_var(real, extra, settings.base_uri, work)
            observations[extra] = count_observations(var)
            proc, servers[extra] = start_server(var, work / f"server-{extra}.log")
            procs.append(proc)
        print(f"measuring {len(PAGES)} pages: {args.repeat} requests each at c=1, {args.repeat * 2} at "
              f"c={args.concurrency}, alternating between the stores", flush=True)
        results = measure(servers, args.repeat, args.concurrency)
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    c = args.concurrency
    print(f"\nlatency in ms: median / p95 at c=1, p95 at c={c}; ratio of medians to the real catalogue\n")
    print("| page | " + " | ".join(f"{observations[s]:,} obs: c=1 | c={c} p95" for s in results) + " |")
    print("|---|" + "---:|---:|" * len(results))
    for name, _ in PAGES:
        cells = []
        for res in results.values():
            med, p95, p95_many = res[name]
            ratio = med / results[0][name][0]
            cells += [f"{med:.1f} / {p95:.1f} ({ratio:.2f}x)", f"{p95_many:.1f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
