"""MHCLG local-government finance workbooks -> tidy extracts -> financial resilience metrics.

The workbooks (ingest/sources/finance/) are MHCLG's own National Statistics files, unchanged: the
Revenue Outturn Summary (RS) 2014-15 to 2017-18 and the Capital Outturn Return prudential tables
(COR) 2016-17 and 2017-18. They are wide, with title rows above the header, so each sheet's header
row is found by its "E-code"/"Ecode"/"LGF Code" cell and each needed column by its heading (and,
where the sheet has one, the RS line number above it). "…", "..." and ":" mean not applicable.

Two stages, each with its own failure messages naming file, spreadsheet row and field:

1. `read_extract`: one workbook -> a tidy extract, one row per (authority row, field), with the
   sheet and spreadsheet row each value came from. The extract is validated with its Frictionless
   Table Schema (`{kind}.extract.schema.yaml` in the sources folder) before anything is used.
2. `derive`: metric records whose sources use this adapter carry a `formula` (an arithmetic
   expression over named extract fields); it is evaluated here, per authority and period, from the
   record, so no figure is computed by hand. Rows of other classes than principal councils
   (police, fire, national parks, waste and transport authorities, the GLA: class "O") are kept in
   the frame with the reason they are not loaded.

Authorities are resolved with the geography register on the dates of the period: by ONS code
where the row has one, else by the MHCLG E-code through mySociety's `ecode` column.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd

from core.problems import Problem, SourceError, display_name
from core.yaml_records import Record
from core.yaml_text import load_yaml
from ingest.geography.model import Authority, Register
from ingest.geography.sources import GEOGRAPHY, MYSOCIETY
from ingest.observations import TIDY_COLUMNS, period_bounds, resolve
from ingest.workbooks import sheet_rows

ADAPTER = "mhclg_finance"
FOLDER = "finance"

# Principal councils by MHCLG class: shire counties, shire districts, metropolitan districts,
# unitaries, London boroughs (L or LB; the City of London is in L). "O" is every other body.
PRINCIPAL_CLASSES = ("SC", "SD", "MD", "UA", "L", "LB")
# The mySociety authority types each class may resolve to; anything else is a mapping error.
CLASS_TYPES: dict[str, frozenset[str]] = {
    "SC": frozenset({"CTY"}),
    "SD": frozenset({"NMD"}),
    "MD": frozenset({"MD"}),
    "UA": frozenset({"UA"}),
    "L": frozenset({"LBO", "CC"}),
    "LB": frozenset({"LBO", "CC"}),
}
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


# --- Reading the workbooks -----------------------------------------------------------------------


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
                                      i + 1, "Class" if required == "class" else "Local authority")
        return i, cols
    raise SourceError.one(path, f"sheet {sheet!r}: no header row with an 'E-code', 'Ecode' or 'LGF Code' cell "
                                "in the first 15 rows", field="E-code")


def _find_column(path: Path, spec: FieldSpec, rows: list[tuple[Any, ...]], header: int) -> int:
    heading = rows[header]
    pattern = re.compile(spec.label, re.IGNORECASE)
    above = rows[:header]
    if spec.above and not any(spec.above.lower() in _norm(c) for r in above for c in r):
        raise SourceError.one(path, f"sheet {spec.sheet!r}: expected the title rows to name {spec.above!r} "
                                    f"(the date of {spec.name})", header + 1, spec.name)
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
                                    f"{spec.name})", header + 1, spec.name)
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
        raise SourceError.one(path, "source file is missing")
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
        raise SourceError.one(schema, "Table Schema descriptor is missing")
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


# --- Formulas ------------------------------------------------------------------------------------


class FormulaError(ValueError):
    pass


_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Load, ast.USub, ast.UAdd, *_OPS)


def formula_names(expression: str) -> set[str]:
    """The input names an expression uses; raises FormulaError unless it is plain arithmetic."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not an arithmetic expression: {exc.msg}") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif not isinstance(node, _ALLOWED):
            raise FormulaError(f"only + - * / ( ), numbers and input names are allowed, not {type(node).__name__}")
        elif isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
            raise FormulaError(f"constant {node.value!r} is not a number")
    return names


def evaluate(expression: str, values: dict[str, Decimal]) -> Decimal:
    """Evaluate an arithmetic expression exactly (decimal), e.g. `100 * a / b`."""
    def ev(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):
            return Decimal(str(node.value))
        if isinstance(node, ast.Name):
            return values[node.id]
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            return _OPS[type(node.op)](ev(node.left), ev(node.right))
        raise FormulaError(type(node).__name__)  # pragma: no cover - formula_names rejects it first

    formula_names(expression)
    return ev(ast.parse(expression, mode="eval"))


def rounded(value: Decimal, decimals: int) -> str:
    text = format(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")
    return "0" if decimals == 0 and text == "-0" else text


# --- Authorities ---------------------------------------------------------------------------------


def ecode_index(sources_dir: Path) -> dict[str, str]:
    """MHCLG E-code -> mySociety authority code, from the register's `ecode` column."""
    path = sources_dir / GEOGRAPHY / MYSOCIETY
    out: dict[str, str] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("ecode") or "").strip()
            if code:
                out[code] = row["local-authority-code"]
    return out


# ONS codes the workbooks print wrongly, with the fact each correction rests on. RS 2015-16 and
# RS 2017-18 give North Yorkshire County Council (E-code E2721, class SC) E10000022, a code no
# council in the register has governed; its GSS code is E10000023 (mySociety, digital-land and the
# RS 2016-17 and COR files agree). Such a row is resolved by its E-code instead.
ONS_CODE_ERRATA: dict[tuple[str, str], str] = {
    ("E2721", "E10000022"): "North Yorkshire County Council is E10000023; E10000022 is printed in error",
}


@dataclass
class Located:
    authority: Authority | None
    problem: Problem | None = None


def locate(register: Register, ecodes: dict[str, str], rec: dict[str, Any], period: str, file: str) -> Located:
    """The principal council a workbook row is about, in the period; a problem if it cannot be."""
    row = int(rec["source_row"])
    start, end = period_bounds(period)
    gss = rec["ons_code"]
    if (rec["ecode"], gss) in ONS_CODE_ERRATA:
        gss = ""
    if gss:
        res = resolve(register, gss, period)
        if res.authority is None:
            return Located(None, Problem(file, res.message, row, "ONS Code", res.problem))
        found = res.authority
        field_name = "ONS Code"
    else:
        code = ecodes.get(rec["ecode"])
        found = register.authorities.get(code) if code else None
        if found is None:
            return Located(None, Problem(file, f"E-code {rec['ecode']} is not in the register's ecode column",
                                         row, "E-code", "unknown-authority"))
        if not register.existed(found.code, start, end):
            return Located(None, Problem(file, f"{found.name} ({rec['ecode']}) did not exist in {period}", row,
                                         "E-code", "authority-not-in-period"))
        field_name = "E-code"
    if found.type not in CLASS_TYPES[rec["authority_class"]]:
        return Located(None, Problem(file, f"{rec['authority_name']} is class {rec['authority_class']} in the workbook but "
                                           f"resolves to {found.name} ({found.type})", row, field_name,
                                     "class-matches-authority"))
    # Both keys must name the same council: a row whose ONS code and E-code disagree is a shifted
    # or mistyped row, not something to guess about.
    mapped = ecodes.get(rec["ecode"])
    if gss and mapped is not None and mapped != found.code:
        return Located(None, Problem(file, f"ONS code {gss} is {found.name} ({found.code}) but E-code "
                                           f"{rec['ecode']} is {mapped} in the register", row, "E-code",
                                     "codes-agree"))
    return Located(found)


# --- Deriving the metrics ------------------------------------------------------------------------


@dataclass
class Extracts:
    """The validated extracts of every workbook a set of records uses, with the authorities."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # rel -> extract
    # (rel, ecode) -> the authority of that row (principal councils only)
    authorities: dict[tuple[str, str], Authority] = field(default_factory=dict)


def workbook(rel: str) -> Workbook:
    for wb in WORKBOOKS:
        if wb.rel == rel:
            return wb
    raise KeyError(rel)


def load_extracts(sources_dir: Path, rels: list[str], register: Register) -> Extracts:
    out = Extracts()
    ecodes = ecode_index(sources_dir)
    problems: list[Problem] = []
    for rel in rels:
        wb = workbook(rel)
        path = sources_dir / rel
        extract = read_extract(path, wb)
        validate_extract(path, wb, extract, schema_path(sources_dir, wb.kind))
        out.frames[rel] = extract
        firsts = extract.drop_duplicates("ecode")
        for rec in firsts[firsts["authority_class"].isin(PRINCIPAL_CLASSES)].to_dict("records"):
            located = locate(register, ecodes, rec, wb.period, display_name(path))
            if located.problem is not None:
                problems.append(located.problem)
            else:
                assert located.authority is not None
                out.authorities[(rel, rec["ecode"])] = located.authority
    if problems:
        raise SourceError(problems)
    return out


def _decimal(text: str) -> Decimal | None:
    if text == "" or text in NOT_APPLICABLE:
        return None
    return Decimal(text)  # the Table Schema has checked it is a number


def record_problems(record: Record) -> list[Problem]:
    """Rules for a finance record's formula and sources that a JSON Schema cannot express."""
    name = display_name(record.path)
    formula = record.data.get("formula")
    if not formula:
        return [Problem(name, "a metric derived from the finance workbooks needs a formula", None, "formula",
                        "formula-required")]
    out: list[Problem] = []
    try:
        used = formula_names(formula["expression"])
    except FormulaError as exc:
        return [Problem(name, str(exc), None, "formula.expression", "formula-arithmetic")]
    declared = set(formula["inputs"])
    for n in sorted(used - declared):
        out.append(Problem(name, f"the expression uses {n!r}, which formula.inputs does not describe", None,
                           "formula.inputs", "formula-inputs"))
    for n in sorted(declared - used):
        out.append(Problem(name, f"formula.inputs describes {n!r}, which the expression does not use", None,
                           "formula.inputs", "formula-inputs"))
    for n in formula.get("require_positive", []):
        if n not in declared:
            out.append(Problem(name, f"require_positive names {n!r}, which is not an input", None,
                               "formula.require_positive", "formula-inputs"))
    for n in sorted(used - FIELD_NAMES):
        out.append(Problem(name, f"{n!r} is not a field the finance workbooks are read for "
                                 f"({', '.join(sorted(FIELD_NAMES))})", None, "formula.expression",
                           "formula-field"))
    for i, src in enumerate(record.data["sources"]):
        try:
            workbook(src["file"])
        except KeyError:
            out.append(Problem(name, f"{src['file']} is not a finance workbook this adapter reads", None,
                               f"sources.{i}.file", "finance-workbook"))
    return out


def _inputs_by_period(record: Record) -> dict[str, dict[str, str]]:
    """period -> input name -> the workbook (rel) that supplies it, from the record's sources.

    A period is derived only where the record's sources supply every input; an input offered by
    two of the record's workbooks for one period would be ambiguous and is an error.
    """
    inputs = list(record.data["formula"]["inputs"])
    offered: dict[str, dict[str, list[str]]] = {}
    for src in record.data["sources"]:
        wb = workbook(src["file"])
        for f in wb.fields:
            if f.name in inputs:
                offered.setdefault(wb.period, {}).setdefault(f.name, []).append(wb.rel)
    out: dict[str, dict[str, str]] = {}
    for period, by_input in offered.items():
        if set(by_input) != set(inputs):
            continue
        clash = [n for n, rels in by_input.items() if len(rels) > 1]
        if clash:
            raise SourceError.one(record.path, f"{period}: {clash[0]} is offered by more than one source "
                                               f"({', '.join(by_input[clash[0]])})", field="sources")
        # The observation's source row is the row of the first input, in the order the record
        # lists them (e.g. the COR row for capital financing requirement per NRE).
        out[period] = {n: by_input[n][0] for n in inputs}
    return out


def derive_frames(records: list[Record], extracts: Extracts) -> dict[str, pd.DataFrame]:
    """Evaluate each record's formula: rel -> tidy frame (ingest.observations.TIDY_COLUMNS)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    problems: list[Problem] = []
    for record in records:
        formula = record.data["formula"]
        expression, decimals = formula["expression"], int(formula["decimals"])
        tiers = set(record.data["tiers"])
        plans = _inputs_by_period(record)
        found_periods = set(plans)
        listed = set(record.data["periods"])
        if found_periods != listed:
            problems.append(Problem(display_name(record.path),
                                    f"periods differ from the workbooks that supply every input: workbooks give "
                                    f"{', '.join(sorted(found_periods)) or 'none'}, the record lists "
                                    f"{', '.join(sorted(listed))}", None, "periods", "periods-match-data"))
            continue
        for period, plan in sorted(plans.items()):
            names = list(plan)
            primary = plan[names[0]]
            pframe = extracts.frames[primary]
            values: dict[tuple[str, str], tuple[str, int]] = {}  # (ecode, name) -> (text, row)
            for rel in set(plan.values()):
                ex = extracts.frames[rel]
                part = ex[ex["field"].isin([n for n in names if plan[n] == rel])]
                for rec in part.itertuples(index=False):
                    values[(rec.ecode, rec.field)] = (rec.value, int(rec.source_row))
            seen: set[str] = set()
            for rec in pframe[pframe["field"] == names[0]].itertuples(index=False):
                if rec.ecode in seen:
                    continue
                seen.add(rec.ecode)
                base: dict[str, Any] = {c: None for c in TIDY_COLUMNS}
                base.update(row=int(rec.source_row), metric=record.slug, gss=rec.ons_code or rec.ecode,
                            period=period)
                if rec.authority_class not in PRINCIPAL_CLASSES:
                    rows.setdefault(primary, []).append(
                        {**base, "excluded": f"class {rec.authority_class}: not a principal council (police, fire, national "
                                             "park, waste, transport or combined authority, or the GLA)"})
                    continue
                authority = extracts.authorities[(primary, rec.ecode)]
                if authority.type not in tiers:
                    rows.setdefault(primary, []).append(
                        {**base, "excluded": f"authority type {authority.type} is not among the metric's tiers"})
                    continue
                base.update(area=authority.code, area_kind="authority", authority_type=authority.type)
                got: dict[str, Decimal] = {}
                absent: list[str] = []
                for n in names:
                    rel = plan[n]
                    other = extracts.authorities.get((rel, rec.ecode))
                    hit = values.get((rec.ecode, n))
                    if hit is None or (rel != primary and other is not None and other.code != authority.code):
                        absent.append(f"{n} (no row for E-code {rec.ecode} in {rel})")
                        continue
                    number = _decimal(hit[0])
                    if number is None:
                        shown = f"'{hit[0]}' (not applicable)" if hit[0] else "an empty cell"
                        absent.append(f"{n}: {rel} row {hit[1]} has {shown}")
                    else:
                        got[n] = number
                if absent:
                    rows.setdefault(primary, []).append(
                        {**base, "status": "missing", "reason": "No value: " + "; ".join(absent) + "."})
                    continue
                # A share of a zero or negative total (Spelthorne's NRE in 2017-18) has no meaning.
                not_positive = [n for n in formula.get("require_positive", []) if got[n] <= 0]
                if not_positive:
                    shown = ", ".join(f"{n} is {got[n]} in {plan[n]} row {values[(rec.ecode, n)][1]}"
                                      for n in not_positive)
                    rows.setdefault(primary, []).append(
                        {**base, "status": "missing",
                         "reason": f"No value: {shown}; the formula needs it to be positive."})
                    continue
                try:
                    result = evaluate(expression, got)
                except (DivisionByZero, InvalidOperation, ZeroDivisionError):
                    zero = ", ".join(f"{n} = 0" for n, v in got.items() if v == 0)
                    rows.setdefault(primary, []).append(
                        {**base, "status": "missing",
                         "reason": f"No value: the formula divides by zero ({zero}) in {primary} "
                                   f"row {rec.source_row}."})
                    continue
                rows.setdefault(primary, []).append({**base, "value": rounded(result, decimals)})
    if problems:
        raise SourceError(problems)
    return {rel: pd.DataFrame(r, columns=TIDY_COLUMNS) for rel, r in rows.items()}


def derive(sources_dir: Path, records: list[Record], register: Register) -> dict[str, pd.DataFrame]:
    """The finance metrics of `records` as tidy frames, keyed by the workbook each row comes from."""
    problems = [p for r in records for p in record_problems(r)]
    if problems:
        raise SourceError(problems)
    rels = sorted({src["file"] for r in records for src in r.data["sources"]})
    extracts = load_extracts(sources_dir, rels, register)
    frames = derive_frames(records, extracts)
    # Every workbook a record names gets a frame, even one that only supplies a denominator.
    return {rel: frames.get(rel, pd.DataFrame([], columns=TIDY_COLUMNS)) for rel in rels}


def iter_workbooks(records: list[Record]) -> Iterator[Workbook]:
    for rel in sorted({src["file"] for r in records for src in r.data["sources"]}):
        yield workbook(rel)
