"""DEFRA's local authority collected waste workbook: figures are the cells of Table 3 (rates turned
from fractions into percentages exactly), abolished councils keep their history, the older copies
agree with it, and a broken workbook loads nothing, naming file, sheet, row and column."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from core.problems import SourceError
from core.settings import PROJECT_ROOT
from core.yaml_text import load_yaml
from ingest.adapters import defra_waste
from ingest.geography.load import load_register
from ingest.geography.model import Register
from ingest.waste_cross_check import compare

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records" / "metrics"
WORKBOOK = "metrics/waste/waste-data.ods"
SLUGS = ("defra-household-recycling-rate", "defra-residual-household-waste-per-household",
         "defra-municipal-waste-landfilled", "defra-household-waste-per-person")


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def records() -> list[SimpleNamespace]:
    out = []
    for slug in SLUGS:
        data = load_yaml((RECORDS / f"{slug}.yaml").read_text(encoding="utf-8"))
        out.append(SimpleNamespace(slug=slug, data=data))
    return out


@pytest.fixture(scope="module")
def frame(register: Register, records) -> pd.DataFrame:
    return defra_waste.derive(SOURCES, records, register)[WORKBOOK]


@pytest.fixture(scope="module")
def sheet() -> list[list[object]]:
    return CalamineWorkbook.from_path(str(SOURCES / WORKBOOK)).get_sheet_by_name("Table_3").to_python()


def sheet_row(sheet, year: str, gss: str) -> tuple[int, list[object]]:
    hits = [(i + 1, r) for i, r in enumerate(sheet) if r[0] == year and r[2] == gss]
    assert len(hits) == 1
    return hits[0]


def value(frame: pd.DataFrame, slug: str, area: str, period: str):
    hit = frame[(frame["metric"] == slug) & (frame["area"] == area) & (frame["period"] == period)
                & frame["excluded"].isna()]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.mark.parametrize(("year", "expected"), [
    ("2022-23", {"defra-residual-household-waste-per-household": "656.1", "defra-household-recycling-rate": "22.9",
                 "defra-municipal-waste-landfilled": "1.2", "defra-household-waste-per-person": "336.7"}),
    ("2023-24", {"defra-residual-household-waste-per-household": "653.2", "defra-household-recycling-rate": "22.7",
                 "defra-municipal-waste-landfilled": "2.9", "defra-household-waste-per-person": "334.5"}),
])
def test_birmingham_figures_are_table_3_cells(frame, sheet, year: str, expected: dict[str, str]) -> None:
    row, cells = sheet_row(sheet, year, "E08000025")
    assert cells[4] == "Birmingham City Council"
    # Columns G..J of the sheet: NI191 kg, NI192 fraction, NI193 fraction, BVPI84a kg.
    by_slug = {"defra-residual-household-waste-per-household": cells[6], "defra-household-recycling-rate": cells[7],
               "defra-municipal-waste-landfilled": cells[8], "defra-household-waste-per-person": cells[9]}
    for slug, text in expected.items():
        got = value(frame, slug, "BIR", year)
        assert got["value"] == text and int(got["row"]) == row
        cell = by_slug[slug]
        scale = 100 if slug in ("defra-household-recycling-rate", "defra-municipal-waste-landfilled") else 1
        assert round(float(cell) * scale, 6) == float(text)
    assert by_slug["defra-household-recycling-rate"] == 0.227 if year == "2023-24" else 0.229


def test_england_total_row_is_england_and_provisional_in_2023_24(frame, sheet) -> None:
    rows = [(i + 1, r) for i, r in enumerate(sheet) if r[0] == "2023-24" and str(r[1]).startswith("Total England")]
    assert len(rows) == 1
    row, cells = rows[0]
    assert cells[1] == "Total England (Provisional)"
    got = value(frame, "defra-household-recycling-rate", "E92000001", "2023-24")
    assert int(got["row"]) == row and got["status"] == "provisional"
    assert float(got["value"]) == round(cells[7] * 100, 6)
    earlier = value(frame, "defra-household-recycling-rate", "E92000001", "2022-23")
    assert pd.isna(earlier["status"])


def test_abolished_councils_keep_their_history(frame) -> None:
    # Allerdale (abolished 2023) and Bournemouth (abolished 2019) have their own figures.
    assert value(frame, "defra-household-recycling-rate", "ALL", "2010-11")["value"] == "47.3"
    loaded = frame[frame["excluded"].isna() & (frame["metric"] == "defra-household-recycling-rate")]
    assert {"2010-11", "2018-19"} <= set(loaded.loc[loaded["gss"] == "E06000028", "period"])
    assert "2019-20" not in set(loaded.loc[loaded["gss"] == "E06000028", "period"])


def test_bristol_2023_24_is_missing_not_zero(frame) -> None:
    got = value(frame, "defra-household-recycling-rate", "BST", "2023-24")
    assert got["status"] == "missing" and pd.isna(got["value"]) and "':'" in got["reason"]


def test_rows_that_are_not_councils_are_reported(frame) -> None:
    reasons = set(frame["excluded"].dropna())
    assert "regional total (a statistical aggregate, not a council)" in reasons
    assert "joint waste authority or partnership (E50 code), not a council" in reasons
    assert any(r.startswith("Buckinghamshire Council") for r in reasons)


def test_older_copies_agree_with_the_workbook(register: Register) -> None:
    compared, found = compare(SOURCES, register)
    assert compared == 7492 and found == []


def test_a_copy_that_disagrees_is_reported_with_both_cells(tmp_path: Path, register: Register) -> None:
    sources = tmp_path / "ingest" / "sources"
    for folder in ("geography", "oflog", "metrics/waste"):
        shutil.copytree(SOURCES / folder, sources / folder)
    for name in ("defra_env18_household_recycling_rate_tdl.csv", "defra_env18_household_recycling_rate_tdl.schema.yaml"):
        shutil.copy(SOURCES / "metrics" / name, sources / "metrics" / name)
    path = sources / "metrics/defra_env18_household_recycling_rate_tdl.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.startswith("E08000025,") and ",2023/24," in line)
    assert lines[index].endswith(",Percent,22.7\n")
    lines[index] = lines[index].replace(",Percent,22.7", ",Percent,27.2")
    path.write_text("".join(lines), encoding="utf-8")
    _, found = compare(sources, register)
    assert len(found) == 1
    d = found[0]
    assert (d.row, d.authority, d.period, d.copy_value, d.workbook_value) == (index + 1, "BIR", "2023-24", "27.2", "22.7")
    assert "sheet Table_3, row" in str(d)


# --- Broken workbooks, made at test time ---------------------------------------------------------

HEADER = ["Year", "Region", "ONS code", "Jpp Order", "Authority", "Authority type",
          "Residual household waste per household (kg/household) (Ex NI191)",
          "Percentage of household waste sent for reuse, recycling or composting (Ex NI192)",
          "Percentage of municipal waste sent to landfill (Ex NI193)",
          "Collected household waste per person (kg) (Ex BVPI 84a)"]
# Two real rows of the 2023-24 sheet (Birmingham, England), from which each test breaks one cell.
GOOD = [["2023-24", "West Midlands", "E08000025", 180.0, "Birmingham City Council", "Unitary", 653.2, 0.227, 0.029,
         334.5],
        ["2023-24", "Total England (Provisional)", "Total", "Total", "Total", "Total", 510.9, 0.423, 0.055, 391.4]]


def workbook(tmp_path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    path = tmp_path / "ingest" / "sources" / WORKBOOK
    path.parent.mkdir(parents=True)
    body = [["Table 3: Selected Waste Indicators"] + [""] * 9, [""] * 10, [""] * 10, header, *rows]
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["Local Authority Collected Waste Statistics"]]).to_excel(writer, sheet_name="Index",
                                                                              header=False, index=False)
        pd.DataFrame(body).to_excel(writer, sheet_name="Table_3", header=False, index=False)
    return path


def test_a_good_small_workbook_loads(tmp_path: Path, register: Register, records) -> None:
    path = workbook(tmp_path, GOOD)
    frame = defra_waste.tidy(path, [(r, r.data["sources"][0]["select"]) for r in records], register)
    assert value(frame, "defra-household-recycling-rate", "BIR", "2023-24")["value"] == "22.7"


@pytest.mark.parametrize(("row", "column", "new", "field", "rule"), [
    (0, 7, "0.2x7", HEADER[7], "type-error"),
    (0, 7, 2.27, HEADER[7], "value-out-of-range"),
    (0, 2, "E0800025", "ONS code", "gss-code-format"),
    (0, 2, "E08999999", "ONS code", "unknown-authority"),
    (0, 0, "2023/24", "Year", "period-format"),
    (0, 5, "Colection", "Authority type", "authority-type"),
    (1, 0, "2030-31", "Year", "period-in-future"),
])
def test_a_broken_workbook_loads_nothing(tmp_path: Path, register: Register, records, row: int, column: int, new,
                                          field: str, rule: str) -> None:
    rows = [list(r) for r in GOOD]
    rows[row][column] = new
    if new == "2030-31":
        rows[row][1] = "West Midlands"
        rows[row][2:6] = ["E08000025", 180.0, "Birmingham City Council", "Unitary"]
    path = workbook(tmp_path, rows)
    with pytest.raises(SourceError) as exc:
        defra_waste.tidy(path, [(r, r.data["sources"][0]["select"]) for r in records], register)
    found = [(p.file, p.sheet, p.row, p.field, p.rule) for p in exc.value.problems]
    assert (f"ingest/sources/{WORKBOOK}", "Table_3", 5 + row, field, rule) in found, found


def test_a_missing_column_or_sheet_is_named(tmp_path: Path, register: Register, records) -> None:
    path = workbook(tmp_path, GOOD, HEADER[:7] + ["Recycling rate"] + HEADER[8:])
    with pytest.raises(SourceError) as exc:
        defra_waste.tidy(path, [(r, r.data["sources"][0]["select"]) for r in records], register)
    assert [(p.sheet, p.row, p.field, p.rule) for p in exc.value.problems] == [("Table_3", 4, HEADER[7], "missing-column")]
    assert "sheet Table_3, row 4" in str(exc.value)


def test_record_periods_are_the_workbooks_years(frame, records) -> None:
    loaded = frame[frame["excluded"].isna()]
    for record in records:
        assert set(loaded.loc[loaded["metric"] == record.slug, "period"]) == set(record.data["periods"]), record.slug
