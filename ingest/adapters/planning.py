"""MHCLG live tables on planning application statistics (planning/planning-data.ods, published 18
December 2025), table P134: district planning authorities' applications received, decided,
granted and delegated, and decisions with an extension of time agreement, in the year ending
September 2025 (period key YE2025-09).

The header row is "Planning authority, ONS code, ..."; rows are found by the ONS code. England
(E92000001) and the local planning authorities that are councils are loaded; regions (E12),
national park authorities (E26) and development corporations (E51) are not councils, and the
"National Parks" subtotal has no code. Shares the table publishes (delegated, granted) are
rounded here to one decimal; the share of decisions with an extension of time is evaluated from
the two counts of the same row.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd

from core.problems import SourceError
from core.yaml_records import Record
from ingest.adapters.sheets import (
    AGGREGATES,
    Figure,
    Frame,
    Sheet,
    check_periods,
    column_letter,
    figure,
    files_of,
    heading,
    open_sheets,
    plain,
    rounded,
    targets_by_select,
    text,
)
from ingest.geography.model import Register
from ingest.observations import GSS_FORMAT

ADAPTER = "mhclg_planning"
FILE = "planning/planning-data.ods"
SHEET = "LT_P134"
MONTHS = {m: i + 1 for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                           "september", "october", "november", "december"))}
NOT_COUNCILS = {
    "E26": "national park authority (a planning authority, not a council)",
    "E51": "development corporation (a planning authority, not a council)",
}
COLUMNS = {
    "ONS code": r"ons code",
    "decisions": r"total number of decisions",
    "delegated %": r"percentage of decisions delegated to officers",
    "granted %": r"percentage of decisions granted",
    "extension of time": r"decisions where an extension of time agreement was made",
}
DECISIONS = "P134 total number of decisions"
DELEGATED = "P134 percentage of decisions delegated to officers"
GRANTED = "P134 percentage of decisions granted"
EXTENSION = "P134 percentage of decisions with an extension of time agreement"
SELECTS = (DECISIONS, DELEGATED, GRANTED, EXTENSION)
SHARE_DECIMALS = 1


def _period(title: str, sheet: Sheet) -> str:
    m = re.search(r"year ending (\w+) (\d{4})", heading(title))
    if not m or m.group(1) not in MONTHS:
        raise SourceError(sheet.problem(f"the title {title!r} does not name the year ending a month", 1, "A",
                                        "title-period"))
    return f"YE{m.group(2)}-{MONTHS[m.group(1)]:02d}"


def read(path: Path, register: Register, targets: dict) -> pd.DataFrame:
    sheet = open_sheets(path, {SHEET: SHEET})[SHEET]
    period = _period(text(sheet.cell(1, 0)), sheet)
    header = sheet.find_row(1, r"ons code", 1, 10)
    cols = sheet.columns([heading(c) for c in sheet.rows[header - 1]], COLUMNS, header)
    frame = Frame(path, register)
    for n in range(header + 1, len(sheet.rows) + 1):
        code = text(sheet.cell(n, cols["ONS code"]))
        if not code or code == "-":
            continue  # blank rows and the "National Parks" subtotal
        if not GSS_FORMAT.match(code):
            frame.problems.append(sheet.problem(f"{code!r} is not a GSS code", n, "ONS code", "gss-code-format"))
            continue
        why = AGGREGATES.get(code[:3]) or NOT_COUNCILS.get(code[:3])
        got: dict[str, Figure] = {}
        for name in ("decisions", "delegated %", "granted %", "extension of time"):
            found = figure(sheet, n, cols[name], name, (), frame.problems)
            if found is not None and found.value is not None:
                got[name] = found
        if len(got) < 4:
            continue  # the cell's problem is recorded
        decisions = got["decisions"].value
        assert decisions is not None
        for select, target in targets.items():
            if why:
                frame.exclude(target, code, period, n, why)
                continue
            if select == DECISIONS:
                frame.add(sheet, target, code, period, n, "decisions", plain(decisions))
            elif select in (DELEGATED, GRANTED):
                name = "delegated %" if select == DELEGATED else "granted %"
                value = got[name].value
                assert value is not None
                frame.add(sheet, target, code, period, n, name, rounded(value, SHARE_DECIMALS))
            elif decisions == 0:
                frame.add(sheet, target, code, period, n, "extension of time", None,
                          reason=f"No decisions in the year (P134 row {n}, column {column_letter(cols['decisions'])}), "
                                 "so no share.")
            else:
                eot = got["extension of time"].value
                assert eot is not None
                frame.add(sheet, target, code, period, n, "extension of time",
                          rounded(Decimal(100) * eot / decisions, SHARE_DECIMALS))
    return frame.frame()


def derive(sources_dir: Path, records: list[Record], register: Register) -> dict[str, pd.DataFrame]:
    """The planning metrics of `records` as a tidy frame (one workbook)."""
    frames: dict[str, pd.DataFrame] = {}
    for rel in files_of(records):
        if rel != FILE:
            raise SourceError.one(sources_dir / rel, f"the planning adapter reads only {FILE}", rule="adapter-file")
        frames[rel] = read(sources_dir / rel, register, targets_by_select(records, rel, SELECTS))
    check_periods(records, frames)
    return frames
