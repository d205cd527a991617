"""Financial resilience metrics from the MHCLG finance workbooks (ingest/adapters/finance.py).

Figures are checked against the bundled workbooks (the cells PROVENANCE.md lists for Birmingham,
E-code E4601, ONS E08000025), derived values against the record's formula applied to those cells,
and malformed copies of a real workbook must fail with the file, spreadsheet row and field.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from catalogue.metric_records import load_records
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from ingest.adapters import finance, finance_extracts, finance_formulas, finance_workbooks
from ingest.geography.load import load_register
from ingest.observations import period_bounds

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records"
BIRMINGHAM_ECODE = "E4601"


@pytest.fixture(scope="module")
def register():
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def records():
    return [r for r in load_records(RECORDS, SOURCES)
            if any(s["adapter"] == finance.ADAPTER for s in r.data["sources"])]


@pytest.fixture(scope="module")
def frames(records, register) -> dict[str, pd.DataFrame]:
    return finance.derive(SOURCES, records, register)


@pytest.fixture(scope="module")
def loaded(frames) -> pd.DataFrame:
    frame = pd.concat(frames.values(), ignore_index=True)
    return frame[frame["excluded"].isna()]


def cell(rel: str, field: str, ecode: str = BIRMINGHAM_ECODE) -> tuple[Decimal, int]:
    wb = finance_workbooks.workbook(rel)
    extract = finance_workbooks.read_extract(SOURCES / rel, wb)
    hit = extract[(extract["ecode"] == ecode) & (extract["field"] == field)]
    assert len(hit) == 1
    return Decimal(hit.iloc[0]["value"]), int(hit.iloc[0]["source_row"])


RS = {"2014-15": "finance/RS_2014-15_data_by_LA.xls", "2015-16": "finance/RS_2015-16_data_by_LA_revision.xlsx",
      "2016-17": "finance/RS_2016-17_data_by_LA.xlsx", "2017-18": "finance/RS_2017-18_data_by_LA.xlsx"}
COR = {"2016-17": "finance/COR4_2016-17_expenditure_financing_prudential.xlsx",
       "2017-18": "finance/COR_C_2017-18_prudential.xlsx"}


# --- The workbook cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "expected"), [("2015-16", 873053), ("2016-17", 936900), ("2017-18", 770459)])
def test_birmingham_net_revenue_expenditure(period: str, expected: int) -> None:
    value, _row = cell(RS[period], "net_revenue_expenditure")
    assert value.quantize(Decimal(1), rounding=ROUND_HALF_UP) == expected


@pytest.mark.parametrize(("period", "field", "expected"), [
    ("2015-16", "unallocated_reserves_1_april", 137782),
    ("2015-16", "unallocated_reserves_31_march", 110843),
    ("2016-17", "unallocated_reserves_31_march", 100838),
    ("2017-18", "unallocated_reserves_31_march", 170469),
    ("2015-16", "other_earmarked_reserves_31_march", 318547),
    ("2017-18", "other_earmarked_reserves_31_march", 296750),
    # 2014-15 keeps 31 March levels on sheet (2); Birmingham's 31 March 2015 equals 1 April 2015.
    ("2014-15", "unallocated_reserves_31_march", 137782),
])
def test_birmingham_reserve_levels(period: str, field: str, expected: int) -> None:
    assert cell(RS[period], field)[0] == expected


def test_birmingham_capital_financing_requirement() -> None:
    value, row = cell(COR["2017-18"], "capital_financing_requirement_31_march")
    assert (value, row) == (4675143, 28)
    assert cell(COR["2016-17"], "capital_financing_requirement_31_march")[0] == 4568658


def test_2014_15_reads_opening_and_closing_levels_from_their_own_sheets() -> None:
    extract = finance_workbooks.read_extract(SOURCES / RS["2014-15"], finance_workbooks.workbook(RS["2014-15"]))
    bir = extract[extract["ecode"] == BIRMINGHAM_ECODE].set_index("field")
    assert bir.loc["unallocated_reserves_1_april", "sheet"] == "RS LA Data 2014-15 (1)"
    assert bir.loc["unallocated_reserves_31_march", "sheet"] == "RS LA Data 2014-15 (2)"
    # The same row of the source, read directly.
    sheet = CalamineWorkbook.from_path(str(SOURCES / RS["2014-15"])).get_sheet_by_name("RS LA Data 2014-15 (2)")
    row = sheet.to_python(skip_empty_area=False)[int(bir.loc["unallocated_reserves_31_march", "source_row"]) - 1]
    assert row[0] == BIRMINGHAM_ECODE and row[72] == 137782


# --- Derived values equal the record's formula applied to the cells --------------------------------


def by_formula(record, values: dict[str, Decimal]) -> str:
    """The record's formula, worked here independently of the adapter's evaluator."""
    formula = record.data["formula"]
    result = eval(formula["expression"], {"__builtins__": {}}, values)  # noqa: S307 - test oracle over Decimals
    return format(result.quantize(Decimal(1).scaleb(-formula["decimals"]), rounding=ROUND_HALF_UP), "f")


@pytest.mark.parametrize("slug", ["finance-unallocated-reserves-percent-nre", "finance-usable-reserves-percent-nre",
                                  "finance-usable-reserves-change-percent", "finance-debt-servicing-percent-nre",
                                  "finance-cfr-percent-nre"])
def test_birmingham_values_follow_the_formula(slug: str, records, loaded: pd.DataFrame) -> None:
    record = next(r for r in records if r.slug == slug)
    for period in record.data["periods"]:
        values = {}
        for name in record.data["formula"]["inputs"]:
            rel = COR[period] if name.startswith("capital_financing") else RS[period]
            values[name] = cell(rel, name)[0]
        got = loaded[(loaded["metric"] == slug) & (loaded["area"] == "BIR") & (loaded["period"] == period)]
        assert len(got) == 1
        assert got.iloc[0]["value"] == by_formula(record, values), (slug, period)


def test_known_birmingham_figures(loaded: pd.DataFrame) -> None:
    def value(slug: str, period: str) -> str:
        hit = loaded[(loaded["metric"] == slug) & (loaded["area"] == "BIR") & (loaded["period"] == period)]
        return hit.iloc[0]["value"]

    # 100 * 170,469 / 770,458.609 and 100 * 4,675,143 / 770,458.609 (£ thousand).
    assert value("finance-unallocated-reserves-percent-nre", "2017-18") == "22.13"
    assert value("finance-cfr-percent-nre", "2017-18") == "606.80"
    # 100 * (110,843 + 318,547) / 873,053
    assert value("finance-usable-reserves-percent-nre", "2015-16") == "49.18"


def test_observation_counts(loaded: pd.DataFrame) -> None:
    counts = loaded.groupby(["metric", "period"]).size()
    # 353 principal councils in every year: 27 SC, 201 SD, 36 MD, 56 UA, 33 L.
    assert set(counts) == {353}
    missing = loaded[loaded["status"] == "missing"]
    spelthorne = missing[(missing["area"] == "SPE") & (missing["period"] == "2017-18")]
    assert set(spelthorne["metric"]) == {"finance-unallocated-reserves-percent-nre",
                                         "finance-usable-reserves-percent-nre",
                                         "finance-debt-servicing-percent-nre", "finance-cfr-percent-nre"}
    assert "-2757" in spelthorne.iloc[0]["reason"] and "positive" in spelthorne.iloc[0]["reason"]
    scilly = missing[(missing["area"] == "IOS") & (missing["period"] == "2016-17")]
    assert len(scilly) == 5 and all("'…' (not applicable)" in r for r in scilly["reason"])


def test_every_observation_is_of_a_council_that_existed_in_its_period(loaded: pd.DataFrame, register) -> None:
    assert len(loaded) > 0
    for row in loaded.itertuples(index=False):
        start, end = period_bounds(row.period)
        assert register.existed(row.area, start, end), (row.metric, row.area, row.period)
        assert register.authorities[row.area].type in {"CTY", "NMD", "MD", "UA", "LBO", "CC"}


def test_north_yorkshire_misprinted_ons_code_resolves_by_e_code(loaded: pd.DataFrame) -> None:
    nyk = loaded[(loaded["area"] == "NYK") & (loaded["period"] == "2017-18")]
    assert len(nyk) == 5
    from_rs = nyk[nyk["metric"] != "finance-cfr-percent-nre"]
    assert set(from_rs["gss"]) == {"E10000022"}  # as printed in RS 2017-18
    assert set(nyk.loc[nyk["metric"] == "finance-cfr-percent-nre", "gss"]) == {"E10000023"}  # COR prints it right


def test_class_o_bodies_are_reported_not_loaded(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames[RS["2017-18"]]
    excluded = frame[frame["excluded"].notna()]
    assert len(excluded) == 92 * 4  # 92 class O bodies in 2017-18, for each of the four RS metrics
    assert all(r.startswith("class O: not a principal council") for r in excluded["excluded"])


# --- Formulas are arithmetic only --------------------------------------------------------------------


@pytest.mark.parametrize("expression", ["__import__('os').system('true')", "a.real", "a if b else c", "[a]",
                                        "'text' * 2", "a ** 2"])
def test_formula_rejects_anything_but_arithmetic(expression: str) -> None:
    with pytest.raises(finance_formulas.FormulaError):
        finance_formulas.formula_names(expression)


def test_formula_evaluates_exactly() -> None:
    assert finance_formulas.evaluate("100 * (a + b) / c", {"a": Decimal("0.1"), "b": Decimal("0.2"), "c": Decimal(3)}) \
        == Decimal("10")


# --- Malformed workbooks fail with file, row and field ----------------------------------------------


def copy_rs_2016_17(tmp_path: Path, edit) -> Path:
    """A copy of the real RS 2016-17 sheet (rows 1-320, Birmingham is row 316) with one edit."""
    src = CalamineWorkbook.from_path(str(SOURCES / RS["2016-17"])).get_sheet_by_name("RS LA Data 2016-17")
    rows = [list(r) for r in src.to_python(skip_empty_area=False)[:320]]
    rows = edit(rows)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("RS LA Data 2016-17")
    for r in rows:
        ws.append([None if v == "" else v for v in r])
    path = tmp_path / "sources" / "finance" / "RS_2016-17_data_by_LA.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    return path


def read_and_validate(path: Path) -> None:
    wb = finance_workbooks.workbook(RS["2016-17"])
    extract = finance_workbooks.read_extract(path, wb)
    finance_workbooks.validate_extract(path, wb, extract, finance_workbooks.schema_path(SOURCES, "rs"))


NRE_COLUMN = 58  # column BG: RS line 805 in the 2016-17 sheet


def test_text_in_a_numeric_cell_names_file_row_and_field(tmp_path: Path) -> None:
    def edit(rows):
        assert rows[315][0] == BIRMINGHAM_ECODE and rows[5][NRE_COLUMN] == 805
        rows[315][NRE_COLUMN] = "see note"
        return rows

    with pytest.raises(SourceError) as exc:
        read_and_validate(copy_rs_2016_17(tmp_path, edit))
    [problem] = exc.value.problems
    assert problem.file.endswith("/sources/finance/RS_2016-17_data_by_LA.xlsx")
    assert problem.row == 316
    assert problem.field == "net_revenue_expenditure (RS line 805)"
    assert "'see note'" in problem.message


def test_missing_column_names_file_header_row_and_field(tmp_path: Path) -> None:
    def edit(rows):
        return [r[:NRE_COLUMN] + r[NRE_COLUMN + 1:] for r in rows]

    with pytest.raises(SourceError) as exc:
        read_and_validate(copy_rs_2016_17(tmp_path, edit))
    [problem] = exc.value.problems
    assert problem.file.endswith("/sources/finance/RS_2016-17_data_by_LA.xlsx")
    assert problem.row == 7  # the header row
    assert problem.field == "net_revenue_expenditure"
    assert "RS line 805" in problem.message


def test_shifted_line_number_is_caught(tmp_path: Path) -> None:
    # The heading is right but the line number above it says another line: a relabelled column.
    def edit(rows):
        rows[5][NRE_COLUMN] = 806
        return rows

    with pytest.raises(SourceError) as exc:
        read_and_validate(copy_rs_2016_17(tmp_path, edit))
    assert exc.value.problems[0].field == "net_revenue_expenditure"


def test_bad_e_code_in_a_council_row_names_the_row(tmp_path: Path) -> None:
    def edit(rows):
        rows[315][4] = "XX"  # Birmingham's class
        return rows

    with pytest.raises(SourceError) as exc:
        read_and_validate(copy_rs_2016_17(tmp_path, edit))
    [problem] = exc.value.problems
    assert (problem.row, problem.field) == (316, "authority_class")


def test_a_row_whose_class_disagrees_with_the_council_names_both(register) -> None:
    """Birmingham (a metropolitan district) given class SD: the problem is reported, not a KeyError
    raised while writing it."""
    rec = {"source_row": 12, "ecode": BIRMINGHAM_ECODE, "ons_code": "E08000025",
           "authority_name": "Birmingham", "authority_class": "SD"}
    located = finance_extracts.locate(register, finance_extracts.ecode_index(SOURCES), rec, "2017-18", "RS_2017-18.xlsx")
    assert located.authority is None and located.problem is not None
    assert located.problem.row == 12 and located.problem.field == "ONS Code"
    assert "Birmingham is class SD in the workbook but resolves to Birmingham" in located.problem.message
