"""SPARQL endpoint benchmark: our /sparql (under `lacat serve`) against the Oxigraph server and
in-process pyoxigraph, on the same data and query mix, measured in one run.

The data is SYNTHETIC, generated at run time (random values for made-up councils and metrics):
it only gives the engines realistic shapes and volumes to work on, and is never published.

    .venv/bin/python bench/bench_sparql.py --sizes 100k          # quick
    .venv/bin/python bench/bench_sparql.py --sizes 100k,1m       # the full run
    .venv/bin/python bench/bench_sparql.py --sizes 1m --kinds describe --requests 200 --mix-requests 10
                                          # one kind, more samples (fast kinds vary by tenths of a ms)
    .venv/bin/python bench/bench_sparql.py --sizes 1m --oxigraph-allocator
                                          # and the Oxigraph server with our query processes' allocator

For every query of the mix it prints the median and 95th-percentile latency at concurrency 1,
the throughput at concurrency 8, and the ratios ours / Oxigraph server and ours / in-process.
Uncached figures use POST (never cached); the cached figure repeats one identical GET.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import allocator  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.store import StoreWriter, read_pointer  # noqa: E402

EX = "http://bench.invalid/"  # a reserved, unresolvable domain: nobody mistakes this for real data
GRAPH = EX + "graph/synthetic"
N_AUTHORITIES = 350
N_METRICS = 40
PERIODS = [f"{y}-{(y + 1) % 100:02d}" for y in range(2000, 2025)]
PREFIX = f"PREFIX ex: <{EX}def#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

N_COMBINED = 12  # synthetic combined authorities of 8 member councils each
CA_MEMBERS = 8
OBS = "?o ex:metric <" + EX + "metric/{m}> ; "

# (name, query template): the kinds of question the endpoint is asked. {a} an authority number,
# {m} a metric, {p} a period, {ca} a combined authority, {near} 16 authorities (a council and 15
# neighbours) for VALUES, {i} an observation number, {d} a digit.
QUERIES: list[tuple[str, str]] = [
    ("council time series", PREFIX + "SELECT ?period ?value WHERE { " + OBS
     + "ex:authority <" + EX + "authority/{a}> ; ex:period ?period ; ex:value ?value } ORDER BY ?period"),
    ("league table", PREFIX + "SELECT ?authority ?label ?value WHERE { " + OBS
     + "ex:period \"{p}\" ; ex:authority ?authority ; ex:value ?value . ?authority rdfs:label ?label } "
     "ORDER BY DESC(?value) ?label"),
    ("council and 15 neighbours", PREFIX + "SELECT ?authority ?value WHERE { VALUES ?authority { {near} } "
     + OBS + "ex:period \"{p}\" ; ex:authority ?authority ; ex:value ?value } ORDER BY ?authority"),
    ("council profile", PREFIX + "SELECT ?metric ?label ?value WHERE { ?o ex:authority <" + EX
     + "authority/{a}> ; ex:period \"{p}\" ; ex:metric ?metric ; ex:value ?value . ?metric rdfs:label ?label } "
     "ORDER BY ?label"),
    ("combined authority aggregate", PREFIX + "SELECT (COUNT(?v) AS ?n) (AVG(?v) AS ?mean) (MIN(?v) AS ?min) "
     "(MAX(?v) AS ?max) WHERE { <" + EX + "ca/{ca}> ex:member ?authority . " + OBS
     + "ex:period \"{p}\" ; ex:authority ?authority ; ex:value ?v }"),
    ("label search", PREFIX + "SELECT ?authority ?label WHERE { ?authority a ex:Authority ; rdfs:label ?label . "
     "FILTER(CONTAINS(LCASE(?label), \"council 1{d}\")) } ORDER BY ?label"),
    ("describe", "DESCRIBE <" + EX + "obs/{i}>"),
    ("count", PREFIX + "SELECT (COUNT(*) AS ?n) WHERE { " + OBS + "ex:period \"{p}\" }"),
]
MIX_BLOCK = 5  # queries of each kind per block of the whole mix (a block takes about 2 s a target)
JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


def parse_size(text: str) -> int:
    text = text.strip().lower()
    if text.endswith("m"):
        return int(float(text[:-1]) * 1_000_000)
    if text.endswith("k"):
        return int(float(text[:-1]) * 1_000)
    return int(text)


def synthetic_ntriples(n_obs: int, path: Path, seed: int = 1) -> int:
    """Write n_obs synthetic observations (5 triples each) plus authorities and metrics."""
    rng = random.Random(seed)
    xsd_dec = "<http://www.w3.org/2001/XMLSchema#decimal>"
    lines = 0
    with open(path, "w", encoding="utf-8") as out:
        for a in range(N_AUTHORITIES):
            out.write(f"<{EX}authority/{a}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}def#Authority> .\n")
            out.write(f"<{EX}authority/{a}> <http://www.w3.org/2000/01/rdf-schema#label> \"Council {a}\" .\n")
            lines += 2
        for m in range(N_METRICS):
            out.write(f"<{EX}metric/{m}> <http://www.w3.org/2000/01/rdf-schema#label> \"Metric {m}\" .\n")
            lines += 1
        for ca in range(N_COMBINED):
            for j in range(CA_MEMBERS):
                out.write(f"<{EX}ca/{ca}> <{EX}def#member> <{EX}authority/{ca * CA_MEMBERS + j}> .\n")
                lines += 1
        i = 0
        while i < n_obs:
            for m in range(N_METRICS):
                for a in range(N_AUTHORITIES):
                    if i >= n_obs:
                        break
                    p = PERIODS[(i // (N_METRICS * N_AUTHORITIES)) % len(PERIODS)]
                    o = f"<{EX}obs/{i}>"
                    out.write(f"{o} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}def#Observation> .\n"
                              f"{o} <{EX}def#metric> <{EX}metric/{m}> .\n"
                              f"{o} <{EX}def#authority> <{EX}authority/{a}> .\n"
                              f"{o} <{EX}def#period> \"{p}\" .\n"
                              f"{o} <{EX}def#value> \"{rng.uniform(0, 1000):.2f}\"^^{xsd_dec} .\n")
                    lines += 5
                    i += 1
    return lines


def instance(template: str, rng: random.Random, n_obs: int) -> str:
    periods_present = max(1, min(len(PERIODS), -(-n_obs // (N_METRICS * N_AUTHORITIES))))
    near = " ".join(f"<{EX}authority/{a}>" for a in rng.sample(range(N_AUTHORITIES), 16))
    return (template.replace("{a}", str(rng.randrange(N_AUTHORITIES)))
            .replace("{m}", str(rng.randrange(N_METRICS)))
            .replace("{p}", PERIODS[rng.randrange(periods_present)])
            .replace("{ca}", str(rng.randrange(N_COMBINED)))
            .replace("{near}", near)
            .replace("{i}", str(rng.randrange(n_obs)))
            .replace("{d}", str(rng.randrange(10))))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({url})")
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"server did not start: {url}")


# ---------------------------------------------------------------------------------------------
# Targets: each is a function query -> response bytes, safe to call from many threads


def inprocess_target(store_path: str) -> Callable[[str, bool], bytes]:
    store = ox.Store.read_only(store_path)

    def run(query: str, cached: bool) -> bytes:
        result = store.query(query, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryTriples):
            return result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        return result.serialize(format=ox.QueryResultsFormat.JSON) or b""

    return run


def http_target(url: str) -> Callable[[str, bool], bytes]:
    local = threading.local()

    def run(query: str, cached: bool) -> bytes:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        accept = NTRIPLES if query.startswith("DESCRIBE") else JSON
        if cached:
            r = session.get(url, params={"query": query}, headers={"Accept": accept}, timeout=120)
        else:
            r = session.post(url, data=query.encode(), timeout=120,
                             headers={"Content-Type": "application/sparql-query", "Accept": accept})
        if r.status_code != 200:
            raise RuntimeError(f"{url}: {r.status_code} {r.text[:200]}")
        return r.content

    return run


def latencies(run: Callable[[str, bool], bytes], queries: list[str], cached: bool = False) -> list[float]:
    out = []
    for q in queries:
        t = time.perf_counter()
        run(q, cached)
        out.append(time.perf_counter() - t)
    return out


def throughput(run: Callable[[str, bool], bytes], queries: list[str], workers: int, cached: bool = False) -> float:
    t = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda q: run(q, cached), queries))
    return len(queries) / (time.perf_counter() - t)


def bench_size(n_obs: int, args: argparse.Namespace, work: Path) -> list[str]:
    report: list[str] = []
    say = lambda line="": (print(line, flush=True), report.append(line))  # noqa: E731
    say(f"## {n_obs:,} synthetic observations")
    nt = work / f"synthetic-{n_obs}.nt"
    t = time.perf_counter()
    triples = synthetic_ntriples(n_obs, nt)
    var = work / f"var-{n_obs}"
    settings = Settings.from_env(var_dir=var)
    writer = StoreWriter(settings, f"synthetic-{n_obs}")
    writer.store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(GRAPH))
    writer.publish()
    nt.unlink()
    store_path = read_pointer(settings).path
    say(f"generated and loaded {triples:,} triples in {time.perf_counter() - t:.0f} s")

    oxi_port, our_port, alloc_port = free_port(), free_port(), free_port()
    oxi_exe = shutil.which("oxigraph", path=str(ROOT / ".venv" / "bin")) or "oxigraph"

    def oxigraph(port: int, env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen([oxi_exe, "serve-read-only", "--location", store_path, "--bind",
                                 f"127.0.0.1:{port}", "--union-default-graph"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    oxi = oxigraph(oxi_port)
    # Our query processes start with mimalloc preloaded (core/allocator.py); the Oxigraph server
    # as shipped uses the system allocator. --oxigraph-allocator adds it with ours, to show what
    # the allocator alone is worth.
    ours_alloc = allocator.resolve(Settings.from_env().query_allocator)
    say(f"our query processes allocate with {ours_alloc or 'the system allocator'}")
    servers = [oxi]
    if args.oxigraph_allocator and ours_alloc:
        servers.append(oxigraph(alloc_port, allocator.preload(dict(os.environ), ours_alloc)))
    elif args.oxigraph_allocator:
        say("--oxigraph-allocator: ours uses the system allocator too, so there is no second reference")
    env = {**os.environ, "LACAT_VAR_DIR": str(var), "LACAT_QUERY_TIMEOUT": "60",
           "LACAT_MAX_RESULT_ROWS": "1000000"}
    server_log = open(work / f"server-{n_obs}.log", "wb")  # noqa: SIM115 (closed with the server)
    ours = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1",
                             "--port", str(our_port)], env=env, cwd=ROOT,
                            stdout=server_log, stderr=subprocess.STDOUT)
    try:
        oxi_url, our_url = f"http://127.0.0.1:{oxi_port}/query", f"http://127.0.0.1:{our_port}/sparql"
        wait_http(f"http://127.0.0.1:{oxi_port}/", oxi)
        try:
            wait_http(f"http://127.0.0.1:{our_port}/sparql?query=ASK%7B%7D", ours)
        except RuntimeError:
            server_log.flush()
            print((work / f"server-{n_obs}.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        targets = {"in-process": inprocess_target(store_path), "oxigraph-server": http_target(oxi_url),
                   "ours": http_target(our_url)}
        alloc_target = f"oxigraph-server+{ours_alloc}"
        if len(servers) > 1:
            wait_http(f"http://127.0.0.1:{alloc_port}/", servers[1])
            targets[alloc_target] = http_target(f"http://127.0.0.1:{alloc_port}/query")
        # Warm every target (caches, query workers of every server worker) before measuring.
        warm_rng = random.Random(7)
        for run in targets.values():
            throughput(run, [instance(t, warm_rng, n_obs) for _, t in QUERIES] * 4, 8)

        say()
        say("| query | target | median ms (c=1) | p95 ms (c=1) | req/s (c=8) |")
        say("|---|---|---:|---:|---:|")
        ratios: list[tuple[str, float, float, float, float | None]] = []
        for name, template in [(n, t) for n, t in QUERIES if not args.kinds or n in args.kinds]:
            rng = random.Random(hash(name) & 0xFFFF)  # the same query instances for every target
            seq = [instance(template, rng, n_obs) for _ in range(args.requests)]
            conc = [instance(template, rng, n_obs) for _ in range(args.requests * 2)]
            # The machine may be shared: targets take turns, round after round, so a burst of
            # outside load does not fall on one of them only; each figure is the median round.
            lats: dict[str, list[float]] = {t: [] for t in targets}
            rounds: dict[str, list[float]] = {t: [] for t in targets}
            for r in range(args.rounds):
                order = list(targets) if r % 2 == 0 else list(reversed(targets))
                for target in order:
                    lats[target] += latencies(targets[target], seq[r::args.rounds])
                    rounds[target].append(throughput(targets[target], conc, 8))
            tp: dict[str, float] = {}
            med: dict[str, float] = {}
            for target in targets:
                lat = sorted(lats[target])
                tp[target] = statistics.median(rounds[target])
                p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))]
                med[target] = statistics.median(lat)
                say(f"| {name} | {target} | {statistics.median(lat) * 1000:.2f} | {p95 * 1000:.2f} | "
                    f"{tp[target]:.1f} |")
            ratios.append((name, med["ours"] / med["oxigraph-server"], tp["ours"] / tp["oxigraph-server"],
                           tp["ours"] / tp["in-process"],
                           tp["ours"] / tp[alloc_target] if alloc_target in tp else None))

        # The whole mix at concurrency 8, interleaved as real traffic would be. The machine's
        # speed drifts by a fifth within a minute (docs/scaling.md), more than the differences
        # measured: so the mix runs in blocks of a few seconds, every target in turn on each block
        # (the order reversed block after block), and each target's throughput is its queries over
        # its summed time; the spread of the per-block ratios shows how far the drift reached.
        mix_rng = random.Random(42)
        mix = [instance(t, mix_rng, n_obs) for _ in range(args.mix_requests) for _, t in QUERIES]
        block = MIX_BLOCK * len(QUERIES)
        spent: dict[str, float] = {t: 0.0 for t in targets}
        block_ratios: list[float] = []
        stream = mix * args.rounds
        for b, start in enumerate(range(0, len(stream), block)):
            queries = stream[start:start + block]
            took: dict[str, float] = {}
            for target in (list(targets) if b % 2 == 0 else list(reversed(targets))):
                t = time.perf_counter()
                throughput(targets[target], queries, 8)
                took[target] = time.perf_counter() - t
                spent[target] += took[target]
            block_ratios.append(took["oxigraph-server"] / took["ours"])
        mix_tp = {t: len(stream) / v for t, v in spent.items()}

        # Cached repeats: one identical GET, against the same query uncached (POST).
        repeat = instance(QUERIES[1][1], random.Random(3), n_obs)
        http_target(our_url)(repeat, True)
        cached = throughput(targets["ours"], [repeat] * (args.mix_requests * 2), 8, cached=True)
        uncached = throughput(targets["ours"], [repeat] * args.mix_requests, 8, cached=False)
        oxi_repeat = throughput(targets["oxigraph-server"], [repeat] * args.mix_requests, 8)

        say()
        extra = alloc_target in targets
        say("| query | slowdown at c=1: our median / Oxigraph server's | throughput at c=8: ours / Oxigraph "
            "server | throughput at c=8: ours / in-process |"
            + (f" throughput at c=8: ours / Oxigraph server with {ours_alloc} |" if extra else ""))
        say("|---|---:|---:|---:|" + ("---:|" if extra else ""))
        for name, slow, vs_peer, vs_floor, vs_alloc in ratios:
            say(f"| {name} | {slow:.2f}x | {vs_peer:.2f} | {vs_floor:.2f} |"
                + (f" {vs_alloc:.2f} |" if vs_alloc is not None else ""))
        geo = statistics.geometric_mean([r[1] for r in ratios])
        say(f"| **whole mix** | geometric mean {geo:.2f}x | **{mix_tp['ours'] / mix_tp['oxigraph-server']:.2f}** | "
            f"{mix_tp['ours'] / mix_tp['in-process']:.2f} |"
            + (f" {mix_tp['ours'] / mix_tp[alloc_target]:.2f} |" if extra else ""))
        say()
        say(f"mix throughput at c=8, req/s: in-process {mix_tp['in-process']:.1f}, "
            f"Oxigraph server {mix_tp['oxigraph-server']:.1f}, ours {mix_tp['ours']:.1f}"
            + (f", Oxigraph server with {ours_alloc} {mix_tp[alloc_target]:.1f}" if extra else ""))
        q = statistics.quantiles(block_ratios, n=4) if len(block_ratios) > 1 else block_ratios * 3
        say(f"whole mix, ours / Oxigraph server per block of {block} queries ({len(block_ratios)} blocks): "
            f"min {min(block_ratios):.2f}, quartiles {q[0]:.2f} / {q[1]:.2f} / {q[2]:.2f}, max {max(block_ratios):.2f}")
        say(f"cached repeats ({QUERIES[1][0]}), c=8: {cached:.1f} req/s against {uncached:.1f} uncached "
            f"= {cached / uncached:.1f}x; Oxigraph server {oxi_repeat:.1f} req/s "
            f"= {cached / oxi_repeat:.1f}x")
        say()
    finally:
        server_log.close()
        for proc in (*servers, ours):
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100k", help="observation counts, comma-separated (e.g. 100k,1m)")
    parser.add_argument("--requests", type=int, default=20, help="requests per query at concurrency 1")
    parser.add_argument("--mix-requests", type=int, default=40,
                        help="requests of each kind in the whole mix at concurrency 8")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the generated stores")
    parser.add_argument("--oxigraph-allocator", action="store_true",
                        help="also run the Oxigraph server with the allocator our query processes use")
    parser.add_argument("--kinds", default="", help="only these query kinds, comma-separated, by name "
                        "(the whole mix at c=8 still runs every kind)")
    args = parser.parse_args()
    names = [name for name, _ in QUERIES]
    args.kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if unknown := [k for k in args.kinds if k not in names]:
        parser.error(f"unknown query kind(s) {', '.join(unknown)}; the kinds are: {', '.join(names)}")
    work = Path(tempfile.mkdtemp(prefix="lacat-bench-"))
    print(f"SYNTHETIC data generated at run time; {os.cpu_count()} CPU(s); pyoxigraph {ox.__version__}\n")
    try:
        for size in args.sizes.split(","):
            bench_size(parse_size(size), args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
