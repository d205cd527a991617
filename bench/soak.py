"""Soak test: the real server under a steady mix of pages and SPARQL for a bounded time.

    .venv/bin/python bench/soak.py                         # 60 s at concurrency 32
    .venv/bin/python bench/soak.py --seconds 10 --concurrency 8 --json

Starts `lacat serve` (Granian) on 127.0.0.1 over the catalogue in LACAT_VAR_DIR (or --var), or
uses a server already running (--url, with --pid for memory figures). Each client thread loops
over a fixed mix of explorer pages, linked-data documents, JSON/CSV twins and SPARQL queries
(cached GETs, and POSTs the cache never answers) until the time is up. It reports every error
(any status other than 200, or a failed connection: there must be none), latency percentiles per
kind of request, throughput, and the resident memory of the server's processes (server workers
and their query processes) after warm-up and at the end.

Load is bounded by --seconds and --concurrency and stops by itself; the server is stopped after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

PREFIX = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nPREFIX lacat: <https://w3id.org/lacat/def#>\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(var: Path, port: int, workers: int | None) -> subprocess.Popen:
    env = {**os.environ, "LACAT_VAR_DIR": str(var)}
    cmd = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode} before answering")
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
            return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not answer within 120 s")


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it, read from /proc (Linux)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {pid}, {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - tree
        tree |= frontier
    return sorted(tree)


def rss_mb(pids: list[int]) -> dict[int, float]:
    out: dict[int, float] = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[pid] = int(line.split()[1]) / 1024
        except OSError:
            continue
    return out


def request_mix(base: str) -> list[tuple[str, str, str, dict[str, str], str | None]]:
    """(kind, method, url, headers, body) of every request the clients cycle through."""
    codes = [r["code"] for r in requests.get(base + "/authorities.json?page_size=400", timeout=60).json()["items"]]
    slugs = [r["slug"] for r in requests.get(base + "/metrics.json?page_size=200", timeout=60).json()["items"]]
    rng = random.Random(7)
    chosen_codes = rng.sample(codes, min(20, len(codes)))
    chosen_slugs = rng.sample(slugs, min(8, len(slugs)))
    html = {"Accept": "text/html"}
    results = {"Accept": "application/sparql-results+json"}
    mix: list[tuple[str, str, str, dict[str, str], str | None]] = [
        ("page", "GET", base + "/", html, None),
        ("page", "GET", base + "/authorities", html, None),
        ("page", "GET", base + "/metrics", html, None),
        ("page", "GET", base + "/search?q=bir", html, None),
        ("twin", "GET", base + "/authorities.json", {}, None),
        ("twin", "GET", base + "/authorities.csv", {}, None),
    ]
    for code in chosen_codes:
        mix.append(("page", "GET", f"{base}/doc/authority/{code}", html, None))
        mix.append(("rdf", "GET", f"{base}/doc/authority/{code}.ttl", {}, None))
    for slug in chosen_slugs:
        mix.append(("page", "GET", f"{base}/doc/metric/{slug}", html, None))
        # A comparison exists only for councils of the metric's tiers: take a council it has.
        for code in rng.sample(codes, min(10, len(codes))):
            url = f"{base}/compare/{slug}/{code}"
            if requests.get(url, headers=html, timeout=120).status_code == 200:
                mix.append(("page", "GET", url, html, None))
                break
    count = PREFIX + "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n)"
    labels = PREFIX + "SELECT ?a ?label WHERE { ?a a lacat:LocalAuthority ; rdfs:label ?label } ORDER BY ?label"
    mix.append(("sparql-cached", "GET", base + "/sparql?" + requests.compat.urlencode({"query": count}), results, None))
    mix.append(("sparql-cached", "GET", base + "/sparql?" + requests.compat.urlencode({"query": labels}), results,
                None))
    for i in range(6):
        # POST is never cached: each of these runs in a query process.
        q = PREFIX + f"SELECT ?s ?label WHERE {{ ?s rdfs:label ?label }} ORDER BY ?label LIMIT 50 OFFSET {i * 50}"
        mix.append(("sparql", "POST", base + "/sparql", {**results, "Content-Type": "application/sparql-query"}, q))
    return mix


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def soak(base: str, seconds: float, concurrency: int, server_pid: int | None) -> dict:
    mix = request_mix(base)
    # Warm-up: every request once, so memory is measured from a server that has opened its store
    # and caches, and growth means something.
    with requests.Session() as s:
        for _kind, method, url, headers, body in mix:
            s.request(method, url, headers=headers, data=body, timeout=120).close()
    pids = process_tree(server_pid) if server_pid else []
    before = rss_mb(pids)
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        with requests.Session() as s:
            while time.monotonic() < deadline:
                kind, method, url, headers, body = rng.choice(mix)
                t = time.perf_counter()
                try:
                    r = s.request(method, url, headers=headers, data=body, timeout=60)
                    r.content  # noqa: B018 - read the whole body: a response is done when it is received
                    status = str(r.status_code)
                except requests.RequestException as exc:
                    status = type(exc).__name__
                elapsed = time.perf_counter() - t
                with lock:
                    latencies[kind].append(elapsed)
                    statuses[status] += 1
                    if status != "200" and len(errors) < 100:
                        errors.append(f"{method} {url[len(base):][:120]}: {status}")

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=seconds + 120)
    wall = time.monotonic() - t0
    after = rss_mb(process_tree(server_pid)) if server_pid else {}
    everything = [x for v in latencies.values() for x in v]
    total = sum(statuses.values())
    n_errors = total - statuses.get("200", 0)

    def summary(values: list[float]) -> dict[str, float]:
        return {"n": len(values), "p50_ms": percentile(values, 50) * 1000, "p95_ms": percentile(values, 95) * 1000,
                "p99_ms": percentile(values, 99) * 1000, "max_ms": max(values, default=float("nan")) * 1000,
                "mean_ms": (statistics.fmean(values) * 1000) if values else float("nan")}

    return {
        "seconds": seconds, "concurrency": concurrency, "wall_s": wall, "requests": total,
        "throughput_rps": total / wall if wall else 0.0, "errors": n_errors, "error_samples": errors[:20],
        "statuses": dict(statuses), "latency": {"all": summary(everything),
                                                **{k: summary(v) for k, v in sorted(latencies.items())}},
        "memory": {"processes": len(after), "rss_before_mb": sum(before.values()),
                   "rss_after_mb": sum(after.values()),
                   "growth_mb": sum(after.values()) - sum(before.values()),
                   "per_process_mb": {str(p): [round(before.get(p, 0.0), 1), round(mb, 1)] for p, mb in after.items()}},
    }


def print_report(report: dict) -> None:
    print(f"soak: {report['seconds']:.0f} s at concurrency {report['concurrency']}: {report['requests']} requests, "
          f"{report['throughput_rps']:.1f}/s, errors {report['errors']}")
    print(f"{'kind':<15}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
    for kind, s in report["latency"].items():
        print(f"{kind:<15}{s['n']:>7}{s['p50_ms']:>10.0f}{s['p95_ms']:>10.0f}{s['p99_ms']:>10.0f}{s['max_ms']:>10.0f}")
    m = report["memory"]
    if m["processes"]:
        print(f"server RSS ({m['processes']} processes): {m['rss_before_mb']:.0f} MB after warm-up, "
              f"{m['rss_after_mb']:.0f} MB at the end, growth {m['growth_mb']:+.0f} MB")
    for line in report["error_samples"]:
        print("  error:", line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load runs (default 60)")
    parser.add_argument("--concurrency", type=int, default=32, help="client threads (default 32)")
    parser.add_argument("--var", type=Path, default=None, help="built var/ folder (default: LACAT_VAR_DIR or var/)")
    parser.add_argument("--workers", type=int, default=None, help="server worker processes (default: the setting)")
    parser.add_argument("--url", default=None, help="use this running server instead of starting one")
    parser.add_argument("--pid", type=int, default=None, help="with --url: the server's pid, for memory figures")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 3600 or not 0 < args.concurrency <= 256:
        parser.error("--seconds must be in (0, 3600] and --concurrency in (0, 256]")
    proc = None
    if args.url:
        base, pid = args.url.rstrip("/"), args.pid
    else:
        var = args.var or Path(os.environ.get("LACAT_VAR_DIR", ROOT / "var"))
        port = free_port()
        proc = start_server(var, port, args.workers)
        base, pid = f"http://127.0.0.1:{port}", proc.pid
    try:
        report = soak(base, args.seconds, args.concurrency, pid)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(report)
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
