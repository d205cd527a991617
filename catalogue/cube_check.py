"""The W3C Data Cube integrity constraints IC-1 to IC-21 as a build check.

The constraints are the SPARQL queries of sparql/queries/qb-ic/ (README there), each an ASK that
is true when violated. The build's cubes are written in the normal form of §10 (component
properties stated, observations typed, attributes on each observation), so the check runs the
queries over the new store as it is; `normalise` applies the §10 algorithm to other data (the
official fixtures in the tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from catalogue.step import BuildContext
from core.queries import PREFIX_BLOCK, QUERY_DIR

IC_DIR = QUERY_DIR / "qb-ic"

TITLES = {
    1: "Unique DataSet", 2: "Unique DSD", 3: "DSD includes measure", 4: "Dimensions have range",
    5: "Concept dimensions have code lists", 6: "Only attributes may be optional",
    7: "Slice Keys must be declared", 8: "Slice Keys consistent with DSD", 9: "Unique slice structure",
    10: "Slice dimensions complete", 11: "All dimensions required", 12: "No duplicate observations",
    13: "Required attributes", 14: "All measures present", 15: "Measure dimension consistent",
    16: "Single measure on measure dimension observation", 17: "All measures present in measures dimension cube",
    18: "Consistent data set links", 19: "Codes from code list", 20: "Codes from hierarchy",
    21: "Codes from hierarchy (inverse)",
}
TEMPLATED = (20, 21)


def _text(name: str) -> str:
    return PREFIX_BLOCK + (IC_DIR / name).read_text(encoding="utf-8")


@dataclass
class Result:
    ic: int
    violated: bool
    seconds: float


Ask = Callable[[str], bool]
Select = Callable[[str], list[ox.NamedNode]]


def run_constraints(ask: Ask, select_p: Select, only: list[int] | None = None) -> list[Result]:
    """Run IC-1..IC-21 (or `only` those); `ask` evaluates an ASK, `select_p` returns the ?p IRIs."""
    results = []
    for ic in only or range(1, 22):
        t = time.perf_counter()
        if ic in TEMPLATED:
            template = _text(f"ic-{ic:02d}.rq")
            # The property comes from the store and is written in N-Triples form (<...>), so
            # substituting it cannot change the query's shape.
            props = select_p(_text(f"ic-{ic:02d}-properties.rq"))
            violated = any(ask(template.replace("$p", str(p))) for p in props)
        else:
            violated = ask(_text(f"ic-{ic:02d}.rq"))
        results.append(Result(ic, violated, time.perf_counter() - t))
    return results


def store_runner(store: ox.Store, union: bool = False) -> tuple[Ask, Select]:
    def ask(q: str) -> bool:
        return bool(store.query(q, use_default_graph_as_union=union))

    def select_p(q: str) -> list[ox.NamedNode]:
        return [s["p"] for s in store.query(q, use_default_graph_as_union=union) if isinstance(s["p"], ox.NamedNode)]

    return ask, select_p


def normalise(store: ox.Store) -> None:
    """Apply the §10 normalisation algorithm (both phases) to the default graph of `store`."""
    for name in ("normalise-1.ru", "normalise-2.ru"):
        store.update(PREFIX_BLOCK + (IC_DIR / name).read_text(encoding="utf-8"))


def check_store(store: ox.Store, union: bool = True) -> list[Result]:
    ask, select_p = store_runner(store, union)
    return run_constraints(ask, select_p)


def cube_check(ctx: BuildContext) -> list[str]:
    """Build check: every Data Cube integrity constraint holds over the new store."""
    store = ctx.reader().raw
    results = check_store(store)
    total = sum(r.seconds for r in results)
    slowest = max(results, key=lambda r: r.seconds)
    ctx.log(f"      IC-1..IC-21 in {total:.2f}s (slowest IC-{slowest.ic}: {slowest.seconds:.2f}s)")
    return [f"Data Cube integrity constraint IC-{r.ic} ({TITLES[r.ic]}) is violated; "
            f"query sparql/queries/qb-ic/ic-{r.ic:02d}.rq shows where" for r in results if r.violated]


def ic_files() -> list[Path]:
    return sorted(IC_DIR.glob("*.r[qu]"))
