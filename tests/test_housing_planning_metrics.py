"""Housing supply (MHCLG LT122, Housing Delivery Test) and planning (MHCLG P134) metrics, read
from the bundled workbooks: figures against the cells they came from (Birmingham, and England
where the file has it), and broken copies written at test time failing with file, sheet, row and
field."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from core.problems import SourceError
from ingest.adapters import DERIVED, housing_supply, planning
from ingest.adapters.sheets import Target
from tests.test_place_metrics import SOURCES, all_records, one, records_of, register, row_of, sheet_rows

__all__ = ["all_records", "register"]  # module fixtures shared with the homelessness and road tests


# --- Housing supply -------------------------------------------------------------------------------

NET = "net-additional-dwellings"
HDT_METRIC = "housing-delivery-test-measurement"


@pytest.fixture(scope="module")
def housing(all_records, register) -> pd.DataFrame:
    frames = DERIVED[housing_supply.ADAPTER](SOURCES, records_of(all_records, housing_supply.ADAPTER), register)
    frame = pd.concat(frames.values(), ignore_index=True)
    return frame[frame["excluded"].isna()]


def test_lt122_birmingham_and_england_from_their_cells(housing) -> None:
    rows = sheet_rows(housing_supply.LT122, "LT_122")
    header = rows[4]
    col = header.index("2024-25 [p]")
    bir = next((i + 1, r) for i, r in enumerate(rows) if r[2] == "E08000025")
    eng = next((i + 1, r) for i, r in enumerate(rows) if r[2] == "E92000001")
    assert (bir[1][col], eng[1][col]) == (4454, 208600)
    got = one(housing, NET, "BIR", "2024-25")
    assert (got["value"], got["status"], got["row"]) == ("4454", "provisional", bir[0])
    assert one(housing, NET, "E92000001", "2024-25")["value"] == "208600"
    assert one(housing, NET, "BIR", "2023-24")["status"] == "revised"
    assert one(housing, NET, "BIR", "2001-02")["value"] == "1434"


def test_lt122_abolished_and_new_councils_keep_their_own_years(housing) -> None:
    allerdale = housing[(housing["metric"] == NET) & (housing["gss"] == "E07000026")]
    assert allerdale["period"].max() == "2022-23" and len(allerdale) == 22
    cumberland = housing[(housing["metric"] == NET) & (housing["gss"] == "E06000063")]
    assert sorted(cumberland["value"]) == ["936", "986"]
    assert housing[housing["gss"].str.startswith(("E10", "E11", "E12"))].empty


def test_hdt_measurement_is_the_published_fraction_as_a_percentage(housing) -> None:
    rows = sheet_rows(housing_supply.HDT, "Sheet1")
    n, bir = row_of(rows, "E08000025")
    assert bir[10] == 0.79 and bir[11] == "Buffer"
    got = one(housing, HDT_METRIC, "BIR", "2022-23")
    assert (got["value"], got["row"]) == ("79", n)
    # Allerdale delivered 789.3 homes against 260.57 required: 3.03, above 100%.
    assert one(housing, HDT_METRIC, "ALL", "2022-23")["value"] == "303"
    barrow = housing[(housing["metric"] == HDT_METRIC) & (housing["gss"] == "E07000027")].iloc[0]
    assert barrow["status"] == "missing" and "zero housing requirement" in barrow["reason"]


def test_hdt_bad_measurement_fails_with_row_and_field(tmp_path, register) -> None:
    rows = sheet_rows(housing_supply.HDT, "Sheet1")
    n, _ = row_of(rows, "E08000025")
    book = CalamineWorkbook.from_path(str(SOURCES / housing_supply.HDT))
    out = openpyxl.Workbook()
    ws = out.active
    ws.title = "Sheet1"
    for r in book.get_sheet_by_name("Sheet1").to_python(skip_empty_area=False):
        ws.append([None if v == "" else v for v in r])
    ws.cell(row=n, column=11, value="79%?")
    path = tmp_path / "housing-delivery-test.xlsx"
    out.save(path)
    target = Target(HDT_METRIC, "percent-of-requirement", ("NMD", "UA", "MD", "LBO", "CC"), False)
    with pytest.raises(SourceError) as err:
        housing_supply.read_hdt(path, register, target)
    problem = err.value.problems[0]
    assert (problem.row, problem.field, problem.rule) == (n, "Housing Delivery Test: 2023 measurement", "not-a-number")
    assert problem.file.endswith("housing-delivery-test.xlsx")


# --- Planning -------------------------------------------------------------------------------------

PLANNING = "planning/planning-data.ods"


@pytest.fixture(scope="module")
def planning_rows(all_records, register) -> pd.DataFrame:
    frames = DERIVED[planning.ADAPTER](SOURCES, records_of(all_records, planning.ADAPTER), register)
    frame = frames[PLANNING]
    return frame[frame["excluded"].isna()]


@pytest.mark.parametrize(("area", "gss"), [("BIR", "E08000025"), ("E92000001", "E92000001")])
def test_p134_figures_from_their_cells(planning_rows, area, gss) -> None:
    rows = sheet_rows(PLANNING, "LT_P134")
    header = rows[3]
    n, row = next((i + 1, r) for i, r in enumerate(rows) if r[1] == gss)
    decided = row[header.index("Total number of decisions")]
    eot = row[header.index("Decisions where an extension of time agreement was made")]
    delegated = row[header.index("Percentage of decisions delegated to officers")]
    granted = row[header.index("Percentage of decisions granted")]

    def value(metric: str) -> str:
        got = one(planning_rows, metric, area, "YE2025-09")
        assert got["row"] == n
        return got["value"]

    assert value("planning-decisions") == str(int(decided))
    assert value("planning-decisions-delegated-percent") == str(Decimal(repr(delegated)).quantize(Decimal("0.1")))
    assert value("planning-decisions-granted-percent") == str(Decimal(repr(granted)).quantize(Decimal("0.1")))
    share = (Decimal(100) * Decimal(int(eot)) / Decimal(int(decided))).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert value("planning-extension-of-time-percent") == str(share)


def test_p134_values_provenance_records(planning_rows) -> None:
    # PROVENANCE: England 303,215 decided, 96.3% delegated, 86.9% granted, 121,516 with an EoT;
    # Birmingham 3,425 / 98.7% / 83.3% / 2,021.
    bir = {m: one(planning_rows, m, "BIR", "YE2025-09")["value"] for m in planning_rows["metric"].unique()}
    assert bir == {"planning-decisions": "3425", "planning-decisions-delegated-percent": "98.7",
                   "planning-decisions-granted-percent": "83.3", "planning-extension-of-time-percent": "59.0"}
    assert one(planning_rows, "planning-extension-of-time-percent", "E92000001", "YE2025-09")["value"] == "40.1"
    assert planning_rows[planning_rows["gss"].str.startswith(("E26", "E51", "E12"))].empty
    # Barnsley and Sheffield carry their 2025 codes (note 21) and resolve to the same councils.
    assert set(planning_rows[planning_rows["gss"].isin(["E08000038", "E08000039"])]["area"]) == {"BNS", "SHF"}


def test_p134_bad_cell_fails_with_row_and_field(tmp_path, register) -> None:
    rows = sheet_rows(PLANNING, "LT_P134")
    n, _ = next((i + 1, r) for i, r in enumerate(rows) if r[1] == "E08000025")
    book = CalamineWorkbook.from_path(str(SOURCES / PLANNING))
    out = openpyxl.Workbook()
    ws = out.active
    ws.title = "LT_P134"
    for r in book.get_sheet_by_name("LT_P134").to_python(skip_empty_area=False):
        ws.append([None if v == "" else v for v in r])
    ws.cell(row=n, column=7, value="3,425 (est)")
    path = tmp_path / "planning-data.xlsx"
    out.save(path)
    target = Target("planning-decisions", "planning-decisions", ("NMD", "UA", "MD", "LBO", "CC"), True)
    with pytest.raises(SourceError) as err:
        planning.read(path, register, {planning.DECISIONS: target})
    problem = err.value.problems[0]
    assert (problem.row, problem.field, problem.rule) == (n, "decisions", "not-a-number")
    assert "LT_P134" in problem.message and problem.file.endswith("planning-data.xlsx")
