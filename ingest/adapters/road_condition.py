"""DfT road condition table RDC0120 (roads/road-condition-data.ods): the percentage of a local
highway authority's classified road length where maintenance should have been considered
("red" on the Road Condition Indicator), financial years ending 2008 to 2025.

One sheet per road class (A roads and motorways; B and C roads), header row "ONS Area Code,
Region, Local Authority, FYE 2008 ... FYE 2025, Notes". The cell markers are DfT's own: `[x]`
unavailable and `[y]` unrepresentative (both a missing observation with the reason, never a
zero), `[z]` not applicable (the authority did not exist, or Isles of Scilly: not loaded).

The last column names the cells each note applies to ("[7] applies to S12, T12 and U12"):
note 7 marks figures measured by a method other than SCANNER and note 8 SCANNER run alongside
unaccredited systems, so those observations carry the status "method-differs" (a break in the
series); `[r]` marks revised figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from core.problems import SourceError
from core.yaml_records import Record
from ingest.adapters.sheets import (
    Frame,
    Sheet,
    check_periods,
    column_index,
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
from ingest.observations import GSS_FORMAT, financial_year

ADAPTER = "dft_road_condition"
FILE = "roads/road-condition-data.ods"
SHEETS = {"RDC0120_A_Roads_and_Motorways": r"RDC0120_A_Roads_and_Motorways",
          "RDC0120_B_and_C_Roads": r"RDC0120_B_and_C_Roads"}
MARKERS = ("[x]", "[y]", "[z]")

MISSING = {
    "[x]": "DfT marks the figure as unavailable ('[x]')",
    "[y]": "DfT marks the submitted data as unrepresentative ('[y]': insufficient coverage or known data-quality "
           "issues)",
}
METHOD_NOTES = {
    "7": "DfT note 7: measured with a method other than SCANNER, not directly comparable with SCANNER figures "
         "or with this authority's other years",
    "8": "DfT note 8: SCANNER surveys were run alongside unaccredited asset management systems",
}
# Counties abolished on 1 April 2009 (RDC0120 note 9), before the authority register begins: their
# FYE 2008 and 2009 figures belong to no council the catalogue knows.
BEFORE_REGISTER = {
    "E10000001": "Bedfordshire County Council, abolished 1 April 2009 (RDC0120 note 9), is not in the authority register",
    "E10000004": "Cheshire County Council, abolished 1 April 2009 (RDC0120 note 9), is not in the authority register",
}
_APPLIES = re.compile(r"\[(\w+)\] applies to ((?:[A-Z]+\d+)(?:(?:, | and )[A-Z]+\d+)*)")


def _notes(sheet: Sheet, row: int, col: int, problems: list) -> dict[int, set[str]]:
    """column index -> the note markers the Notes cell applies to that column of this row."""
    raw = text(sheet.cell(row, col))
    out: dict[int, set[str]] = {}
    if raw in ("", "[z]"):
        return out
    rest = raw
    for m in _APPLIES.finditer(raw):
        rest = rest.replace(m.group(0), "")
        for ref in re.findall(r"([A-Z]+)(\d+)", m.group(2)):
            if int(ref[1]) != row:
                problems.append(sheet.problem(f"the note {m.group(1)!r} refers to cell {ref[0]}{ref[1]}, not a cell of "
                                              f"row {row}", row, "Notes", "note-reference"))
            out.setdefault(column_index(ref[0]), set()).add(m.group(1))
    if rest.strip(" ,"):
        problems.append(sheet.problem(f"cannot read the notes {raw!r} (expected '[n] applies to <cells>')", row,
                                      "Notes", "note-reference"))
    return out


def read(path: Path, register: Register, targets: dict) -> pd.DataFrame:
    sheets = open_sheets(path, {k: v for k, v in SHEETS.items() if k in targets})
    frame = Frame(path, register)
    for key, sheet in sheets.items():
        target = targets[key]
        header = sheet.find_row(0, r"ons area code", 1, 10)
        heads = [heading(c) for c in sheet.rows[header - 1]]
        cols = sheet.columns(heads, {"ONS Area Code": r"ons area code", "Notes": r"notes"}, header)
        years = {j: int(m.group(1)) for j, h in enumerate(heads) if (m := re.fullmatch(r"fye (\d{4})", h))}
        if not years:
            raise SourceError(sheet.problem("no 'FYE yyyy' year columns in the header row", header, "FYE",
                                            "column-heading"))
        for n in range(header + 1, len(sheet.rows) + 1):
            gss = text(sheet.cell(n, cols["ONS Area Code"]))
            if not gss:
                continue
            if not GSS_FORMAT.match(gss):
                frame.problems.append(sheet.problem(f"{gss!r} is not a GSS code", n, "ONS Area Code",
                                                    "gss-code-format"))
                continue
            notes = _notes(sheet, n, cols["Notes"], frame.problems)
            for j, fye in sorted(years.items()):
                period = financial_year(fye - 1)
                where = f"FYE {fye}, cell {column_letter(j)}{n}"
                got = figure(sheet, n, j, f"FYE {fye}", MARKERS, frame.problems)
                if got is None:
                    continue
                if got.marker == "[z]":
                    frame.exclude(target, gss, period, n, "not applicable ('[z]': the authority did not exist then, "
                                                         "or the indicator does not apply)")
                    continue
                if gss in BEFORE_REGISTER:
                    frame.exclude(target, gss, period, n, BEFORE_REGISTER[gss])
                    continue
                if got.value is None:
                    frame.add(sheet, target, gss, period, n, f"FYE {fye}", None,
                              reason=f"{MISSING[str(got.marker)]} for {where} of sheet {sheet.name}.", backcast=True)
                    continue
                marks = notes.get(j, set())
                method = [METHOD_NOTES[m] for m in sorted(marks) if m in METHOD_NOTES]
                status, reason = None, None
                if method:
                    status = "method-differs"
                    reason = "; ".join(method) + (" (a revised figure)" if "r" in marks else "") + f" ({where})."
                elif "r" in marks:
                    status = "revised"
                frame.add(sheet, target, gss, period, n, f"FYE {fye}", plain(got.value), status, reason, backcast=True)
    return frame.frame()


def derive(sources_dir: Path, records: list[Record], register: Register) -> dict[str, pd.DataFrame]:
    """The road condition metrics of `records` as tidy frames (one file)."""
    frames: dict[str, pd.DataFrame] = {}
    for rel in files_of(records):
        if rel != FILE:
            raise SourceError.one(sources_dir / rel, f"the road condition adapter reads only {FILE}",
                                  rule="adapter-file")
        frames[rel] = read(sources_dir / rel, register, targets_by_select(records, rel, SHEETS))
    check_periods(records, frames)
    return frames
