"""The map on every metric page: shapes simplified at build time from the bundled ONS boundaries,
one shape per council with data, colours that follow the metric's polarity, the values table beside
it, nothing loaded from elsewhere, and a working map without JavaScript in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests

from catalogue.map_shapes import SOURCE, read_shapes
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from tests.helpers import save_screenshot
from web.maps import classes

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECYCLING = "defra-household-recycling-rate"  # higher is better, lower-tier councils
RESIDUAL = "oflog-residual-household-waste"  # lower is better
CFR = "finance-cfr-percent-nre"  # no better direction; upper and lower tier
RANK = {"higher": ["w2", "w1", "m", "b1", "b2"], "lower": ["b2", "b1", "m", "w1", "w2"],
        "neither": ["s1", "s2", "s3", "s4", "s5"]}
PATH = re.compile(r'<path d="([^"]+)" class="([a-z0-9]+)"(?: fill="[^"]+")? data-code="([A-Z]+)"><title>([^<]*)</title>')


def _figure(page: str, group: str) -> str:
    start = page.index(f'<figure class="lacat-map" id="map-{group}"')
    return page[start:page.index("</figure>", start)]


def _shapes(page: str, group: str) -> dict[str, tuple[str, str]]:
    found = PATH.findall(_figure(page, group))
    codes = [code for _, _, code, _ in found]
    assert len(codes) == len(set(codes)), "a council is drawn twice"
    return {code: (cls, d) for d, cls, code, _ in found}


def _values(base: str, slug: str) -> dict[str, float]:
    body = requests.get(f"{base}/doc/metric/{slug}/values.json?page_size=1000", timeout=60).json()
    return {i["code"]: i["value"] for i in body["items"] if i["value"] is not None}


@pytest.mark.parametrize("slug,polarity", [(RECYCLING, "higher"), (RESIDUAL, "lower")])
def test_one_shape_per_council_with_data_coloured_by_polarity(live_server: str, slug: str, polarity: str) -> None:
    page = requests.get(f"{live_server}/doc/metric/{slug}", timeout=60).text
    shapes = _shapes(page, "lower-tier")
    values = _values(live_server, slug)
    shaded = {code: cls for code, (cls, _) in shapes.items() if cls != "nd"}
    assert set(shaded) == set(values)  # every council with a value of the latest period, once
    assert len(shaded) > 250
    top, bottom = max(values, key=values.get), min(values, key=values.get)
    assert shaded[top] == ("b2" if polarity == "higher" else "w2")
    assert shaded[bottom] == ("w2" if polarity == "higher" else "b2")
    # Every council's class is the documented quintile of its value, recomputed here.
    codes = sorted(values)
    expected = classes([values[c] for c in codes])
    assert [shaded[c] for c in codes] == [RANK[polarity][k] for k in expected]
    # The values table sits beside the map.
    assert page.index('id="map-lower-tier"') < page.index('id="values-table"')
    assert "Contains OS data © Crown copyright and database right." in _figure(page, "lower-tier")


def test_a_metric_of_both_tiers_has_a_map_per_tier_and_neutral_colours(live_server: str) -> None:
    page = requests.get(f"{live_server}/doc/metric/{CFR}", timeout=60).text
    upper, lower = _shapes(page, "upper-tier"), _shapes(page, "lower-tier")
    assert "KEN" in upper and "KEN" not in lower  # Kent County Council
    assert "CAB" in lower and "CAB" not in upper  # Cambridge City Council
    assert "BIR" in upper and "BIR" in lower  # a metropolitan district is in both
    assert {cls for cls, _ in upper.values()} <= {"s1", "s2", "s3", "s4", "s5", "nd"}
    assert "darker purple is higher" in page


def test_shapes_come_from_the_build_not_the_request(live_server: str, store) -> None:
    rows = store.select("""PREFIX geo: <http://www.opengis.net/ont/geosparql#>
      PREFIX lacat: <https://w3id.org/lacat/def#>
      SELECT ?path ?gss WHERE { <http://localhost:5000/id/authority/BIR> geo:hasGeometry ?g .
        ?g lacat:svgPath ?path ; lacat:boundaryCode ?gss }""")
    assert len(rows) == 1 and rows[0]["gss"].value == "E08000025"
    page = requests.get(f"{live_server}/doc/metric/{RECYCLING}", timeout=60).text
    assert _shapes(page, "lower-tier")["BIR"][1] == rows[0]["path"].value
    count = store.select("""PREFIX geo: <http://www.opengis.net/ont/geosparql#>
      SELECT (COUNT(*) AS ?n) WHERE { ?a geo:hasGeometry ?g }""")
    assert int(count[0]["n"].value) >= 296 + 21  # every current district, unitary and county, and more
    # Small: the paths of all 296 lower-tier councils together stay under 60 KB.
    assert sum(len(d) for _, d in _shapes(page, "lower-tier").values()) < 60_000


def test_map_loads_nothing_from_outside_the_site(live_server: str) -> None:
    page = requests.get(f"{live_server}/doc/metric/{RECYCLING}?council=TRF", timeout=60).text
    figure = _figure(page, "lower-tier")
    assert not re.search(r'(src|href)="(https?:)?//', figure)
    assert 'class="lacat-map__focus"' in figure  # the highlighted council is outlined


def test_councils_without_a_boundary_are_named(client) -> None:
    # The boundary file has combined authorities (E47) but no shape for the Greater London Authority.
    page = client.get("/doc/metric/fe-skills-achievements-per-100000").get_data(as_text=True)
    figure = _figure(page, "combined")
    assert "Not on the map (the bundled boundary file has no shape for them): Greater London Authority." in figure
    assert "GMCA" in _shapes(page, "combined")


def test_classes_are_equal_sized_and_keep_ties_together() -> None:
    assert classes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert classes([5, 5, 5, 5]) == [2, 2, 2, 2]  # no spread: all in the middle class
    tied = classes([1, 2, 2, 2, 3])
    assert tied[1] == tied[2] == tied[3]


def test_broken_boundary_file_names_the_field(tmp_path: Path) -> None:
    data = json.loads((SOURCES / SOURCE).read_text(encoding="utf-8"))
    del data["objects"]["ltla"]["geometries"][3]["properties"]["areacd"]
    target = tmp_path / SOURCE
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_shapes(tmp_path)
    assert "ons_uk_topojson_2014-2025.topo.json" in str(exc.value)
    assert "objects.ltla.geometries[3].properties.areacd" in str(exc.value)
    data["objects"]["ltla"]["geometries"][3]["properties"]["areacd"] = "E06000004"
    data["objects"]["ltla"]["geometries"][3]["arcs"] = [[[999999]]]
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        read_shapes(tmp_path)
    assert "objects.ltla.geometries[3].arcs" in str(exc.value)


@pytest.mark.browser
def test_map_in_chromium_without_javascript(browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
    try:
        pg.goto(f"{live_server}/doc/metric/{RESIDUAL}?council=TRF")
        svg = pg.locator("#map-lower-tier svg.lacat-map__svg")
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 300
        assert pg.locator("#map-lower-tier path[data-code]").count() > 250
        # The CSS colours follow polarity: the highest residual waste is the dark orange of "worse".
        values = _values(live_server, RESIDUAL)
        top = max(values, key=values.get)
        fill = pg.locator(f'#map-lower-tier path[data-code="{top}"]').evaluate("e => getComputedStyle(e).fill")
        assert fill == "rgb(166, 54, 3)"
        best = min(values, key=values.get)
        fill = pg.locator(f'#map-lower-tier path[data-code="{best}"]').evaluate("e => getComputedStyle(e).fill")
        assert fill == "rgb(4, 90, 141)"
        # The table beside the map is on the same row of the page.
        table = pg.locator("#values-table").bounding_box()
        assert table is not None and table["x"] > box["x"] + box["width"] - 5
        pg.locator("#map").scroll_into_view_if_needed()
        save_screenshot(pg, "metric-map-no-js")
        assert outside == []
    finally:
        context.close()
