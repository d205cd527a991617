"""DEFRA "Local authority collected waste statistics: local authority data" workbook
(metrics/waste/waste-data.ods), Table 3: the selected waste indicators of every waste authority
in England, 2010-11 to 2023-24, with the councils of the time (abolished councils keep their rows).

The sheet has title rows above its header; the header row is found by its "ONS code" cell and
each measure column by its heading, which is what a metric record's `select` names. Rates
(headings beginning "Percentage of") are written as fractions (0.227); they are published as
percentages, the fraction multiplied by 100 exactly in decimal arithmetic, so 0.227 becomes 22.7.
`:` and `-` mean not available: the authority and year are published as missing, never as zero.

Rows are loaded by ONS code against the authority register on the dates of the year. The
"Total England" row is England; regional totals are statistical aggregates; joint waste disposal
authorities and waste partnerships (E50 codes) are not councils. All are kept in the frame with the
reason they are not loaded. Any problem in the sheet stops the build naming file, sheet, row and
column, and nothing of the workbook loads.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Protocol

import pandas as pd
from python_calamine import CalamineWorkbook

from core import periods
from core.problems import Problem, SourceError, display_name
from ingest.geography.model import Register
from ingest.observations import ENGLAND_GSS, GSS_FORMAT, TIDY_COLUMNS, resolve

ADAPTER = "defra_waste"
SHEET = "Table_3"
NOT_AVAILABLE = (":", "-")
IDENTITY = ("Year", "Region", "ONS code", "Authority", "Authority type")
AUTHORITY_TYPES = ("Collection", "Unitary", "Disposal", "Total")
# Waste authorities with their own codes that are not councils: joint disposal authorities
# (East London, Greater Manchester, Merseyside...) and shared services or partnerships.
_NOT_COUNCILS = "joint waste authority or partnership (E50 code), not a council"
_SHARED = "one row for two councils together; it cannot be attached to either"
# Codes the workbook keeps using after the council they name was abolished: left out with the
# reason rather than attached to the successor by guesswork.
_FORMER_CODES = {
    "E10000002": "Buckinghamshire Council (a unitary council from April 2020) is reported under the code of the "
                 "former Buckinghamshire County Council, which the register ends on 31 March 2020",
}
# Ranges of the published figure (after the fraction is turned into a percentage).
_RANGES = {"percent": (Decimal(0), Decimal(100)), "kg-per-household": (Decimal(0), Decimal(5000)),
           "kg-per-person": (Decimal(0), Decimal(5000))}


class Record(Protocol):
    """What the adapter needs of a metric record (catalogue.metrics.MetricRecord)."""

    slug: str
    data: dict


def _text(cell: object) -> str:
    if isinstance(cell, float):
        # calamine gives ODS numbers as floats; repr is the shortest text that reads back the
        # same number, which is the text the workbook stores (e.g. 0.227, 656.1).
        return repr(cell)
    return "" if cell is None else str(cell).strip()


def read_sheet(path: Path) -> list[list[str]]:
    """Every row of Table 3 as text cells (the sheet's row n is item n-1)."""
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types for unreadable files
        raise SourceError.one(path, f"not a readable spreadsheet: {exc}", rule="workbook-readable") from None
    if SHEET not in book.sheet_names:
        raise SourceError(Problem(display_name(path), f"the workbook has no sheet {SHEET!r}", None, None,
                                  "sheet-missing", SHEET))
    return [[_text(c) for c in row] for row in book.get_sheet_by_name(SHEET).to_python()]


def _header(path: Path, rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    for i, row in enumerate(rows[:30]):
        if "ONS code" in row:
            return i, {name: j for j, name in enumerate(row) if name}
    raise SourceError(Problem(display_name(path), "no header row with an 'ONS code' column in the first 30 rows",
                              None, "ONS code", "header-row", SHEET))


def derive(sources_dir: Path, records: list[Record], register: Register) -> dict[str, pd.DataFrame]:
    """{source file: tidy frame} for the records that read this workbook; SourceError on any problem."""
    by_file: dict[str, list[tuple[Record, str]]] = {}
    for record in records:
        for src in record.data["sources"]:
            if src["adapter"] == ADAPTER:
                by_file.setdefault(src["file"], []).append((record, src["select"]))
    return {rel: tidy(sources_dir / rel, chosen, register) for rel, chosen in by_file.items()}


def tidy(path: Path, chosen: list[tuple[Record, str]], register: Register) -> pd.DataFrame:
    name = display_name(path)
    rows = read_sheet(path)
    head, columns = _header(path, rows)
    problems: list[Problem] = []

    def fail(row: int | None, field: str | None, message: str, rule: str) -> None:
        problems.append(Problem(name, message, row, field, rule, SHEET))

    for column in IDENTITY:
        if column not in columns:
            fail(head + 1, column, f"the header has no {column!r} column", "missing-column")
    for record, select in chosen:
        if select not in columns:
            fail(head + 1, select, f"the header has no column {select!r} that {record.slug} selects", "missing-column")
    if problems:
        raise SourceError(problems)
    out: list[dict[str, object]] = []
    seen: dict[tuple[str, str, str], int] = {}
    ended_at: int | None = None
    for i in range(head + 1, len(rows)):
        row_number = i + 1
        cells = rows[i] + [""] * (len(rows[head]) - len(rows[i]))
        get = dict(zip(rows[head], cells, strict=False)).__getitem__

        year = get("Year")
        if not year:
            ended_at = ended_at or row_number  # notes below the table
            continue
        if ended_at is not None and periods.kind_of(year) != "financial-year":
            continue  # a note below the table
        if ended_at is not None:
            fail(row_number, "Year", f"a data row below the end of the table (row {ended_at} is blank)",
                 "row-after-table")
            continue
        try:
            period = periods.parse(year)
        except ValueError:
            fail(row_number, "Year", f"{year!r} is not a financial year like 2023-24", "period-format")
            continue
        if period.kind != "financial-year":
            fail(row_number, "Year", f"{year!r} is not a financial year like 2023-24", "period-format")
            continue
        if period.start > date.today():
            fail(row_number, "Year", f"{year} starts on {period.start}, after today", "period-in-future")
            continue
        kind, gss, region = get("Authority type"), get("ONS code"), get("Region")
        if kind not in AUTHORITY_TYPES:
            fail(row_number, "Authority type", f"{kind!r} is not one of {', '.join(AUTHORITY_TYPES)}",
                 "authority-type")
            continue
        base: dict[str, object] = {c: None for c in TIDY_COLUMNS}
        base.update(row=row_number, gss=gss, period=period.key)
        excluded, area, area_kind, authority_type = None, None, None, None
        if kind == "Total":
            if region.startswith("Total England"):
                area, area_kind = ENGLAND_GSS, "england"
            else:
                excluded = "regional total (a statistical aggregate, not a council)"
        elif " / " in gss and all(GSS_FORMAT.match(part) for part in gss.split(" / ")):
            excluded = _SHARED
        elif not GSS_FORMAT.match(gss):
            fail(row_number, "ONS code", f"{gss!r} is not a GSS code (a nation letter and 8 digits)",
                 "gss-code-format")
            continue
        elif gss.startswith("E50"):
            excluded = _NOT_COUNCILS
        else:
            res = resolve(register, gss, period.key)
            if res.problem == "authority-not-in-period" and gss in _FORMER_CODES:
                excluded = _FORMER_CODES[gss]
            elif res.authority is None:
                fail(row_number, "ONS code", res.message, res.problem or "unknown-authority")
                continue
            else:
                area, area_kind, authority_type = res.authority.code, "authority", res.authority.type
        provisional = "(Provisional)" in region
        for record, select in chosen:
            d = record.data
            entry = {**base, "metric": record.slug}
            text = get(select)
            if excluded:
                out.append({**entry, "excluded": excluded})
                continue
            if area_kind == "england" and not d.get("includes_england"):
                out.append({**entry, "excluded": "England total; the metric record does not load England totals"})
                continue
            if area_kind == "authority" and authority_type not in d["tiers"]:
                out.append({**entry, "excluded": f"authority type {authority_type} is not among the metric's "
                                                  f"tiers ({', '.join(d['tiers'])})"})
                continue
            entry.update(area=area, area_kind=area_kind, authority_type=authority_type)
            key = (record.slug, str(area), period.key)
            first = seen.setdefault(key, row_number)
            if first != row_number:
                fail(row_number, "ONS code", f"{record.slug} for {area} in {period.key} is already given in row "
                                             f"{first}", "duplicate-observation")
                continue
            if text in NOT_AVAILABLE or text == "":
                shown = f"'{text}'" if text else "no value"
                entry.update(status="missing", reason=f"The source workbook has {shown} for this authority and "
                                                      f"period ({name}, sheet {SHEET}, row {row_number}).")
                out.append(entry)
                continue
            value = _value(text, select, d["unit"])
            if value is None:
                fail(row_number, select, f"{text!r} is not a number, ':' or '-'", "type-error")
                continue
            low, high = _RANGES.get(d["unit"], (None, None))
            if (low is not None and value < low) or (high is not None and value > high):
                fail(row_number, select, f"{text} is outside the range of unit {d['unit']!r}", "value-out-of-range")
                continue
            entry.update(value=_plain(value), status="provisional" if provisional else None)
            out.append(entry)
    if problems:
        raise SourceError(problems)
    return pd.DataFrame(out, columns=TIDY_COLUMNS)


def is_rate(heading: str) -> bool:
    return heading.startswith("Percentage of")


def _value(text: str, heading: str, unit: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if is_rate(heading):
        if unit != "percent":
            return None
        if not Decimal(0) <= number <= Decimal(1):
            return Decimal(-1)  # a fraction outside 0..1 is out of range once made a percentage
        return number * 100
    return number


def _plain(number: Decimal) -> str:
    # Without exponent or trailing zeros: 0.227 * 100 is 22.700, published as 22.7.
    return format(number.normalize(), "f")
