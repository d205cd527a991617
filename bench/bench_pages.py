"""Page latency of the data explorer as the store grows: the real pages (Flask test client) over the
real catalogue plus 100k or 1M extra observations.

The extra observations are SYNTHETIC, generated at run time and never published: random values of
made-up metrics (under http://bench.invalid/, a reserved unresolvable domain) about the real
councils and periods, loaded with a copy of the built catalogue into a temporary store. They are
typed qb:Observation with the real councils as sdmx-dimension:refArea, so any page query that
scanned a council's or a period's observations would have to wade through them; the pages fetch
what they show by minted URIs and should not slow down.

    .venv/bin/python bench/bench_pages.py --sizes 100k          # quick
    .venv/bin/python bench/bench_pages.py --sizes 100k,1m       # the figures in docs/scaling.md

Needs a built catalogue (`lacat build`; LACAT_VAR_DIR chooses which). Prints, per page, the median
and 95th-percentile latency on the real catalogue and at each size, and the ratio to the real one.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

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
    ("metric page", f"/doc/metric/{RECYCLING}"),
    ("metric page + council", f"/doc/metric/{RECYCLING}?council=TRF"),
    ("metric values.csv", f"/doc/metric/{RECYCLING}/values.csv"),
    ("council page", "/doc/authority/TRF"),
    ("combined authority page", "/doc/authority/GMCA"),
    ("compare page", f"/compare/{RECYCLING}/TRF"),
    ("combined authorities", f"/combined-authorities?metric={RECYCLING}"),
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


def measure(variants: dict[int, Path], repeat: int) -> dict[int, dict[str, tuple[float, float]]]:
    """Median and p95 per page and store, requests interleaved across the stores: on a shared,
    loaded machine a burst of load then slows every size alike instead of whichever ran then."""
    from web import create_app

    clients = {extra: create_app(Settings.from_env(var_dir=var)).test_client() for extra, var in variants.items()}
    times: dict[int, dict[str, list[float]]] = {extra: {name: [] for name, _ in PAGES} for extra in variants}
    for extra, client in clients.items():
        for _, path in PAGES:
            r = client.get(path)  # warm-up: fills the per-version lists of metrics and councils
            if r.status_code != 200:
                raise SystemExit(f"{path} answered {r.status_code} on the store with {extra:,} extra observations")
    for _ in range(repeat):
        for name, path in PAGES:
            for extra, client in clients.items():
                t = time.perf_counter()
                client.get(path)
                times[extra][name].append((time.perf_counter() - t) * 1000)
    out: dict[int, dict[str, tuple[float, float]]] = {}
    for extra, by_page in times.items():
        out[extra] = {}
        for name, ts in by_page.items():
            ts.sort()
            out[extra][name] = (statistics.median(ts), ts[min(len(ts) - 1, int(len(ts) * 0.95))])
    return out


def count_observations(var: Path) -> int:
    store = ox.Store.read_only(str(var / "stores" / "bench"))
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?o a <http://purl.org/linked-data/cube#Observation> }",
                            use_default_graph_as_union=True))
    return int(rows[0]["n"].value)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1m", help="extra synthetic observations, comma-separated (100k,1m)")
    ap.add_argument("--repeat", type=int, default=15, help="timed requests per page (after one warm-up)")
    args = ap.parse_args(argv)
    settings = Settings.from_env()
    info = read_pointer(settings)
    real = ox.Store.read_only(info.path).dump(format=ox.RdfFormat.N_QUADS) or b""
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    work = Path(tempfile.mkdtemp(prefix="lacat-bench-pages-"))
    observations: dict[int, int] = {}
    try:
        variants = {}
        for extra in [0, *sizes]:
            print(f"store: real catalogue + {extra:,} synthetic observations", flush=True)
            variants[extra] = make_var(real, extra, settings.base_uri, work)
            observations[extra] = count_observations(variants[extra])
        print(f"measuring {len(PAGES)} pages x {args.repeat} requests on each store, interleaved", flush=True)
        results = measure(variants, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    head = f"{'page':<26}" + "".join(f"{f'{observations[s]:,} obs':>26}" for s in results)
    print("\nmedian / p95 latency in ms (ratio of medians to the real catalogue)")
    print(head)
    for name, _ in PAGES:
        cells = []
        for res in results.values():
            med, p95 = res[name]
            ratio = med / results[0][name][0]
            cells.append(f"{med:8.1f} / {p95:7.1f} ({ratio:4.2f}x)")
        print(f"{name:<26}" + "".join(f"{c:>26}" for c in cells))


if __name__ == "__main__":
    main()
