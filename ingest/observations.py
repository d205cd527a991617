"""Tidy observations: the frame every adapter produces, periods, and the geography of the time.

An adapter turns one source file into a tidy frame with one row per (metric, area, period), each
row remembering the spreadsheet row it came from. Geography is resolved here, against the
authority register *on the dates of the period*, so a figure reported for Allerdale in 2015-16
attaches to Allerdale, not to Cumberland. Rows that are not about an English council or England
(other nations, regions, statistical aggregates) are kept in the frame with the reason they are
not loaded, so the build can report them; nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core import periods
from ingest.geography.model import Authority, Register

ENGLAND_GSS = "E92000001"
GSS_FORMAT = re.compile(r"^[EWSNK]\d{8}$")

# Columns of the tidy frame (pandas.DataFrame) adapters return.
TIDY_COLUMNS = [
    "row",  # spreadsheet row number in the source file (header = 1)
    "metric",  # metric slug
    "gss",  # area code as given in the source
    "period",  # period key (core.periods): 2022-23, AY2022-23, SY2022-23, 2023, 2020-2022, 2026-01-01
    "area",  # authority code, or the England GSS code, or None when not loaded
    "area_kind",  # "authority" | "england" | None
    "authority_type",  # mySociety type code of the authority (CTY, NMD, ...) or None
    "value",  # the value exactly as written in the source (decimal text), or None if empty
    "status",  # None, or "missing" when the source cell is empty
    "reason",  # why the value is missing (for status "missing")
    "excluded",  # None, or why the row is not loaded (e.g. "not England")
    "lower",  # lower bound of the 95% confidence interval the source gives (decimal text), or None
    "upper",  # upper bound of that interval, or None
]


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day (inclusive) of a period key (core.periods reads every kind)."""
    return periods.bounds(period)


period_sort_key = periods.sort_key
financial_year = periods.financial_year


@dataclass(frozen=True)
class Resolution:
    """What a source area code means in a period."""

    authority: Authority | None
    problem: str | None  # "unknown-authority" | "authority-not-in-period" | None
    message: str = ""


def resolve(register: Register, gss: str, period: str) -> Resolution:
    """The authority that governed `gss` during `period`.

    Looked up on the first and then the last day of the period, so a council that started or ended
    during the period (vesting days fall on 1 April, academic years start in August) is found; the
    register's own dates decide, never a guess from the code.
    """
    start, end = period_bounds(period)
    found = register.by_gss(gss, on=start) or register.by_gss(gss, on=end)
    if found is not None:
        return Resolution(found, None)
    known = register.by_gss(gss)
    if known is None:
        return Resolution(None, "unknown-authority", f"GSS code {gss} is not a council in the register")
    if register.existed(known.code, start, end):  # pragma: no cover - by_gss on the bounds covers this
        return Resolution(known, None)
    span = f"{known.start or '...'} to {known.end or 'today'}"
    return Resolution(
        None, "authority-not-in-period",
        f"{known.name} ({gss}) did not exist in {period} ({start} to {end}); it operated from {span}",
    )
