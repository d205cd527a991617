"""Similar authorities: an open nearest-neighbour method, recomputed from the bundled inputs."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from catalogue.similar import INPUTS, METHODS, NEIGHBOURS, compute, read_inputs
from core.queries import PREFIX_BLOCK
from core.settings import PROJECT_ROOT
from ingest.geography.load import load_register
from ingest.geography.model import Register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
DAY = date(2026, 11, 28)  # the register's councils on a fixed day, so the test does not drift


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def results(register: Register):
    return {r.method: r for r in compute(SOURCES, register, DAY)}


def test_every_current_council_has_15_neighbours_of_its_own_tier(results, register: Register) -> None:
    types = {a.code: a.type for a in register.current(DAY)}
    for method, res in results.items():
        allowed = METHODS[method][1]
        assert res.incomplete == {}
        assert len(res.members) == {"upper-tier": 153, "lower-tier": 296}[method]
        for code, items in res.lists.items():
            assert len(items) == NEIGHBOURS
            assert code not in [o for o, _ in items]
            assert all(types[o] in allowed for o, _ in items)
            distances = [d for _, d in items]
            assert distances == sorted(distances)


def test_counties_are_compared_with_upper_tier_councils_only(results) -> None:
    assert "KEN" in results["upper-tier"].lists
    assert "KEN" not in results["lower-tier"].lists
    assert "CAB" in results["lower-tier"].lists and "CAB" not in results["upper-tier"].lists  # Cambridge, a district


def test_distance_is_the_documented_weighted_euclidean(results, register: Register) -> None:
    """Recompute Birmingham's nearest neighbour distance by hand from the raw inputs."""
    values = read_inputs(SOURCES, register, DAY)
    res = results["lower-tier"]
    rows = np.array([[values[c][i.name] for i in INPUTS] for c in res.members])
    for j, inp in enumerate(INPUTS):
        if inp.transform == "log10":
            rows[:, j] = np.log10(rows[:, j])
    z = (rows - rows.mean(axis=0)) / rows.std(axis=0)
    a, b = res.members.index("BIR"), res.members.index(res.lists["BIR"][0][0])
    expected = float(np.sqrt(sum(i.weight * (z[a, j] - z[b, j]) ** 2 for j, i in enumerate(INPUTS))))
    assert res.lists["BIR"][0][1] == pytest.approx(expected)


def test_county_deprivation_is_the_population_weighted_mean_of_its_districts(register: Register) -> None:
    values = read_inputs(SOURCES, register, DAY)
    districts = [d.code for d in register.districts("KEN") if d.operational_on(DAY)]
    weights = [values[d]["population"] for d in districts]
    expected = sum(values[d]["deprivation"] * w for d, w in zip(districts, weights, strict=True)) / sum(weights)
    assert values["KEN"]["deprivation"] == pytest.approx(expected)


def test_birminghams_neighbours_from_the_bundled_data(results) -> None:
    # The big urban, deprived metropolitan districts: a sanity check of the real inputs.
    assert [o for o, _ in results["lower-tier"].lists["BIR"][:3]] == ["MAN", "LIV", "BRD"]


def test_re_running_on_changed_inputs_changes_the_lists(tmp_path: Path, register: Register, results) -> None:
    sources = tmp_path / "ingest" / "sources"
    for rel in ("geography", "metrics"):
        shutil.copytree(SOURCES / rel, sources / rel)
    path = sources / "metrics" / "mysociety_uk_ruc" / "la_ruc.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # Make Birmingham wholly rural in a copy: its neighbours must change.
    i = next(n for n, line in enumerate(lines) if line.startswith("BIR,"))
    cells = lines[i].rstrip("\n").split(",")
    cells[-4:-1] = ["0.5", "0.5", "0.0"]
    lines[i] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    changed = {r.method: r for r in compute(sources, register, DAY)}
    assert changed["lower-tier"].lists["BIR"] != results["lower-tier"].lists["BIR"]


def test_neighbours_and_method_are_published(store) -> None:
    base = "http://localhost:5000/"
    rows = store.select(PREFIX_BLOCK + f"""SELECT ?rank ?other ?distance WHERE {{
        <{base}id/authority/BIR> lacat:hasNeighbour ?n .
        ?n lacat:method <{base}id/similarity-method/lower-tier> ; lacat:rank ?rank ;
           lacat:neighbour ?other ; lacat:distance ?distance }} ORDER BY ?rank""")
    assert [int(r["rank"].value) for r in rows] == list(range(1, 16))
    assert rows[0]["other"].value == f"{base}id/authority/MAN"
    inputs = store.select(PREFIX_BLOCK + f"""SELECT ?label ?weight WHERE {{
        <{base}id/similarity-method/lower-tier> a lacat:SimilarityMethod ; lacat:input ?i ;
            lacat:standardisation ?s ; lacat:neighbourCount 15 .
        ?i rdfs:label ?label ; lacat:weight ?weight }}""")
    assert {r["label"].value: float(r["weight"].value) for r in inputs} == {i.label: i.weight for i in INPUTS}
