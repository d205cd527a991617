"""MHCLG statutory homelessness, detailed local authority tables (H-CLIC), table TA1: households
in temporary accommodation at 31 December, one workbook per year 2018 to 2025
(homelessness/*.ods|xlsx).

The sheet is called `TA1` (`TA1_` in 2021 and 2022, `TA1 - Oct-Dec 18` in 2018). From 2021 a
pivot-style header of several rows sits above the labels, so the rows are found by the GSS code
in column A (England is E92000001) and each column by its lowest heading above that row. MHCLG's
markers: `..` an authority with missing data (its regional and national totals include an
estimate), `-` a B&B breakdown suppressed for fewer than 5 households; both are missing
observations with the reason.

Figures are positions on one day, 31 December: the period key is that day (2025-12-31).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    Target,
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

ADAPTER = "mhclg_hclic"
FOLDER = "homelessness"
# File -> the year of its 31 December position (checked against the sheet's title).
FILES = {
    "homelessness/DetailedLA_201812.xlsx": 2018,
    "homelessness/DetailedLA_201912.xlsx": 2019,
    "homelessness/DetailedLA_202012.ods": 2020,
    "homelessness/DetailedLA_202112.ods": 2021,
    "homelessness/Detailed_LA_202212.ods": 2022,
    "homelessness/Detailed_LA_202312.ods": 2023,
    "homelessness/Detailed_LA_202412.ods": 2024,
    "homelessness/Statutory_Homelessness_Detailed_Local_Authority_Data_202512.ods": 2025,
}
SHEET = r"TA1( - Oct-Dec 18|_)?"
COLUMNS = {
    "households in area (000s)": r"number of households.*\(000s\)",
    "households in TA with children": r"total number of households in ta with children",
    "B&B with children over 6 weeks": r"total with children and resident more than 6 weeks\d*",
}
MARKERS = ("..", "-")
TA_PER_1000 = "TA1 households with children in temporary accommodation per 1,000 households"
BB_SIX_WEEKS = "TA1 households with children in B&B over six weeks"
PREVENTED = "P1 prevention duties ended with accommodation secured for 6+ months"
RELIEVED = "R1 relief duties ended with accommodation secured for 6+ months"
SHARE_DECIMALS = 1


@dataclass(frozen=True)
class Duty:
    """A table of duties ended by reason (P1 prevention, R1 relief): its sheet and the two columns."""

    sheet: str
    pattern: str
    label: str
    ended: str  # pattern of the stacked heading of the total ended
    secured: str  # pattern of the stacked heading of those ended with accommodation secured for 6+ months


# The stacked headings (every header row, joined by " | "): the "secured" column is the total of
# its group in P1 ("Total secured accommodation", in 2018 just "Total") and the group itself in R1.
DUTIES = {
    PREVENTED: Duty("P1", r"P1( - Oct-Dec 18|_)?", "prevention",
                    r"(.* \| )?total number of households (where|whose) prevention duty ended[\d,]*",
                    r"(.* \| )?secured accommodation for 6\+ months[\d,]*( \| .*)? \| total( secured accommodation)?"),
    RELIEVED: Duty("R1", r"R1( - Oct-Dec 18|_)?", "relief",
                   r"(.* \| )?total number of households (where|whose) relief duty ended[\d,]*",
                   r"(.* \| )?secured accommodation for 6\+ months[\d,]*"),
}
SELECTS = (TA_PER_1000, BB_SIX_WEEKS, PREVENTED, RELIEVED)
RATE_DECIMALS = 2
# The December 2025 edition's TA1 note 6; the change starts in a quarter before 31 December 2024.
BB_MULTIPLE_PLACEMENTS_FROM = 2024
BB_NOTE = ("MHCLG TA1 note 6 (December 2025 edition): from April-June 2024 onwards, households with children in B&B "
           "over the statutory 6-week limit include multiple placements of the same household, addressing previous "
           "undercounting; not comparable with 2023 and earlier")


def _why_missing(marker: str, what: str, where: str) -> str:
    if marker == "..":
        return (f"'..' in {what} ({where}): MHCLG marks the authority as having missing data; regional and national "
                "totals include an estimate for it.")
    return f"'-' in {what} ({where}): MHCLG suppresses B&B breakdowns for authorities with fewer than 5 households in B&B."


def _check_title(sheet: Sheet, year: int) -> None:
    m = re.search(r"december (\d{4})", heading(sheet.cell(1, 0)))
    if not m or int(m.group(1)) != year:
        raise SourceError(sheet.problem(f"the title {text(sheet.cell(1, 0))!r} does not name December {year}, the "
                                        "year this file is read for", 1, "A", "title-period"))


def read(path: Path, year: int, register: Register, targets: dict[str, Target]) -> pd.DataFrame:
    """The tidy rows of one year's workbook for the selected figures (TA1, P1, R1)."""
    names = {"TA1": SHEET} if any(k in (TA_PER_1000, BB_SIX_WEEKS) for k in targets) else {}
    names.update({DUTIES[k].sheet: DUTIES[k].pattern for k in targets if k in DUTIES})
    sheets = open_sheets(path, names)
    frame = Frame(path, register)
    ta_targets = {k: v for k, v in targets.items() if k in (TA_PER_1000, BB_SIX_WEEKS)}
    if ta_targets:
        _read_ta1(sheets["TA1"], year, frame, ta_targets)
    for select, target in targets.items():
        if select in DUTIES:
            _read_duty(sheets[DUTIES[select].sheet], year, frame, DUTIES[select], target)
    return frame.frame()


def _read_duty(sheet: Sheet, year: int, frame: Frame, duty: Duty, target: Target) -> None:
    """Share of the prevention (P1) or relief (R1) duties ended in the quarter with accommodation secured."""
    _check_title(sheet, year)
    england = sheet.find_row(0, r"e92000001", 2, 20)
    cols = sheet.columns(sheet.stacked(2, england - 1), {"ended": duty.ended, "secured": duty.secured}, england - 1)
    period = f"{year}-Q4"
    for n in range(england, len(sheet.rows) + 1):
        code = text(sheet.cell(n, 0))
        if not GSS_FORMAT.match(code):
            if code not in ("", "-") and isinstance(sheet.cell(n, cols["ended"]), int | float):
                frame.problems.append(sheet.problem(f"{code!r} is not a GSS code but the row has figures", n, "A",
                                                    "gss-code-format"))
            continue
        if code[:3] in AGGREGATES:
            frame.exclude(target, code, period, n, AGGREGATES[code[:3]])
            continue
        ended = figure(sheet, n, cols["ended"], f"{duty.label} ended ({column_letter(cols['ended'])})", ("..",),
                       frame.problems)
        secured = figure(sheet, n, cols["secured"], f"secured accommodation ({column_letter(cols['secured'])})",
                         ("..",), frame.problems)
        if ended is None or secured is None:
            continue
        where = f"columns {column_letter(cols['secured'])} and {column_letter(cols['ended'])}, row {n}"
        if ended.marker or secured.marker:
            frame.add(sheet, target, code, period, n, f"{duty.label} ended", None,
                      reason=_why_missing("..", sheet.name, where))
        elif ended.value is None or secured.value is None or ended.value <= 0:
            frame.add(sheet, target, code, period, n, f"{duty.label} ended", None,
                      reason=f"No {duty.label} duties ended in the quarter ({sheet.name}, {where}), so no share.")
        elif secured.value > ended.value:
            frame.problems.append(sheet.problem(f"more duties ended with accommodation secured ({secured.value}) than "
                                                f"ended ({ended.value})", n, "secured accommodation",
                                                "value-out-of-range"))
        else:
            frame.add(sheet, target, code, period, n, f"{duty.label} ended",
                      rounded(Decimal(100) * secured.value / ended.value, SHARE_DECIMALS))


def _read_ta1(sheet: Sheet, year: int, frame: Frame, targets: dict[str, Target]) -> None:
    _check_title(sheet, year)
    england = sheet.find_row(0, r"e92000001", 2, 20)
    cols = sheet.columns(sheet.headings(2, england - 1), COLUMNS, england - 1)
    period = f"{year}-12-31"
    for n in range(england, len(sheet.rows) + 1):
        code = text(sheet.cell(n, 0))
        got: dict[str, Figure | None] = {}
        for name, j in cols.items():
            if sheet.cell(n, j) is None:
                continue
            got[name] = figure(sheet, n, j, f"{name} ({column_letter(j)})", MARKERS, frame.problems)
        if not GSS_FORMAT.match(code):
            # Blank rows, notes below the table and MHCLG's "Rest of England" aggregate ("-") carry no
            # code; a row with figures and a malformed code would be a council lost, so it fails.
            if got and code != "-" and any(g is not None and g.value is not None for g in got.values()):
                frame.problems.append(sheet.problem(f"{code!r} is not a GSS code but the row has figures", n, "A",
                                                    "gss-code-format"))
            continue
        if len(got) != len(cols):
            absent = [c for c in cols if c not in got]
            frame.problems.append(sheet.problem(f"empty cell for {', '.join(absent)}", n, absent[0], "empty-cell"))
            continue
        figs = {k: g for k, g in got.items() if g is not None}
        if len(figs) != len(cols):
            continue  # the cell's problem is recorded
        aggregate = AGGREGATES.get(code[:3])
        for select, target in targets.items():
            if aggregate:
                frame.exclude(target, code, period, n, aggregate)
                continue
            if select == TA_PER_1000:
                children, households = figs["households in TA with children"], figs["households in area (000s)"]
                where = f"columns {column_letter(cols['households in TA with children'])} and " \
                        f"{column_letter(cols['households in area (000s)'])}, row {n}"
                marker = children.marker or households.marker
                if marker:
                    frame.add(sheet, target, code, period, n, "households in TA with children", None,
                              reason=_why_missing(marker, "TA1", where))
                elif children.value is None or households.value is None or households.value <= 0:
                    frame.problems.append(sheet.problem("the number of households in the area must be above zero", n,
                                                        "households in area (000s)", "value-out-of-range"))
                else:
                    rate = children.value / households.value
                    frame.add(sheet, target, code, period, n, "households in TA with children",
                              rounded(rate, RATE_DECIMALS))
            else:
                bb = figs["B&B with children over 6 weeks"]
                where = f"column {column_letter(cols['B&B with children over 6 weeks'])}, row {n}"
                if bb.marker:
                    frame.add(sheet, target, code, period, n, "B&B with children over 6 weeks", None,
                              reason=_why_missing(bb.marker, "TA1", where))
                else:
                    assert bb.value is not None
                    status = "method-differs" if year >= BB_MULTIPLE_PLACEMENTS_FROM else None
                    frame.add(sheet, target, code, period, n, "B&B with children over 6 weeks", plain(bb.value),
                              status, BB_NOTE + "." if status else None)


def derive(sources_dir: Path, records: list[Record], register: Register) -> dict[str, pd.DataFrame]:
    """The homelessness metrics of `records` as tidy frames, one per workbook."""
    frames: dict[str, pd.DataFrame] = {}
    problems = []
    for rel in files_of(records):
        if rel not in FILES:
            problems.append(SourceError.one(sources_dir / rel, "not an H-CLIC workbook this adapter reads "
                                            f"({', '.join(FILES)})", rule="adapter-file").problems[0])
            continue
        try:
            frames[rel] = read(sources_dir / rel, FILES[rel], register, targets_by_select(records, rel, SELECTS))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    check_periods(records, frames)
    return frames
