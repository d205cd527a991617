"""MHCLG housing supply: Live Table 122, net additional dwellings by local authority district,
2001-02 to 2024-25 (housing/housing-data.ods), and the Housing Delivery Test: 2023 measurement
(housing/housing-delivery-test.ods).

LT122 has one column per financial year; the year headings carry `[r]` (revised, 2023-24) and
`[p]` (provisional, 2024-25), which become the status of every figure of that column. `[x]` is
written where an authority did not exist (before a new unitary council began, after a district
was abolished): not loaded when the register agrees the council did not exist, a missing
observation if it did. County (E10), metropolitan county (E11) and region (E12) rows are sums of
districts and are not loaded.

The Housing Delivery Test sheet holds several blocks, each under a heading row: local planning
authorities, development corporations, joint plans measured jointly, and reorganised authorities.
Only the first block measures one council on its own, so only it is loaded; the measurement
(homes delivered as a fraction of homes required over three years, rounded by MHCLG to the
nearest 1%) is loaded as a percentage.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from core import periods
from core.problems import SourceError
from core.yaml_records import Record
from ingest.adapters.sheets import (
    AGGREGATES,
    Frame,
    Sheet,
    Target,
    check_periods,
    column_letter,
    figure,
    files_of,
    heading,
    open_sheets,
    plain,
    targets_by_select,
    text,
)
from ingest.geography.model import Register
from ingest.observations import GSS_FORMAT

ADAPTER = "mhclg_housing_supply"
LT122 = "housing/housing-data.ods"
HDT = "housing/housing-delivery-test.ods"
NET_ADDITIONS = "LT_122 net additional dwellings"
HDT_MEASUREMENT = "Housing Delivery Test: 2023 measurement"
SELECTS = {LT122: (NET_ADDITIONS,), HDT: (HDT_MEASUREMENT,)}
# The three financial years the 2023 measurement covers (the sheet's sub-headings); the
# observation's period is the last of them.
HDT_PERIOD = "2022-23"
HDT_YEARS = ("2020-21", "2021-22", "2022-23")
COUNTY = "county (its figure is the sum of its districts, which are loaded)"
ABOLISHED_2009 = ("a district abolished on 1 April 2009, when nine unitary authorities were formed from 37 former "
                  "districts (LT_122 cover sheet); the authority register begins after it")


def _abolished_2009(sheet: Sheet, row: int, years: dict[int, tuple[str, str | None]]) -> bool:
    """True when a row has '[x]' in every year from 2009-10: a district of the 2009 reorganisation."""
    later = [j for j, (period, _status) in years.items() if period >= "2009-10"]
    return bool(later) and all(text(sheet.cell(row, j)) == "[x]" for j in later)


def read_lt122(path: Path, register: Register, target: Target) -> pd.DataFrame:
    sheet = open_sheets(path, {"LT_122": r"LT_122"})["LT_122"]
    header = sheet.find_row(2, r"current ons code", 1, 15)
    heads = [heading(c) for c in sheet.rows[header - 1]]
    cols = sheet.columns(heads, {"Current ONS code": r"current ons code"}, header)
    years: dict[int, tuple[str, str | None]] = {}
    for j, h in enumerate(heads):
        raw = text(sheet.cell(header, j)).lower()
        if periods.kind_of(h) == "financial-year":
            status = "provisional" if "[p]" in raw else "revised" if "[r]" in raw else None
            years[j] = (h, status)
    if not years:
        raise SourceError(sheet.problem("no financial-year columns (yyyy-yy) in the header row", header, "2001-02",
                                        "column-heading"))
    frame = Frame(path, register)
    for n in range(header + 1, len(sheet.rows) + 1):
        gss = text(sheet.cell(n, cols["Current ONS code"]))
        if not gss:
            continue
        if not GSS_FORMAT.match(gss):
            frame.problems.append(sheet.problem(f"{gss!r} is not a GSS code", n, "Current ONS code",
                                                "gss-code-format"))
            continue
        why = AGGREGATES.get(gss[:3]) or (COUNTY if gss.startswith("E10") else None)
        if why is None and register.by_gss(gss) is None and _abolished_2009(sheet, n, years):
            why = ABOLISHED_2009
        for j, (period, status) in sorted(years.items()):
            got = figure(sheet, n, j, period, ("[x]",), frame.problems)
            if got is None:
                continue
            if why:
                frame.exclude(target, gss, period, n, why)
                continue
            if got.marker:
                res = frame.resolve(gss, period)
                if res.problem == "authority-not-in-period":
                    frame.exclude(target, gss, period, n, "'[x]': the authority did not exist in this year")
                    continue
                frame.add(sheet, target, gss, period, n, period, None,
                          reason=f"'[x]' in LT_122 ({period}, cell {column_letter(j)}{n}): MHCLG notes the data as "
                                 "unavailable at the time of publication.")
                continue
            assert got.value is not None
            frame.add(sheet, target, gss, period, n, period, plain(got.value), status, backcast=True)
    return frame.frame()


def read_hdt(path: Path, register: Register, target: Target) -> pd.DataFrame:
    sheet = open_sheets(path, {"Sheet1": r"Sheet1"})["Sheet1"]
    if heading(sheet.cell(1, 0)) != "housing delivery test: 2023 measurement":
        raise SourceError(sheet.problem(f"the title {text(sheet.cell(1, 0))!r} is not 'Housing Delivery Test: 2023 "
                                        "measurement'", 1, "A", "title-period"))
    block = sheet.find_row(0, r"local planning authorities", 1, 10)
    header = sheet.find_row(0, r"ons code", block, block + 5)
    cols = sheet.columns([heading(c) for c in sheet.rows[header - 1]],
                         {"ONS Code": r"ons code",
                          "measurement": r"housing delivery test: 2023 measurement"}, header)
    years = tuple(heading(sheet.cell(header + 1, j)) for j in range(2, 5))
    if years != HDT_YEARS:
        raise SourceError(sheet.problem(f"the years under 'Number of homes required' are {', '.join(years)}, not "
                                        f"{', '.join(HDT_YEARS)}", header + 1, "Number of homes required",
                                        "column-heading"))
    frame = Frame(path, register)
    in_block = True
    for n in range(header + 2, len(sheet.rows) + 1):
        gss = text(sheet.cell(n, cols["ONS Code"]))
        if not gss:
            continue
        if not GSS_FORMAT.match(gss):
            if gss.lower().startswith(("ons code", "notes")):
                continue
            in_block = False  # the heading of a later block (development corporations, joint plans, ...)
            continue
        if not in_block:
            frame.exclude(target, gss, HDT_PERIOD, n, "not measured on its own (development corporation, joint plan or "
                                                      "reorganised authority block)")
            continue
        got = figure(sheet, n, cols["measurement"], "Housing Delivery Test: 2023 measurement", ("-",),
                     frame.problems)
        if got is None:
            continue
        if got.value is None:
            frame.add(sheet, target, gss, HDT_PERIOD, n, "Housing Delivery Test: 2023 measurement", None,
                      reason=f"'-' in the Housing Delivery Test sheet (row {n}): the sheet's notes say Barrow-in-Furness "
                             "and Isles of Scilly have a zero housing requirement and so no measurement.")
            continue
        frame.add(sheet, target, gss, HDT_PERIOD, n, "Housing Delivery Test: 2023 measurement",
                  plain(got.value * Decimal(100)))
    return frame.frame()


def derive(sources_dir: Path, records: list[Record], register: Register) -> dict[str, pd.DataFrame]:
    """The housing supply metrics of `records` as tidy frames, one per workbook."""
    frames: dict[str, pd.DataFrame] = {}
    problems = []
    for rel in files_of(records):
        if rel not in SELECTS:
            problems.extend(SourceError.one(sources_dir / rel, f"not a workbook this adapter reads ({', '.join(SELECTS)})",
                                            rule="adapter-file").problems)
            continue
        try:
            targets = targets_by_select(records, rel, SELECTS[rel])
            read = read_lt122 if rel == LT122 else read_hdt
            frames[rel] = read(sources_dir / rel, register, next(iter(targets.values())))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    check_periods(records, frames)
    return frames
