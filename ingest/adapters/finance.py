"""MHCLG local-government finance workbooks -> tidy extracts -> financial resilience metrics.

The workbooks (ingest/sources/finance/) are MHCLG's own National Statistics files, unchanged: the
Revenue Outturn Summary (RS) 2014-15 to 2017-18 and the Capital Outturn Return prudential tables
(COR) 2016-17 and 2017-18. They are wide, with title rows above the header, so each sheet's header
row is found by its "E-code"/"Ecode"/"LGF Code" cell and each needed column by its heading (and,
where the sheet has one, the RS line number above it). "…", "..." and ":" mean not applicable.

Two stages, each with its own failure messages naming file, spreadsheet row and field:

1. `finance_workbooks.read_extract`: one workbook -> a tidy extract, one row per (authority row,
   field), with the sheet and spreadsheet row each value came from. The extract is validated with its Frictionless
   Table Schema (`{kind}.extract.schema.yaml` in the sources folder) before anything is used.
2. `derive` (here): metric records whose sources use this adapter carry a `formula` (an arithmetic
   expression over named extract fields); it is evaluated here, per authority and period, from the
   record, so no figure is computed by hand. Rows of other classes than principal councils
   (police, fire, national parks, waste and transport authorities, the GLA: class "O") are kept in
   the frame with the reason they are not loaded.

Authorities are resolved with the geography register on the dates of the period: by ONS code
where the row has one, else by the MHCLG E-code through mySociety's `ecode` column
(`finance_extracts`).
The formulas are plain arithmetic, checked and evaluated by `finance_formulas`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, DivisionByZero, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from core.problems import Problem, SourceError, display_name
from core.yaml_records import Record
from ingest.adapters.finance_extracts import PRINCIPAL_CLASSES, Extracts, load_extracts
from ingest.adapters.finance_formulas import FormulaError, evaluate, formula_names, rounded
from ingest.adapters.finance_workbooks import FIELD_NAMES, NOT_APPLICABLE, Workbook, workbook
from ingest.geography.model import Register
from ingest.observations import TIDY_COLUMNS

ADAPTER = "mhclg_finance"


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
                                               f"({', '.join(by_input[clash[0]])})", field="sources", rule="one-source-per-input")
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
