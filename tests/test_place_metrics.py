"""Homelessness (H-CLIC TA1), road condition (DfT RDC0120), housing supply (MHCLG LT122, Housing
Delivery Test) and planning (MHCLG P134) metrics, read from the bundled workbooks.

Each figure is checked against the cell it came from (read here with calamine, independently of
the adapter's column finding): Birmingham and England where the file has an England row. Broken
copies of the real workbooks, written at test time, must fail with the file, sheet, row and field
and load nothing.
"""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from catalogue.metric_records import load_records
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from ingest.adapters import DERIVED, hclic, road_condition
from ingest.adapters.sheets import Target
from ingest.geography.load import load_register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records"
TA1_2025 = "homelessness/Statutory_Homelessness_Detailed_Local_Authority_Data_202512.ods"
TA1_2018 = "homelessness/DetailedLA_201812.xlsx"


@pytest.fixture(scope="module")
def register():
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def all_records():
    return load_records(RECORDS, SOURCES)


def records_of(all_records, adapter: str):
    return [r for r in all_records if any(s["adapter"] == adapter for s in r.data["sources"])]


@pytest.fixture(scope="module")
def loaded(all_records, register) -> dict[str, pd.DataFrame]:
    """adapter -> every loaded tidy row it gives (all files)."""
    out = {}
    for adapter in (hclic.ADAPTER, road_condition.ADAPTER):
        frames = DERIVED[adapter](SOURCES, records_of(all_records, adapter), register)
        frame = pd.concat(frames.values(), ignore_index=True)
        out[adapter] = frame[frame["excluded"].isna()]
    return out


def sheet_rows(rel: str, sheet: str) -> list[list]:
    book = CalamineWorkbook.from_path(str(SOURCES / rel))
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def row_of(rows: list[list], code: str) -> tuple[int, list]:
    hits = [(i + 1, r) for i, r in enumerate(rows) if str(r[0]).strip() == code]
    assert len(hits) == 1, code
    return hits[0]


def one(frame: pd.DataFrame, metric: str, area: str, period: str) -> pd.Series:
    hit = frame[(frame["metric"] == metric) & (frame["area"] == area) & (frame["period"] == period)]
    assert len(hit) == 1, (metric, area, period)
    return hit.iloc[0]


# --- Homelessness ---------------------------------------------------------------------------------

TA_RATE = "homelessness-ta-households-with-children-per-1000"
BB = "homelessness-families-in-bb-over-six-weeks"


def test_ta1_cells_are_what_provenance_records() -> None:
    rows = sheet_rows(TA1_2025, "TA1")
    n, bir = row_of(rows, "E08000025")
    # Columns E to I and M of TA1 (31 Dec 2025): in TA, households (000s), per 1,000, with children,
    # children, and with children in B&B over six weeks.
    assert (bir[4], bir[5], bir[7], bir[8], bir[12]) == (5151, 436.655, 4731, 11447, 468)
    _n, eng = row_of(rows, "E92000001")
    assert (eng[4], eng[5], eng[7], eng[12]) == (134210, 24440.28, 85800, 1190)


def test_birmingham_families_in_ta_per_1000_is_4731_over_436655(loaded) -> None:
    got = one(loaded[hclic.ADAPTER], TA_RATE, "BIR", "2025-12-31")
    assert got["value"] == "10.83"
    assert Decimal(got["value"]).quantize(Decimal("0.1")) == Decimal("10.8")  # the figure the issue quotes
    rows = sheet_rows(TA1_2025, "TA1")
    n, bir = row_of(rows, "E08000025")
    assert got["row"] == n
    expected = (Decimal(repr(bir[7])) / Decimal(repr(bir[5]))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(got["value"]) == expected


def test_england_families_in_ta_per_1000(loaded) -> None:
    got = one(loaded[hclic.ADAPTER], TA_RATE, "E92000001", "2025-12-31")
    assert got["value"] == str((Decimal(85800) / Decimal("24440.28")).quantize(Decimal("0.01"), ROUND_HALF_UP))
    assert got["value"] == "3.51"


def test_birmingham_history_2018_to_2025_and_missing_2020(loaded) -> None:
    frame = loaded[hclic.ADAPTER]
    bir = frame[(frame["metric"] == TA_RATE) & (frame["area"] == "BIR")].set_index("period")
    # 2018: 2,058 households with children / 424.306 thousand (DetailedLA_201812.xlsx, TA1 row of E08000025).
    assert bir.loc["2018-12-31", "value"] == "4.85"
    assert bir.loc["2020-12-31", "status"] == "missing"
    assert "'..'" in bir.loc["2020-12-31", "reason"]
    assert sorted(bir.index) == [f"{y}-12-31" for y in range(2018, 2026)]


def test_bb_over_six_weeks_is_the_published_count_with_the_2024_method_change(loaded) -> None:
    frame = loaded[hclic.ADAPTER]
    assert one(frame, BB, "BIR", "2025-12-31")["value"] == "468"
    assert one(frame, BB, "E92000001", "2025-12-31")["value"] == "1190"
    assert one(frame, BB, "BIR", "2023-12-31")["value"] == "536"
    assert pd.isna(one(frame, BB, "BIR", "2023-12-31")["status"])
    flagged = one(frame, BB, "BIR", "2024-12-31")
    assert flagged["value"] == "661" and flagged["status"] == "method-differs"
    assert "multiple placements" in flagged["reason"]


def test_suppressed_bb_breakdown_is_missing_not_zero(loaded) -> None:
    rows = sheet_rows(TA1_2025, "TA1")
    dashes = [str(r[0]) for r in rows if str(r[0]).startswith("E0") and str(r[12]).strip() == "-"]
    assert dashes, "the 2025 file suppresses some B&B breakdowns"
    frame = loaded[hclic.ADAPTER]
    hit = frame[(frame["metric"] == BB) & (frame["gss"] == dashes[0]) & (frame["period"] == "2025-12-31")].iloc[0]
    assert hit["status"] == "missing" and pd.isna(hit["value"]) and "fewer than 5" in hit["reason"]


def test_2025_recoded_councils_resolve_to_the_same_council(loaded) -> None:
    frame = loaded[hclic.ADAPTER]
    bar = frame[(frame["gss"] == "E08000038") & (frame["metric"] == TA_RATE)]
    assert list(bar["period"]) == ["2025-12-31"]
    earlier = frame[(frame["gss"] == "E08000016") & (frame["metric"] == TA_RATE)]
    assert set(bar["area"]) == set(earlier["area"]) and len(set(bar["area"])) == 1


TA1_2018_SHEET = "TA1 - Oct-Dec 18"


@pytest.fixture(scope="module")
def ta1_2018(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 2018 workbook with only the sheet the reader opens, saved once: each broken copy below
    then loads and saves that sheet, not the whole 2 MB workbook (seconds each time)."""
    path = tmp_path_factory.mktemp("ta1") / Path(TA1_2018).name
    book = openpyxl.load_workbook(SOURCES / TA1_2018)
    for name in book.sheetnames:
        if name != TA1_2018_SHEET:
            del book[name]
    book.save(path)
    return path


def _broken_copy(tmp_path: Path, rel: str, original: Path | None = None) -> Path:
    """A copy of the sources folder's geography and one workbook (`original`, else the bundled
    file), for breaking."""
    root = tmp_path / "sources"
    shutil.copytree(SOURCES / "geography", root / "geography")
    (root / rel).parent.mkdir(parents=True)
    shutil.copy(original or SOURCES / rel, root / rel)
    return root


def _rewrite_xlsx(path: Path, sheet: str, edit) -> None:
    book = openpyxl.load_workbook(path)
    edit(book[sheet])
    book.save(path)


def _read_ta1(root: Path, register, rel: str = TA1_2018):
    targets = {hclic.TA_PER_1000: Target(TA_RATE, "per-1000-households", ("NMD", "UA", "MD", "LBO", "CC"), True),
               hclic.BB_SIX_WEEKS: Target(BB, "households", ("NMD", "UA", "MD", "LBO", "CC"), True)}
    return hclic.read(root / rel, hclic.FILES[rel], register, targets)


def test_ta1_bad_cell_fails_with_file_sheet_row_and_field(tmp_path, register, ta1_2018) -> None:
    root = _broken_copy(tmp_path, TA1_2018, ta1_2018)
    rows = sheet_rows(TA1_2018, TA1_2018_SHEET)
    n, _ = row_of(rows, "E08000025")
    _rewrite_xlsx(root / TA1_2018, TA1_2018_SHEET, lambda ws: ws.cell(row=n, column=8, value="about 2000"))
    with pytest.raises(SourceError) as err:
        _read_ta1(root, register)
    problem = next(p for p in err.value.problems if p.rule == "not-a-number")
    assert problem.file.endswith(TA1_2018) and problem.row == n
    assert "TA1 - Oct-Dec 18" in problem.message and "about 2000" in problem.message
    assert problem.field.startswith("households in TA with children")


def test_ta1_missing_column_fails_naming_the_heading(tmp_path, register, ta1_2018) -> None:
    root = _broken_copy(tmp_path, TA1_2018, ta1_2018)

    def relabel(ws) -> None:
        for row in ws.iter_rows(min_row=1, max_row=4):
            for c in row:
                if isinstance(c.value, str) and c.value.strip() == "Total number of households in TA with children":
                    c.value = "Households"
    _rewrite_xlsx(root / TA1_2018, TA1_2018_SHEET, relabel)
    with pytest.raises(SourceError) as err:
        _read_ta1(root, register)
    problem = err.value.problems[0]
    assert problem.rule == "column-heading" and problem.field == "households in TA with children"


def test_ta1_unknown_council_code_fails(tmp_path, register, ta1_2018) -> None:
    root = _broken_copy(tmp_path, TA1_2018, ta1_2018)
    rows = sheet_rows(TA1_2018, TA1_2018_SHEET)
    n, _ = row_of(rows, "E08000025")
    _rewrite_xlsx(root / TA1_2018, TA1_2018_SHEET, lambda ws: ws.cell(row=n, column=1, value="E08999999"))
    with pytest.raises(SourceError) as err:
        _read_ta1(root, register)
    assert {(p.row, p.rule) for p in err.value.problems} >= {(n, "unknown-authority")}


# --- Road condition -------------------------------------------------------------------------------

A_ROADS = "road-condition-a-roads-red"
BC_ROADS = "road-condition-bc-roads-red"
ROADS = "roads/road-condition-data.ods"


@pytest.mark.parametrize(("metric", "sheet", "expected"), [
    (A_ROADS, "RDC0120_A_Roads_and_Motorways", {"2022-23": "5", "2023-24": "6", "2024-25": "2"}),
    (BC_ROADS, "RDC0120_B_and_C_Roads", {"2022-23": "4", "2023-24": "6", "2024-25": "4"}),
])
def test_birmingham_road_condition_from_its_cells(loaded, metric, sheet, expected) -> None:
    rows = sheet_rows(ROADS, sheet)
    n, bir = row_of(rows, "E08000025")
    header = rows[4]
    for period, value in expected.items():
        col = header.index(f"FYE {int(period[:4]) + 1}")
        assert Decimal(repr(bir[col])) == Decimal(value)
        got = one(loaded[road_condition.ADAPTER], metric, "BIR", period)
        assert got["value"] == value and got["row"] == n


def test_non_scanner_cells_are_flagged_as_a_series_break(loaded) -> None:
    # Birmingham's Notes cell reads "[7] applies to U70": FYE 2025 was not measured by SCANNER.
    got = one(loaded[road_condition.ADAPTER], A_ROADS, "BIR", "2024-25")
    assert got["status"] == "method-differs" and "note 7" in got["reason"] and "U70" in got["reason"]
    assert pd.isna(one(loaded[road_condition.ADAPTER], A_ROADS, "BIR", "2023-24")["status"])


def test_england_road_condition_and_revised_flags(loaded) -> None:
    frame = loaded[road_condition.ADAPTER]
    assert one(frame, A_ROADS, "E92000001", "2024-25")["value"] == "5"
    assert one(frame, BC_ROADS, "E92000001", "2024-25")["value"] == "7"
    # "[r] applies to P165, Q165, R165, S165 and T165": FYE 2020 to 2024 revised.
    assert one(frame, BC_ROADS, "E92000001", "2019-20")["status"] == "revised"
    assert pd.isna(one(frame, BC_ROADS, "E92000001", "2024-25")["status"])


def test_unavailable_is_missing_never_zero(loaded) -> None:
    # Leeds FYE 2024 is "[x]" on both sheets.
    for metric in (A_ROADS, BC_ROADS):
        got = one(loaded[road_condition.ADAPTER], metric, "LDS", "2023-24")
        assert got["status"] == "missing" and pd.isna(got["value"]) and "[x]" in got["reason"]


def test_not_applicable_is_not_loaded(loaded) -> None:
    frame = loaded[road_condition.ADAPTER]
    assert frame[frame["gss"] == "E06000053"].empty  # Isles of Scilly, "[z]" throughout


def _broken_ods(tmp_path: Path, sheet: str, edit) -> Path:
    """The road condition workbook rewritten as xlsx with one sheet edited (calamine reads both)."""
    root = tmp_path / "sources"
    shutil.copytree(SOURCES / "geography", root / "geography")
    (root / "roads").mkdir()
    book = CalamineWorkbook.from_path(str(SOURCES / ROADS))
    out = openpyxl.Workbook()
    out.remove(out.active)
    for name in book.sheet_names:
        ws = out.create_sheet(name)
        for r in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            ws.append([None if v == "" else v for v in r])
    edit(out[sheet])
    target = root / "roads" / "road-condition-data.xlsx"
    out.save(target)
    return target


def test_road_condition_bad_cell_fails_with_sheet_row_and_field(tmp_path, register) -> None:
    rows = sheet_rows(ROADS, "RDC0120_B_and_C_Roads")
    n, _ = row_of(rows, "E08000025")
    path = _broken_ods(tmp_path, "RDC0120_B_and_C_Roads", lambda ws: ws.cell(row=n, column=21, value="n/a"))
    targets = {"RDC0120_B_and_C_Roads": Target(BC_ROADS, "percent-of-road-length",
                                                               ("CTY", "UA", "MD", "LBO", "CC"), True)}
    with pytest.raises(SourceError) as err:
        road_condition.read(path, register, targets)
    problem = err.value.problems[0]
    assert (problem.row, problem.field, problem.rule) == (n, "FYE 2025", "not-a-number")
    assert "RDC0120_B_and_C_Roads" in problem.message and problem.file.endswith("road-condition-data.xlsx")


def test_road_condition_missing_sheet_and_bad_note_reference_fail(tmp_path, register) -> None:
    rows = sheet_rows(ROADS, "RDC0120_A_Roads_and_Motorways")
    n, _ = row_of(rows, "E08000025")
    path = _broken_ods(tmp_path, "RDC0120_A_Roads_and_Motorways",
                       lambda ws: ws.cell(row=n, column=22, value="[7] applies to U71"))
    target = Target(A_ROADS, "percent-of-road-length", ("CTY", "UA", "MD", "LBO", "CC"), True)
    with pytest.raises(SourceError) as err:
        road_condition.read(path, register, {"RDC0120_A_Roads_and_Motorways": target})
    assert [(p.row, p.field, p.rule) for p in err.value.problems] == [(n, "Notes", "note-reference")]
    book = openpyxl.load_workbook(path)
    del book["RDC0120_B_and_C_Roads"]
    book.save(path)
    with pytest.raises(SourceError) as err:
        road_condition.read(path, register, {"RDC0120_B_and_C_Roads": target})
    assert err.value.problems[0].rule == "sheet-missing"


PREVENTED = "homelessness-prevention-duties-ended-accommodation-secured-percent"
RELIEVED = "homelessness-relief-duties-ended-accommodation-secured-percent"


@pytest.mark.parametrize(("metric", "sheet", "code", "secured_col", "expected"), [
    # P1, October to December 2025: Birmingham 272 of 441, England 18,870 of 34,250 (column G of E).
    (PREVENTED, "P1", "E08000025", 6, "61.7"),
    (PREVENTED, "P1", "E92000001", 6, "55.1"),
    # R1: Birmingham 152 of 727, England 18,570 of 52,600 (column F of E).
    (RELIEVED, "R1", "E08000025", 5, "20.9"),
    (RELIEVED, "R1", "E92000001", 5, "35.3"),
])
def test_duties_ended_with_accommodation_secured(loaded, metric, sheet, code, secured_col, expected) -> None:
    rows = sheet_rows(TA1_2025, sheet)
    n, row = row_of(rows, code)
    share = (Decimal(100) * Decimal(repr(row[secured_col])) / Decimal(repr(row[4]))).quantize(Decimal("0.1"),
                                                                                              ROUND_HALF_UP)
    assert str(share) == expected
    got = one(loaded[hclic.ADAPTER], metric, "BIR" if code == "E08000025" else code, "2025-Q4")
    assert (got["value"], got["row"]) == (expected, n)


def test_duties_2018_read_the_groups_total_and_birmingham_missing(loaded) -> None:
    # 2018 P1 heads the secured total just "Total" under "Secured accommodation for 6+ months".
    assert one(loaded[hclic.ADAPTER], PREVENTED, "E92000001", "2018-Q4")["value"] == "57.9"  # 18,310 / 31,610
    bir = one(loaded[hclic.ADAPTER], PREVENTED, "BIR", "2018-Q4")
    assert bir["status"] == "missing" and "'..'" in bir["reason"]
