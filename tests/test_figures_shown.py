"""Figures are shown at the precision their source publishes (the metric record's decimal_places),
on pages, in chart tooltips and axes, in texts computed at build time and in spreadsheets; the data
keep each value exactly as the file has it. Period keys keep their case in sentences.

Figures checked against the bundled files: DEFRA ENV18 (Trafford Data Lab compilation) gives
Leicester's 2023/24 recycling rate as 41.699999999999996 (row 2397), DEFRA's own workbook (the
metric's source since version 2) as the fraction 0.417, which the cube keeps as the decimal 41.7; the ONS ELS file of further
education achievements gives Birmingham 4896 for 2024-08-01/P1Y (row 857) and 4264 for
2019-08-01/P1Y (row 861).
"""

from __future__ import annotations

import html
import io
import json
import re
from decimal import Decimal

import jsonschema
import pytest
import yaml
from openpyxl import load_workbook

from core.figures import d3_format, excel_format, figure, rounded
from core.settings import PROJECT_ROOT
from datapackages.content import Content, package_specs, read_content
from datapackages.writer import workbook, write_package

RECORDS = PROJECT_ROOT / "catalogue" / "records"
NOISE = re.compile(r"\d\.\d{6,}")  # more decimals than any of the catalogue's sources publishes


def _text(response) -> str:
    """The page's text, tags removed and spaces collapsed, without the metrics' own caveats (one
    quotes the file's noise, 52.400000000000006, to explain it)."""
    body = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    for path in (RECORDS / "metrics").glob("*.yaml"):
        for caveat in yaml.safe_load(path.read_text(encoding="utf-8"))["caveats"]:
            body = body.replace(caveat, " ")
    return re.sub(r"\s+", " ", body)


def test_rounding_is_half_away_from_zero_on_the_decimal_text() -> None:
    assert figure(41.699999999999996, 1) == "41.7"
    assert figure(29.799999999999997, 1) == "29.8"
    assert figure(4896.0, 0) == "4,896"
    assert figure("0.408", 3) == "0.408"
    assert figure(Decimal("2.25"), 1) == "2.3"  # a float 2.25 would round to even (2.2)
    assert figure(-0.04, 1) == "0.0"
    assert rounded("1234.5", 0) == Decimal("1235")
    assert excel_format(0) == "#,##0" and excel_format(2) == "#,##0.00" and d3_format(1) == ",.1f"
    with pytest.raises(ValueError):
        figure("n/a", 1)


def test_every_metric_record_states_its_precision() -> None:
    schema = json.loads((RECORDS / "metric.schema.json").read_text(encoding="utf-8"))
    assert "decimal_places" in schema["required"]
    record = yaml.safe_load((RECORDS / "metrics" / "defra-household-recycling-rate.yaml").read_text("utf-8"))
    assert record["decimal_places"] == 1
    del record["decimal_places"]
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(record))
    assert any("'decimal_places' is a required property" in e.message for e in errors)


def test_the_store_keeps_the_exact_value_and_states_the_precision(store, settings) -> None:
    metric = settings.base_uri + "id/metric/defra-household-recycling-rate"
    obs = settings.base_uri + "id/observation/defra-household-recycling-rate/LCE/2023-24"
    rows = store.select(f"SELECT ?v ?d WHERE {{ <{obs}> <{metric}> ?v . "
                        f"<{metric}> <http://purl.org/linked-data/sdmx/2009/attribute#decimals> ?d }}")
    # The workbook's fraction is scaled as a decimal, so no binary noise enters the store.
    assert [(r["v"].value, r["d"].value) for r in rows] == [("41.7", "1")]


def test_council_page_shows_figures_at_the_source_precision(client) -> None:
    text = _text(client.get("/doc/authority/BIR"))
    # Whom to learn from: Leicester, a similar council, at one decimal as DEFRA publishes.
    assert "41.7 in 2023-24, against a median of 29.8 across" in text
    assert "Changed by 6.0 from 2020-21 (35.7) to 2023-24 (41.7)" in text
    # Further education rates are whole numbers in the ONS file.
    assert re.search(r"4,896 Higher than the England median \(3,\d{3}\)", text)
    assert "Up from 4,264 in AY2019-20" in text
    assert "ay2019-20" not in text and "4,896.0" not in text
    assert not NOISE.findall(text)


@pytest.mark.parametrize("path", ["/doc/metric/defra-household-recycling-rate",
                                  "/doc/metric/fe-skills-achievements-per-100000?council=BIR",
                                  "/doc/authority/LCE", "/doc/observation/defra-household-recycling-rate/LCE/2023-24"])
def test_no_page_shows_floating_point_noise(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert not NOISE.findall(_text(response)), path


def _specs(response) -> list[dict]:
    return [json.loads(html.unescape(s)) for s in re.findall(r'data-vega-spec="([^"]+)"', response.get_data(as_text=True))]


@pytest.mark.parametrize("slug,fmt", [("defra-household-recycling-rate", ",.1f"),
                                      ("fe-skills-achievements-per-100000", ",.0f"),
                                      ("asc2-service-user-quality-of-life", ",.3f")])
def test_chart_tooltips_and_axes_use_the_source_precision(client, slug: str, fmt: str) -> None:
    specs = _specs(client.get(f"/doc/metric/{slug}?council=BIR"))
    assert specs
    text = json.dumps(specs)
    formats = set(re.findall(r'"format": "([^"]*)"', text))
    assert formats == {fmt}, formats


@pytest.fixture(scope="module")
def content(store, settings) -> Content:
    """What the data packages are made from, read from the store once for this file's tests."""
    return read_content(store, settings.base_uri)


def test_spreadsheet_cells_keep_the_value_and_show_the_precision(content: Content, tmp_path) -> None:
    spec = next(s for s in package_specs(content) if s.kind == "metric" and s.ident == "defra-household-recycling-rate")
    _folder, desc = write_package(content, spec, tmp_path)
    wb = load_workbook(io.BytesIO(workbook(content, spec, desc)))
    ws = wb["observations"]
    header = [c.value for c in ws[1]]
    col, who, when = header.index("value"), header.index("authority_code"), header.index("period")
    row = next(r for r in ws.iter_rows(min_row=2) if r[who].value == "LCE" and r[when].value == "2023-24")
    assert row[col].value == pytest.approx(41.7, abs=1e-9) and row[col].number_format == "#,##0.0"
    median = row[header.index("england_median")]
    assert median.value is None or median.number_format == "#,##0.0"


def test_package_metrics_carry_their_precision(content: Content) -> None:
    places = {m.slug: m.decimal_places for m in content.metrics.values()}
    assert places["fe-skills-achievements-per-100000"] == 0
    assert places["asc2-service-user-quality-of-life"] == 3
    assert places["finance-cfr-percent-nre"] == 2
    assert all(isinstance(p, int) for p in places.values()), places
