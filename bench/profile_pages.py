"""Where a page's time goes: store round trips per request and a cProfile of one request, for the
pages a citizen or a journalist opens most, through the Flask test client on the built catalogue.

    .venv/bin/python bench/profile_pages.py                 # every page, top 12 functions each
    .venv/bin/python bench/profile_pages.py --top 25 /doc/authority/BIR

Needs a built catalogue (`lacat build`; LACAT_VAR_DIR chooses which). A round trip is one call of
the store's select, ask or construct (one SPARQL query); the count is deterministic, the timings
are the machine's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.settings import Settings  # noqa: E402
from core.store import EmbeddedStore  # noqa: E402
from web.app import create_app  # noqa: E402

RECYCLING = "defra-household-recycling-rate"
PAGES = [
    "/doc/authority/BIR",
    "/doc/authority/KEN",
    "/doc/authority/GMCA",
    f"/doc/metric/{RECYCLING}",
    f"/doc/metric/{RECYCLING}?council=TRF",
    f"/compare/{RECYCLING}/TRF",
    f"/combined-authorities?metric={RECYCLING}",
    "/authorities",
    "/metrics",
    "/datasets",
    "/changes",
]


# Frames worth reading: the project's own code, the engine's query call and template rendering.
PROJECT = r"(/web/|/core/|/sparql/|/catalogue/|pyoxigraph|render_template)"


class RoundTrips:
    """Counts the store's queries while installed, by the first line of each query's text."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.ms: Counter[str] = Counter()
        self._saved: dict[str, object] = {}

    def __enter__(self) -> RoundTrips:
        for name in ("select", "ask", "construct"):
            original = getattr(EmbeddedStore, name)
            self._saved[name] = original

            def counted(store, query, bindings=None, _original=original):
                label = _label(query)
                t = time.perf_counter()
                try:
                    return _original(store, query, bindings)
                finally:
                    self.calls[label] += 1
                    self.ms[label] += (time.perf_counter() - t) * 1000

            setattr(EmbeddedStore, name, counted)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, original in self._saved.items():
            setattr(EmbeddedStore, name, original)

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _label(query: str) -> str:
    """The query's first comment line after the prefix block (the .rq files start with one)."""
    for line in query.splitlines():
        if line.startswith("#"):
            return line[:70]
    return next((line for line in query.splitlines() if line and not line.startswith("PREFIX")), "")[:70]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="pages to profile (default: the main pages)")
    ap.add_argument("--top", type=int, default=12, help="functions to list per page, by cumulative time")
    ap.add_argument("--repeat", type=int, default=7, help="timed requests per page for the median")
    args = ap.parse_args(argv)
    client = create_app(Settings.from_env()).test_client()
    for path in args.paths or PAGES:
        first = client.get(path)  # warm-up: per-build values are computed here, once
        if first.status_code != 200:
            raise SystemExit(f"{path} answered {first.status_code}")
        with RoundTrips() as trips:
            client.get(path)
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t) * 1000)
        profile = cProfile.Profile()
        profile.enable()
        client.get(path)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(PROJECT, args.top)
        print(f"\n=== {path}: median {statistics.median(times):.1f} ms, {trips.total} store round trip(s)")
        for label, n in trips.calls.most_common():
            print(f"    {n:3d} x {trips.ms[label]:7.1f} ms  {label}")
        print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()
