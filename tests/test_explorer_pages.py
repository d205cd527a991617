"""Data explorer pages over the real catalogue (Flask test client): metric, council, compare and
combined-authority pages, search, table twins, and the chart specifications."""

from __future__ import annotations

import csv
import io
import json
import re

import altair as alt
import pytest

from web import charts

RECYCLING = "defra-household-recycling-rate"


def html(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, path
    return r.get_data(as_text=True)


def test_metric_page_shows_caveats_before_numbers(client) -> None:
    page = html(client, f"/doc/metric/{RECYCLING}")
    for needle in ("Unit", "Per cent", "Higher is better", "Version 2", "How it is measured",
                   "Where the figures come from", "ENV18"):
        assert needle in page
    # The metric's own caveat (Bristol's 2023-24 "NA") is shown, and before the values table.
    caveats = page.index('id="caveats"')
    assert "Bristol" in page[caveats:page.index('id="values"')]
    assert caveats < page.index('id="values-table"') < page.index('id="series-table"')
    assert f'href="/downloads/metric/{RECYCLING}.zip"' in page
    assert f'href="/doc/metric/{RECYCLING}/values.csv"' in page
    assert '<link rel="alternate" type="text/turtle"' in page


def test_metric_page_values_with_real_figures(client) -> None:
    page = html(client, f"/doc/metric/{RECYCLING}?council=TRF")
    # Trafford's DEFRA ENV18 rate for 2023-24 is 58.4% (traffordDataLab compilation).
    row = re.search(r'<tr class="govuk-table__row lacat-row-focus">(.*?)</tr>', page, re.S).group(1)
    assert "Trafford" in row and "58.4%" in row and "better than" in row
    assert "Summary:</strong> Trafford Metropolitan Borough Council: 58.4% in 2023-24" in page
    assert re.search(r"England median of lower-tier councils 4\d\.\d%, higher than \d+ of \d+ other councils", page)
    # Bristol is listed as missing, not as zero.
    bristol = re.search(r'href="/doc/authority/BST">.*?</tr>', page, re.S).group(0)
    assert "missing" in bristol


def test_metric_table_sorts_without_javascript(client) -> None:
    page = html(client, f"/doc/metric/{RECYCLING}?sort=name&order=asc")
    codes = re.findall(r'<td class="govuk-table__cell" data-sort-value="([^"]+)"><a class="govuk-link" href="/doc/authority/',
                       page)
    assert codes == sorted(codes, key=str.casefold) and len(codes) > 250
    assert 'aria-sort="ascending"' in page
    page = html(client, f"/doc/metric/{RECYCLING}?sort=value&order=asc")
    values = [float(v) for v in re.findall(r'govuk-table__cell--numeric" data-sort-value="([0-9.]+)"><a', page)]
    assert values == sorted(values)


def test_metric_page_other_period_and_unknown(client) -> None:
    page = html(client, f"/doc/metric/{RECYCLING}?period=2019-20")
    assert "Values in 2019-20" in page
    assert client.get("/doc/metric/no-such-metric").status_code == 404
    # A bad period or council falls back, never a 500.
    assert client.get(f"/doc/metric/{RECYCLING}?period=1900&council=%3Cscript%3E").status_code == 200


def test_metrics_list_and_twins(client) -> None:
    page = html(client, "/metrics")
    assert "Waste" in page and f'href="/doc/metric/{RECYCLING}"' in page
    r = client.get("/metrics.json?page_size=5")
    body = r.get_json()
    assert body["total"] >= 19 and len(body["items"]) == 5
    assert r.headers["Link"] == '</metrics.json?page=2&page_size=5>; rel="next"'
    rows = list(csv.DictReader(io.StringIO(client.get("/metrics.csv").get_data(as_text=True))))
    assert any(r["slug"] == RECYCLING and r["unit"] == "Per cent" for r in rows)


def test_values_twins(client) -> None:
    body = client.get(f"/doc/metric/{RECYCLING}/values.json?page_size=1000").get_json()
    trafford = next(i for i in body["items"] if i["code"] == "TRF")
    assert trafford["value"] == 58.4 and trafford["period"] == "2023-24" and trafford["band"] == "better than"
    assert next(i for i in body["items"] if i["code"] == "BST")["status"] == "missing"
    r = client.get(f"/doc/metric/{RECYCLING}/values.csv?page_size=50")
    assert r.mimetype == "text/csv" and 'rel="next"' in r.headers["Link"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 50 and rows[0]["period"] == "2023-24"


def test_council_page_metrics_section(client) -> None:
    page = html(client, "/doc/authority/TRF")
    section = page[page.index('id="metrics"'):]
    row = re.search(rf'<tr class="govuk-table__row" data-metric="{RECYCLING}">(.*?)</tr>', section, re.S).group(1)
    assert "58.4%" in row and "<strong>Better than</strong> the England median" in row
    assert re.search(r"(Higher|Lower) than \d+ of 15 similar councils \(their median \d+\.\d%\)", row)
    assert f'href="/compare/{RECYCLING}/TRF"' in row
    assert "Down from 60.4% in 2015-16" in row or "Up from 40.8% in 2010-11" in row
    assert 'href="/downloads/authority/TRF.zip"' in page
    # The existing facts of the council page are still there.
    assert 'id="facts"' in page


def test_compare_page_similar_and_chosen(client) -> None:
    page = html(client, f"/compare/{RECYCLING}/TRF")
    assert page.index('id="caveats"') < page.index('id="compare-table"')
    assert "Summary:</strong> Trafford Metropolitan Borough Council: 58.4% in 2023-24. The median of its similar " \
           "authorities is" in page
    assert len(re.findall(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/doc/authority/',
                          page)) == 16
    page = html(client, f"/compare/{RECYCLING}/TRF?with=MAN&with=SLF")
    rows = re.findall(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/doc/authority/([A-Z]+)',
                      page)
    assert rows == ["TRF", "MAN", "SLF"]
    body = client.get(f"/compare/{RECYCLING}/TRF.json?with=MAN").get_json()
    assert {i["code"] for i in body["items"]} == {"TRF", "MAN"}
    assert client.get(f"/compare/{RECYCLING}/KEN").status_code == 404  # a county does not collect waste
    assert client.get(f"/compare/{RECYCLING}/ZZZZ").status_code == 404


def test_combined_authorities_aggregate_only_complete_members(client) -> None:
    body = client.get(f"/combined-authorities.json?metric={RECYCLING}").get_json()
    rows = {i["code"]: i for i in body["items"]}
    gm = rows["GMCA"]
    assert gm["members"] == gm["members_with_value"] == 10
    assert gm["members_min"] <= gm["members_median"] <= gm["members_max"]
    # Two-tier members (counties do not report this metric): no median is made up.
    incomplete = [r for r in rows.values() if r["members_with_value"] < r["members"]]
    assert incomplete and all(r["members_median"] is None for r in incomplete)
    page = html(client, f"/combined-authorities?metric={RECYCLING}")
    assert "not comparable" in page and "How this is computed" in page
    page = html(client, "/doc/authority/GMCA")
    assert 'id="members-compared"' in page and "members' median" in page


def test_search_page_and_suggestions(client) -> None:
    page = html(client, "/search?q=Trafford")
    assert 'href="/doc/authority/TRF"' in page
    page = html(client, "/search?q=recycling")
    assert f'href="/doc/metric/{RECYCLING}"' in page
    body = client.get("/search.json?q=traff").get_json()
    assert body["items"][0]["href"] == "/doc/authority/TRF"
    assert client.get("/search.json?q=").get_json()["items"] == []


def test_home_has_search_and_service_areas(client) -> None:
    page = html(client, "/")
    assert 'action="/search"' in page and "data-suggest" in page
    assert 'id="service-areas"' in page and "/metrics?area=waste" in page
    assert '<script src="/static/search.js"></script>' in page


def test_observation_area_and_version_pages(client) -> None:
    page = html(client, f"/doc/observation/{RECYCLING}/TRF/2023-24")
    assert "58.4%" in page and "Better than the England median" in page
    assert html(client, "/doc/area/E92000001").count("/doc/area/E12") == 9
    assert "Trafford" in html(client, "/doc/area/E12000002")
    assert "Version 1 (" in html(client, f"/doc/metric/{RECYCLING}/version/1")
    assert client.get(f"/doc/metric/{RECYCLING}/version/9").status_code == 404


def test_pages_escape_data(client) -> None:
    page = html(client, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_schema_org_dataset_embedded(client) -> None:
    for path in (f"/doc/metric/{RECYCLING}", "/doc/dataset/defra-env18-household-recycling"):
        page = html(client, path)
        blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
        assert len(blocks) == 1, path
        data = json.loads(blocks[0])
        assert data["@type"] == "Dataset" and data["name"]


@pytest.fixture()
def validating_charts():
    charts.VALIDATE = True
    yield
    charts.VALIDATE = False


def test_chart_specs_are_valid_vega_lite(client, validating_charts) -> None:
    for path in (f"/doc/metric/{RECYCLING}?council=TRF", f"/compare/{RECYCLING}/TRF"):
        page = html(client, path)
        specs = re.findall(r'data-vega-spec="([^"]+)"', page)
        assert specs, path
        for attr in specs:
            spec = json.loads(attr.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")
                              .replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'"))
            assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
            assert spec["description"]  # the text summary, also the chart's accessible name
            alt.Chart.from_dict({k: v for k, v in spec.items() if k != "datasets"}, validate=True)
            assert all(isinstance(v, list) for v in spec["datasets"].values())
    assert charts.VALIDATE
