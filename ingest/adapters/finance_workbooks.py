"""The MHCLG finance workbooks this adapter reads, and each one read into a validated tidy extract.

Each sheet's header row is found by its "E-code"/"Ecode"/"LGF Code" cell and each needed column by
its heading (and, where the sheet has one, the RS line number above it); the extract is validated
with its Frictionless Table Schema (`{kind}.extract.schema.yaml` in the sources folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd

from core.problems import Problem, SourceError, display_name
from core.yaml_text import load_yaml
from ingest.observations import period_bounds
from ingest.workbooks import sheet_rows

FOLDER = "finance"

# Cell texts the workbooks use for "not applicable" or "not available".
NOT_APPLICABLE = ("…", "...", ":")
HEADER_KEYS = ("e-code", "ecode", "lgf code")
ECODE = re.compile(r"^E\d{4}$")

EXTRACT_COLUMNS = [
    "source_row", "sheet", "ecode", "ons_code", "authority_name", "authority_class", "field", "value",
]



@dataclass(frozen=True)
class FieldSpec:
    """One needed column of a sheet: found by its heading, checked by its RS line where given."""

    name: str  # extract field name, as formulas use it
    sheet: str  # sheet name
    label: str  # regular expression matched against the heading (case and spacing ignored)
    line: int | None = None  # RS line number printed above the heading, where the sheet has that row
    above: str | None = None  # text that must appear above the header (which date the column is at)


@dataclass(frozen=True)
class Workbook:
    rel: str  # path under ingest/sources/
    dataset: str  # source dataset slug
    kind: str  # "rs" or "cor": the extract schema
    period: str  # financial year the figures are for
    fields: tuple[FieldSpec, ...]
    note: str = ""


def _rs_fields(period: str, sheet_1: str, sheet_2: str | None = None) -> tuple[FieldSpec, ...]:
    start, end = period_bounds(period)
    april, march = f"1 April {start.year}", f"31 March {end.year}"
    closing = sheet_2 or sheet_1
    return (
        FieldSpec("net_revenue_expenditure", sheet_1, r"net revenue expenditure\b.*", 805),
        FieldSpec("minimum_revenue_provision", sheet_1, r"provision for repayment of principal", 773),
        FieldSpec("external_interest_paid", sheet_1,
                  r"interest: external payments|(interest: )?interest payable and similar charges", 781),
        FieldSpec("other_earmarked_reserves_1_april", sheet_1,
                  r"(estimated )?other earmarked financial reserves level( at 1 april)?", 915, april),
        FieldSpec("unallocated_reserves_1_april", sheet_1,
                  r"(estimated )?unallocated financial reserves level( at 1 april)?", 916, april),
        FieldSpec("other_earmarked_reserves_31_march", closing,
                  r"(estimated )?other earmarked financial reserves level( at 31 march)?", 915, march),
        FieldSpec("unallocated_reserves_31_march", closing,
                  r"(estimated )?unallocated financial reserves level( at 31 march)?", 916, march),
    )


RS = "mhclg-revenue-outturn-summary"
COR = "mhclg-capital-outturn-prudential"

WORKBOOKS: tuple[Workbook, ...] = (
    Workbook("finance/RS_2014-15_data_by_LA.xls", RS, "rs", "2014-15",
             _rs_fields("2014-15", "RS LA Data 2014-15 (1)", "RS LA Data 2014-15 (2)"),
             "Sheet (1) holds spending and reserve levels at 1 April 2014, sheet (2) levels at 31 March 2015."),
    Workbook("finance/RS_2015-16_data_by_LA_revision.xlsx", RS, "rs", "2015-16",
             _rs_fields("2015-16", "RS LA Data 2015-16")),
    Workbook("finance/RS_2016-17_data_by_LA.xlsx", RS, "rs", "2016-17", _rs_fields("2016-17", "RS LA Data 2016-17")),
    Workbook("finance/RS_2017-18_data_by_LA.xlsx", RS, "rs", "2017-18", _rs_fields("2017-18", "RS LA Data 2017-18")),
    # COR sheets print no RS-style line numbers; the heading (and, for 2016-17, the title naming
    # the year) identifies the column.
    Workbook("finance/COR4_2016-17_expenditure_financing_prudential.xlsx", COR, "cor", "2016-17",
             (FieldSpec("capital_financing_requirement_31_march", "Financing & Prudential",
                        r"capital financing requirement as at 31 march\b.*", None, "2016-17"),)),
    Workbook("finance/COR_C_2017-18_prudential.xlsx", COR, "cor", "2017-18",
             (FieldSpec("capital_financing_requirement_31_march", "Prudential",
                        r"capital financing requirement as at 31 march 2018", None, "2017-18"),)),
)

FIELD_NAMES = frozenset(f.name for wb in WORKBOOKS for f in wb.fields)


def schema_path(sources_dir: Path, kind: str) -> Path:
    return sources_dir / FOLDER / f"{kind}.extract.schema.yaml"



def _norm(value: Any) -> str:
    return " ".join(str(value).split()).lower() if value is not None else ""


def _header_row(path: Path, sheet: str, rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """Index of the header row and the columns of the key cells (ecode, ons, name, class)."""
    for i, row in enumerate(rows[:15]):
        cells = [_norm(c) for c in row]
        key = next((j for j, c in enumerate(cells) if c in HEADER_KEYS), None)
        if key is None:
            continue
        cols = {"ecode": key}
        for name, texts in (("ons", ("ons code",)), ("name", ("local authority", "la name")),
                            ("class", ("class",))):
            found = next((j for j, c in enumerate(cells) if c in texts), None)
            if found is not None:
                cols[name] = found
        for required in ("name", "class"):
            if required not in cols:
                raise SourceError.one(path, f"sheet {sheet!r}: the header row has no {required} column",
                                      i + 1, "Class" if required == "class" else "Local authority", rule="header-row")
        return i, cols
    raise SourceError.one(path, f"sheet {sheet!r}: no header row with an 'E-code', 'Ecode' or 'LGF Code' cell "
                                "in the first 15 rows", field="E-code", rule="header-row")


def _find_column(path: Path, spec: FieldSpec, rows: list[tuple[Any, ...]], header: int) -> int:
    heading = rows[header]
    pattern = re.compile(spec.label, re.IGNORECASE)
    above = rows[:header]
    if spec.above and not any(spec.above.lower() in _norm(c) for r in above for c in r):
        raise SourceError.one(path, f"sheet {spec.sheet!r}: expected the title rows to name {spec.above!r} "
                                    f"(the date of {spec.name})", header + 1, spec.name, rule="title-period")
    candidates = [j for j, c in enumerate(heading) if c is not None and pattern.fullmatch(_norm(c))]
    if spec.line is not None:
        # Sheets from 2015-16 print each column's RS line number in a row above the heading; where
        # that row exists it must agree, so a shifted or relabelled column is caught.
        line_rows = [r for r in above if sum(1 for c in r if isinstance(c, int | float) and 100 <= c <= 999) > 20]
        if line_rows:
            numbers = line_rows[-1]
            candidates = [j for j in candidates if j < len(numbers) and numbers[j] == spec.line]
    if not candidates:
        what = f"RS line {spec.line}, " if spec.line else ""
        raise SourceError.one(path, f"sheet {spec.sheet!r}: no column headed like {spec.label!r} ({what}field "
                                    f"{spec.name})", header + 1, spec.name, rule="column-heading")
    return candidates[0]


def _text(value: Any) -> str:
    """A cell as text: numbers exactly as stored (shortest float repr), text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def read_extract(path: Path, workbook: Workbook) -> pd.DataFrame:
    """The tidy extract of one workbook (EXTRACT_COLUMNS), every authority row with an E-code."""
    if not path.is_file():
        raise SourceError.one(path, "source file is missing", rule="file-exists")
    sheets = sorted({f.sheet for f in workbook.fields})
    rows_by_sheet = sheet_rows(path, sheets)
    out: list[dict[str, Any]] = []
    for sheet in sheets:
        rows = rows_by_sheet[sheet]
        header, cols = _header_row(path, sheet, rows)
        specs = [f for f in workbook.fields if f.sheet == sheet]
        columns = {f.name: _find_column(path, f, rows, header) for f in specs}
        for i in range(header + 1, len(rows)):
            row = rows[i]

            def cell(j: int | None, row: tuple[Any, ...] = row) -> Any:
                return row[j] if j is not None and j < len(row) else None

            ecode = _text(cell(cols["ecode"]))
            if not ECODE.match(ecode):
                continue  # totals, class breakdowns, footnotes and blank rows have no E-code
            ons = _text(cell(cols.get("ons")))
            # For bodies without an ONS code (all class O, e.g. the Lee Valley Regional Park
            # Authority) RS 2014-15 writes "n/a", COR 2016-17 "0" and COR 2017-18 the E-code
            # again; each is an absent code, not a malformed one.
            ons = "" if ons.lower() in ("n/a", "0", ecode.lower()) else ons
            base = {"source_row": i + 1, "sheet": sheet, "ecode": ecode, "ons_code": ons,
                    "authority_name": _text(cell(cols["name"])),
                    "authority_class": _text(cell(cols["class"]))}
            for name, j in columns.items():
                out.append({**base, "field": name, "value": _text(cell(j))})
    return pd.DataFrame(out, columns=EXTRACT_COLUMNS)


def heading_of(workbook: Workbook, field_name: str) -> str:
    spec = next(f for f in workbook.fields if f.name == field_name)
    return f"{field_name} (RS line {spec.line})" if spec.line else field_name


def validate_extract(path: Path, workbook: Workbook, extract: pd.DataFrame, schema: Path) -> None:
    """Validate an extract with its Table Schema; errors name the workbook, its row and field."""
    if not schema.is_file():
        raise SourceError.one(schema, "Table Schema descriptor is missing", rule="schema-file-exists")
    # Loaded as a mapping: frictionless refuses absolute descriptor paths as unsafe.
    descriptor = frictionless.Schema.from_descriptor(load_yaml(schema.read_text(encoding="utf-8")))
    data = [EXTRACT_COLUMNS] + extract.astype(str).values.tolist()
    resource = frictionless.Resource(data=data, schema=descriptor)
    report = resource.validate(limit_errors=1000)
    problems: list[Problem] = []
    seen: set[tuple[int, str, str]] = set()
    for task in report.tasks:
        for err in task.errors:
            n = getattr(err, "row_number", None)
            column = getattr(err, "field_name", None)
            if n is None:
                problems.append(Problem(display_name(schema), err.message, None, column, err.type))
                continue
            rec = extract.iloc[n - 2]  # frictionless counts the header as row 1
            if column != "value":
                # Key cells repeat on every field of a workbook row: report each cell once.
                key = (int(rec["source_row"]), str(rec["sheet"]), str(column))
                if key in seen:
                    continue
                seen.add(key)
            # A bad value cell is reported at the workbook column it came from; a bad key cell
            # (E-code, ONS code, class) at that key column.
            where = heading_of(workbook, rec["field"]) if column == "value" else column
            cell = rec[column] if column in rec else ""
            problems.append(Problem(display_name(path), f"sheet {rec['sheet']!r}: {cell!r} is not valid here "
                                    f"({err.note or err.message})", int(rec["source_row"]), where, err.type))
    if problems:
        raise SourceError(problems)


def workbook(rel: str) -> Workbook:
    for wb in WORKBOOKS:
        if wb.rel == rel:
            return wb
    raise KeyError(rel)
