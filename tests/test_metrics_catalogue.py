"""The built catalogue's metrics, observations, comparisons and provenance, spot-checked against
the bundled source files."""

from __future__ import annotations

import csv
import time
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from core.queries import PREFIX_BLOCK, iri, select
from core.settings import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "ingest" / "sources"
BASE = "http://localhost:5000/"


def one(store, query: str) -> list[dict]:
    return [{k: v.value for k, v in row.items()} for row in store.select(PREFIX_BLOCK + query)]


def source_rows(rel: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(SOURCES / rel, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def value_of(store, metric: str, code: str, period: str) -> str | None:
    obs = f"<{BASE}id/observation/{metric}/{code}/{period}>"
    rows = one(store, f"SELECT ?v WHERE {{ {obs} <{BASE}id/metric/{metric}> ?v }}")
    return rows[0]["v"] if rows else None


def test_birmingham_recycling_2015_16_is_defras_figure(store) -> None:
    # DEFRA's workbook, Table_3 row 2095, writes the fraction 0.229: published as 22.9 per cent.
    sheet = CalamineWorkbook.from_path(str(SOURCES / "metrics/waste/waste-data.ods")).get_sheet_by_name("Table_3")
    row = sheet.to_python()[2095 - 1]
    assert (row[0], row[2], row[7]) == ("2015-16", "E08000025", 0.229)
    value = value_of(store, "defra-household-recycling-rate", "BIR", "2015-16")
    assert value == "22.9"
    # The older copy (DEFRA ENV18 via Trafford Data Lab, 22.900000000000002) agrees at one decimal place.
    cell = next(r["value"] for r in source_rows("metrics/defra_env18_household_recycling_rate_tdl.csv")
                if r["area_code"] == "E08000025" and r["period"] == "2015/16")
    assert round(float(cell), 1) == float(value)


@pytest.mark.parametrize("row_number", [2, 1000, 3000, 6377])
def test_asc_value_equals_the_source_cell(store, row_number: int) -> None:
    row = source_rows("oflog/oflog_asc_data.csv")[row_number - 2]
    slug = next(p.stem for p in (PROJECT_ROOT / "catalogue" / "records" / "metrics").glob(f"{row['Code'].lower()}-*.yaml"))
    code = one(store, f'SELECT ?a WHERE {{ ?a a lacat:LocalAuthority ; lacat:gssCode|lacat:formerGssCode '
                      f'"{row["Local authority code"]}" }}')
    assert code, row
    codes = [c["a"].rsplit("/", 1)[-1] for c in code]
    values = [value_of(store, slug, c, row["Financial year"]) for c in codes]
    found = [v for v in values if v is not None]
    if row["Value"] == "":
        assert found == []
    else:
        assert [Decimal(v) for v in found] == [Decimal(row["Value"])]


def test_allerdale_keeps_its_own_waste_figures(store) -> None:
    assert value_of(store, "oflog-household-waste-recycling-rate", "ALL", "2015-16") == "36.9"


def test_england_total_is_an_area_observation(store) -> None:
    rows = one(store, f"SELECT ?area ?v WHERE {{ <{BASE}id/observation/fe-skills-achievements-per-100000/E92000001/"
                      f"AY2024-25> sdmx-dimension:refArea ?area ; <{BASE}id/metric/fe-skills-achievements-per-100000> ?v }}")
    assert rows == [{"area": f"{BASE}id/area/E92000001", "v": "3554"}]


def test_empty_source_cell_is_a_missing_observation_with_reason(store) -> None:
    rows = one(store, f"""SELECT ?type ?status ?reason ?value WHERE {{
        <{BASE}id/observation/defra-household-recycling-rate/BST/2023-24> a ?type ;
            lacat:observationStatus ?status ; lacat:statusReason ?reason .
        OPTIONAL {{ <{BASE}id/observation/defra-household-recycling-rate/BST/2023-24>
                    <{BASE}id/metric/defra-household-recycling-rate> ?value }} }}""")
    assert len(rows) == 1 and "value" not in rows[0]
    assert rows[0]["type"] == "https://w3id.org/lacat/def#MissingObservation"
    assert rows[0]["status"].endswith("/observation-status/missing")
    assert "':'" in rows[0]["reason"] and "sheet Table_3, row 4666" in rows[0]["reason"]


def test_observation_counts_per_metric(store) -> None:
    rows = one(store, "SELECT ?slug ?n ?missing WHERE { ?m a lacat:Metric ; dcterms:identifier ?slug ; "
                      "lacat:observationCount ?n ; lacat:missingCount ?missing }")
    counts = {r["slug"]: (int(r["n"]), int(r["missing"])) for r in rows}
    # Rows of the source files with a value / without one (England rows only, for DEFRA).
    assert counts["asc1-carer-quality-of-life"] == (451, 5)
    assert counts["asc7-workforce-turnover-rate"] == (809, 253)
    assert counts["defra-household-recycling-rate"] == (4375, 1)
    assert counts["oflog-residual-household-waste"] == (2486, 0)
    cube = one(store, "SELECT (COUNT(?o) AS ?n) WHERE { ?o qb:dataSet ?ds . ?ds lacat:metric/dcterms:identifier "
                      '"asc1-carer-quality-of-life" }')
    assert int(cube[0]["n"]) == 451


def test_latest_period_is_precomputed(store) -> None:
    rows = one(store, f"SELECT ?p ?k WHERE {{ <{BASE}id/metric/defra-household-recycling-rate> lacat:latestPeriod ?p ; "
                      "lacat:latestPeriodKey ?k }")
    assert rows == [{"p": "http://reference.data.gov.uk/id/government-year/2023-2024", "k": "2023-24"}]


def test_metric_definition_carries_its_caveats_and_source(store) -> None:
    rows = one(store, f"""SELECT ?label ?unit ?polarity ?higher ?src WHERE {{
        <{BASE}id/metric/oflog-recycling-contamination-rate> skos:prefLabel ?label ; lacat:unit ?unit ;
            lacat:polarity ?polarity ; lacat:higherIsBetter ?higher ; prov:wasDerivedFrom ?src }}""")
    assert rows[0]["unit"] == "http://qudt.org/vocab/unit/PERCENT"
    assert rows[0]["higher"] == "false" and rows[0]["polarity"].endswith("/polarity/lower")
    assert rows[0]["src"] == f"{BASE}id/dataset/oflog-waste-metrics"
    caveats = one(store, f"SELECT ?c WHERE {{ <{BASE}id/metric/oflog-recycling-contamination-rate> lacat:caveat ?c }}")
    assert len(caveats) >= 2


def test_observations_trace_to_their_source_file(store) -> None:
    rows = one(store, f"""SELECT ?file ?sha ?origin ?licence ?retrieved WHERE {{
        <{BASE}id/observation/defra-household-recycling-rate/BIR/2015-16> qb:dataSet ?ds .
        GRAPH ?g {{ <{BASE}id/observation/defra-household-recycling-rate/BIR/2015-16> qb:dataSet ?ds }}
        ?g prov:wasDerivedFrom ?file .
        ?file lacat:sha256 ?sha ; prov:hadPrimarySource ?origin ; dcterms:license ?licence ; lacat:retrieved ?retrieved }}""")
    assert len(rows) == 1
    assert rows[0]["origin"].startswith("https://github.com/wulfsagedev/civaccount/blob/f414133")
    assert rows[0]["licence"] == "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def test_computed_medians_and_mads_match_oflogs_own(store) -> None:
    """oflog_asc_data.csv carries Oflog's England median and MADs from it: ours must agree."""
    rows = one(store, """SELECT ?obs ?median ?mads WHERE {
        ?obs lacat:comparedWith ?c ; lacat:madsFromMedian ?mads . ?c lacat:median ?median .
        ?obs qb:dataSet/lacat:metric/skos:notation ?code }""")
    ours = {r["obs"]: (float(r["median"]), float(r["mads"])) for r in rows}
    records = PROJECT_ROOT / "catalogue" / "records" / "metrics"
    slugs = {f"ASC{i}": next(records.glob(f"asc{i}-*.yaml")).stem for i in range(1, 8)}
    gss_to_code = {r["g"]: r["a"].rsplit("/", 1)[-1] for r in one(
        store, "SELECT ?a ?g WHERE { ?a a lacat:LocalAuthority ; lacat:gssCode|lacat:formerGssCode ?g }")}
    compared = 0
    for r in source_rows("oflog/oflog_asc_data.csv"):
        if r["MADs_from_median"] == "":
            continue
        obs = f"{BASE}id/observation/{slugs[r['Code']]}/{gss_to_code[r['Local authority code']]}/{r['Financial year']}"
        median, mads = ours[obs]
        assert median == pytest.approx(float(r["MEDIAN"]), abs=1e-6), obs
        assert mads == pytest.approx(float(r["MADs_from_median"]), abs=1e-5), obs
        compared += 1
    assert compared == 6078  # every row with a value


def test_band_respects_polarity(store) -> None:
    # Birmingham's 2015-16 recycling rate, 22.9 against a median of 42.6 (MAD 6.5) over every council
    # of the time in DEFRA's workbook: 3.03 MADs below, and higher is better, so "much worse than".
    rows = one(store, f"SELECT ?label ?mads WHERE {{ <{BASE}id/observation/defra-household-recycling-rate/BIR/2015-16> "
                      "lacat:bandLabel ?label ; lacat:madsFromMedian ?mads }")
    assert rows[0]["label"] == "much worse than"
    assert float(rows[0]["mads"]) == pytest.approx(-3.030769, abs=1e-5)


def test_council_metric_year_query(store) -> None:
    t = time.perf_counter()
    rows = select(store, "council-metric-year", authority=iri(f"{BASE}id/authority/BIR"),
                  metric=iri(f"{BASE}id/metric/asc1-carer-quality-of-life"), periodKey="2021-22")
    elapsed = time.perf_counter() - t
    assert [r["rank"] for r in rows] == list(range(16))
    council = rows[0]
    assert council["areaLabel"] == "Birmingham City Council"
    assert council["value"] == 6.7 and council["median"] == 7.2 and council["bandLabel"] == "worse than"
    assert all(r["value"] is not None or r["status"] == "Missing" for r in rows[1:] if "value" in r or "status" in r)
    distances = [r["distance"] for r in rows[1:]]
    assert distances == sorted(distances)
    assert elapsed < 2.0
