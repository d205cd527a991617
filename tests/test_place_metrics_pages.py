"""The homelessness, road condition, housing supply and planning metrics in the built catalogue:
observations in the cube (SPARQL over the real store) with their statuses and reasons, and the
metric pages and table twins (Flask test client) showing Birmingham's figures from the cells
tests/test_place_metrics.py checks against the workbooks."""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

import pytest
from pyoxigraph import NamedNode

from core.queries import iri, select
from core.uris import LACAT, SDMX_DIM, period_uri

CASES = [
    # metric, period, Birmingham's value as the source gives it
    ("homelessness-ta-households-with-children-per-1000", "2025-12-31", "10.83"),
    ("homelessness-families-in-bb-over-six-weeks", "2025-12-31", "468"),
    ("homelessness-prevention-duties-ended-accommodation-secured-percent", "2025-Q4", "61.7"),
    ("homelessness-relief-duties-ended-accommodation-secured-percent", "2025-Q4", "20.9"),
    ("road-condition-a-roads-red", "2024-25", "2"),
    ("road-condition-bc-roads-red", "2024-25", "4"),
    ("net-additional-dwellings", "2024-25", "4454"),
    ("housing-delivery-test-measurement", "2022-23", "79"),
    ("planning-decisions", "YE2025-09", "3425"),
    ("planning-decisions-delegated-percent", "YE2025-09", "98.7"),
    ("planning-decisions-granted-percent", "YE2025-09", "83.3"),
    ("planning-extension-of-time-percent", "YE2025-09", "59.0"),
]


def _value(store, settings, metric: str, period: str, area: str = "BIR") -> dict:
    """predicate -> object of one observation (each predicate once per observation here)."""
    obs = settings.base_uri + f"id/observation/{metric}/{area}/{period}"
    return {r["p"].value: r["o"] for r in store.select(f"SELECT ?p ?o WHERE {{ <{obs}> ?p ?o }}")}


@pytest.mark.parametrize(("metric", "period", "expected"), CASES)
def test_birmingham_observation_in_the_cube(store, settings, metric, period, expected) -> None:
    facts = _value(store, settings, metric, period)
    measure = settings.base_uri + f"id/metric/{metric}"
    assert measure in facts, (metric, period)
    assert Decimal(facts[measure].value) == Decimal(expected)  # the store keeps decimals canonical (59.0 -> 59)
    assert facts[str(SDMX_DIM.refPeriod)] == NamedNode(period_uri(period))


def test_series_break_and_its_reason_are_on_the_observation(store, settings) -> None:
    facts = _value(store, settings, "road-condition-a-roads-red", "2024-25")
    assert facts[str(LACAT.observationStatus)].value.endswith("observation-status/method-differs")
    assert "note 7" in facts[str(LACAT.statusReason)].value and "U70" in facts[str(LACAT.statusReason)].value
    bb = _value(store, settings, "homelessness-families-in-bb-over-six-weeks", "2024-12-31")
    assert "multiple placements" in bb[str(LACAT.statusReason)].value


def test_unavailable_road_figure_is_a_missing_observation(store, settings) -> None:
    facts = _value(store, settings, "road-condition-a-roads-red", "2023-24", "LDS")
    assert facts[str(LACAT.observationStatus)].value.endswith("observation-status/missing")
    assert "[x]" in facts[str(LACAT.statusReason)].value


def test_england_figures_are_area_observations(store, settings) -> None:
    for metric, period, expected in [("homelessness-ta-households-with-children-per-1000", "2025-12-31", "3.51"),
                                     ("road-condition-bc-roads-red", "2024-25", "7"),
                                     ("net-additional-dwellings", "2024-25", "208600"),
                                     ("planning-decisions", "YE2025-09", "303215")]:
        facts = _value(store, settings, metric, period, "E92000001")
        assert Decimal(facts[settings.base_uri + f"id/metric/{metric}"].value) == Decimal(expected)


def _same(cell: str, expected: str) -> bool:
    try:
        return Decimal(cell.replace(",", "")) == Decimal(expected)
    except InvalidOperation:
        return False


@pytest.mark.parametrize(("metric", "period", "expected"), CASES)
def test_metric_page_and_values_twin_show_birmingham(client, metric, period, expected) -> None:
    page = client.get(f"/doc/metric/{metric}?council=BIR&period={period}")
    assert page.status_code == 200, metric
    text = page.get_data(as_text=True)
    assert 'id="caveats"' in text and "Birmingham" in text
    twin = client.get(f"/doc/metric/{metric}/values.csv?period={period}")
    assert twin.status_code == 200
    rows = list(csv.DictReader(io.StringIO(twin.get_data(as_text=True))))
    bir = [r for r in rows if "BIR" in r.values()]
    assert bir, metric
    assert any(_same(v, expected) for v in bir[0].values()), bir[0]


def test_pages_name_the_new_period_kinds_in_words(client) -> None:
    page = client.get("/doc/metric/planning-decisions?council=BIR").get_data(as_text=True)
    assert "Birmingham City Council: 3,425 in the year to September 2025" in page
    assert "Values in the year to September 2025" in page
    page = client.get("/doc/metric/homelessness-relief-duties-ended-accommodation-secured-percent?council=BIR")
    assert "in October to December 2025" in page.get_data(as_text=True)
    page = client.get("/doc/metric/homelessness-families-in-bb-over-six-weeks?council=BIR").get_data(as_text=True)
    assert "31 December 2025" in page


def test_new_service_areas_are_listed(store) -> None:
    areas = {str(r["label"].value) for r in store.select("""
        PREFIX lacat: <https://w3id.org/lacat/def#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?label WHERE { ?m lacat:serviceArea ?a . ?a skos:prefLabel ?label }""")}
    assert {"Homelessness", "Highways", "Planning", "Housing"} <= areas


def test_council_metric_year_query_reads_a_new_period_kind(store, settings) -> None:
    rows = select(store, "council-metric-year", metric=iri(settings.base_uri + "id/metric/planning-decisions"),
                  authority=iri(settings.base_uri + "id/authority/BIR"), periodKey="YE2025-09")
    own = [r for r in rows if int(r["rank"]) == 0]
    assert own and Decimal(str(own[0]["value"])) == 3425
