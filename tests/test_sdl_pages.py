"""The Single Data List pages and the rationalisation reports, against the bundled list."""

from __future__ import annotations

import csv
import io
import re

import pytest
import yaml

from catalogue.datasets import load_metric_records
from catalogue.reports import REPORTS
from catalogue.sdl import CURRENT_CODES
from core.settings import PROJECT_ROOT
from web.catalogue_pages import _cell

SDL = PROJECT_ROOT / "ingest" / "sources" / "single-data-list"


def bundled_collections() -> list[dict[str, str]]:
    with open(SDL / "sdl_collections.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_sdl_page_lists_every_bundled_collection_with_ref_and_department(client) -> None:
    html = client.get("/sdl").get_data(as_text=True)
    rows = bundled_collections()
    assert len(rows) == 148
    for row in rows:
        link = f'href="/doc/sdl-collection/{row["ref"]}"'
        assert link in html, row["ref"]
        # The row of the table holds the reference and the department code as printed.
        tr = re.search(r'<td class="govuk-table__cell lacat-mono">' + re.escape(row["ref"]) + r"</td>(.*?)</tr>", html,
                       re.S)
        assert tr, row["ref"]
        if row["department"]:
            # A renamed department shows under its code today (DLUHC is MHCLG again).
            code = CURRENT_CODES.get(row["department"], row["department"])
            assert f">{code}</abbr>" in tr.group(1), row["ref"]
        else:
            assert "Not stated" in tr.group(1)


def test_sdl_page_shows_the_six_principles_verbatim(client) -> None:
    html = client.get("/sdl").get_data(as_text=True)
    assert "to fulfil international obligations" in html
    assert "to support the evaluation of economic, social and environmental trends" in html
    assert html.count("<li>to ") >= 6


def test_wastedataflow_page_shows_department_history_and_metrics(client, settings) -> None:
    r = client.get("/doc/sdl-collection/082-00")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "WasteDataFlow - LA waste management statistics" in html
    assert "Department for Environment, Food and Rural Affairs" in html
    assert "2022-23, 2023-24" in html
    assert "/doc/dataset/oflog-waste-metrics" in html and "/doc/dataset/defra-env18-household-recycling" in html
    assert 'id="metrics"' in html


def test_collection_change_history(client) -> None:
    html = client.get("/doc/sdl-collection/252-00").get_data(as_text=True)
    # Local Authority Housing Statistics was amended in each of the three changes years.
    for year in ("2020-21", "2021-22", "2022-23"):
        assert f'<td class="govuk-table__cell">{year}</td><td class="govuk-table__cell">Amended</td>' in html
    html = client.get("/doc/sdl-collection/200-00").get_data(as_text=True)
    assert "Ceased" in html and "Not stated on the source page" in html


def test_unknown_or_malformed_reference_is_404(client) -> None:
    assert client.get("/doc/sdl-collection/999-00").status_code == 404
    assert client.get("/doc/sdl-collection/082").status_code == 404
    assert client.get("/doc/sdl-collection/082-00.ttl").status_code == 200


def test_collection_metrics_report_shows_wastedataflow_metrics(client, settings) -> None:
    waste = [m for m in load_metric_records(settings.records_dir) if m.published and
             any(s.dataset in ("oflog-waste-metrics", "defra-env18-household-recycling", "defra-la-collected-waste") for s in m.sources)]
    assert len(waste) >= 1
    r = client.get("/reports/collection-metrics.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert {row["SDL reference"] for row in rows} == {c["ref"] for c in bundled_collections()}
    on_wdf = {row["Published metric"] for row in rows if row["SDL reference"] == "082-00"}
    assert on_wdf == {m.title for m in waste}
    html = client.get("/reports/collection-metrics").get_data(as_text=True)
    assert "What this data cannot show" in html
    assert "docs/reports/collection-metrics.rq" in html


@pytest.mark.parametrize("report", [r.name for r in REPORTS])
def test_every_report_has_page_and_csv_twin(client, report: str) -> None:
    page = client.get(f"/reports/{report}")
    assert page.status_code == 200
    n = int(re.search(r'id="row-count">(\d+) row', page.get_data(as_text=True)).group(1))
    csv_rows = list(csv.reader(io.StringIO(client.get(f"/reports/{report}.csv").get_data(as_text=True))))
    assert len(csv_rows) == n + 1


def test_year_on_year_counts_every_change_event(client) -> None:
    with open(SDL / "sdl_changes.csv", encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/year-on-year.csv").get_data(as_text=True))))
    assert len(rows) == len(events) == 37
    new_2022 = sorted(r["SDL reference"] for r in rows if r["Changes year"] == "2022-23" and r["Change"] == "New")
    assert new_2022 == ["273-00", "274-00", "275-00", "276-00"]


def test_burden_and_outside_sdl_reports(client) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/burden-by-department.csv").get_data(as_text=True))))
    by_code = {r["Code on the list"]: int(r["Returns (2022-23)"]) for r in rows}
    listed = [c for c in bundled_collections() if "2022-23" in c["list_year"] and c["department"] != "EC"]
    defra = sum(1 for c in listed if c["department"].split("/")[0] == "DEFRA")
    assert by_code["DEFRA"] == defra == 14
    assert sum(by_code.values()) == len(listed) == 130
    html = client.get("/reports/burden-by-department").get_data(as_text=True)
    assert "Burden by authority type" in html
    rows = list(csv.DictReader(io.StringIO(client.get("/reports/metrics-outside-sdl.csv").get_data(as_text=True))))
    # Read from the dataset records themselves: a metric outside the list draws only on datasets
    # whose record names no Single Data List collection.
    outside = set()
    for path in (PROJECT_ROOT / "catalogue" / "records" / "datasets").glob("*.yaml"):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not record.get("sdl"):
            outside.add(record["title"])
    assert rows and {r["Source dataset"] for r in rows} <= outside


def test_csv_twin_neutralises_formulas() -> None:
    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("082-00") == "082-00"
    assert _cell(None) == ""
