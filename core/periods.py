"""Period keys: the one place that reads them.

A period key is how a period appears in observation URIs, records, packages and page addresses.
Every other module asks this one for a key's first and last day, its kind or its sort order
(core.uris mints its reference URI from these), so a new kind of period is added here and nowhere else.

| key          | kind             | covers                                      |
|--------------|------------------|---------------------------------------------|
| `2022-23`    | financial-year   | 1 April 2022 to 31 March 2023               |
| `AY2022-23`  | academic-year    | 1 August 2022 to 31 July 2023 (further education) |
| `SY2022-23`  | school-year      | 1 September 2022 to 31 August 2023 (schools) |
| `2023`       | calendar-year    | 1 January to 31 December 2023               |
| `2020-2022`  | calendar-years   | 1 January 2020 to 31 December 2022 (a pooled range) |
| `2026-01-01` | day              | that day (a count or rate at a point in time) |
| `YE2025-09`  | year-ending      | the twelve months to 30 September 2025 (1 October 2024 on; rolling years) |
| `2025-Q4`    | quarter          | October to December 2025 (calendar quarters, as quarterly statistics give them) |

The academic and school years are kept apart because their publishers state different start days
(further education statistics run from August, school statistics from September).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

# Every key this module reads, as one regular expression (JSON Schema, Table Schema, URL routes).
PATTERN = r"^(AY|SY|YE)?\d{4}-\d{2}$|^\d{4}(-\d{4}|-Q[1-4])?$|^\d{4}-\d{2}-\d{2}$"
_PATTERN = re.compile(PATTERN)

_SPLIT_YEAR = re.compile(r"(AY|SY)?(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4})-(\d{4})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_ENDING = re.compile(r"YE(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")
_STARTS = {None: (4, "financial-year"), "AY": (8, "academic-year"), "SY": (9, "school-year")}


@dataclass(frozen=True)
class Period:
    key: str
    # financial-year | academic-year | school-year | calendar-year | calendar-years | day | year-ending | quarter
    kind: str
    start: date
    end: date  # inclusive


def matches(key: str) -> bool:
    """Whether `key` has the form of a period key (without checking that its years follow)."""
    return bool(_PATTERN.match(key))


@functools.cache
def parse(key: str) -> Period:
    """The period a key names; ValueError if it is not one."""
    m = _SPLIT_YEAR.fullmatch(key)
    if m:
        start = int(m.group(2))
        if f"{(start + 1) % 100:02d}" != m.group(3):
            raise ValueError(f"not a financial, academic or school year: {key!r}")
        month, kind = _STARTS[m.group(1)]
        first = date(start, month, 1)
        return Period(key, kind, first, date(start + 1, month, 1) - timedelta(days=1))
    if re.fullmatch(r"\d{4}", key):
        return Period(key, "calendar-year", date(int(key), 1, 1), date(int(key), 12, 31))
    m = _RANGE.fullmatch(key)
    if m:
        first, last = int(m.group(1)), int(m.group(2))
        if last <= first:
            raise ValueError(f"a range of years must end after it starts: {key!r}")
        return Period(key, "calendar-years", date(first, 1, 1), date(last, 12, 31))
    m = _YEAR_ENDING.fullmatch(key)
    if m:
        # Twelve months ending with the named month: planning statistics' "year ending September".
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a year ending with a month: {key!r}")
        after = date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)
        return Period(key, "year-ending", date(after.year - 1, after.month, 1), after - timedelta(days=1))
    m = _QUARTER.fullmatch(key)
    if m:
        year, quarter = int(m.group(1)), int(m.group(2))
        first = date(year, 3 * quarter - 2, 1)
        after = date(year, 3 * quarter + 1, 1) if quarter < 4 else date(year + 1, 1, 1)
        return Period(key, "quarter", first, after - timedelta(days=1))
    if _DAY.fullmatch(key):
        day = date.fromisoformat(key)
        return Period(key, "day", day, day)
    raise ValueError(f"unsupported period: {key!r}")


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def kind_of(key: str) -> str | None:
    """The kind of a period key (see the table above), or None for a text that is not one: for
    checks that accept only some kinds (a Single Data List year is a financial year)."""
    try:
        return parse(key).kind
    except ValueError:
        return None


def label(key: str) -> str:
    """How a page names the period: the key itself, except where the key is not plain English
    (YE2025-09 -> 'the year to September 2025', 2025-Q4 -> 'October to December 2025',
    2025-12-31 -> '31 December 2025')."""
    p = parse(key)
    if p.kind == "day":
        return f"{p.end.day} {_MONTHS[p.end.month - 1]} {p.end.year}"
    if p.kind == "year-ending":
        return f"the year to {_MONTHS[p.end.month - 1]} {p.end.year}"
    if p.kind == "quarter":
        return f"{_MONTHS[p.start.month - 1]} to {_MONTHS[p.end.month - 1]} {p.end.year}"
    return key


def bounds(key: str) -> tuple[date, date]:
    """First and last day (inclusive) of a period key."""
    p = parse(key)
    return p.start, p.end


def sort_key(key: str) -> tuple[date, date]:
    # By start, then end: a pooled range sorts after the single year it starts with.
    p = parse(key)
    return p.start, p.end


def financial_year(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def split_year(start_year: int, prefix: str = "") -> str:
    """The key of the year starting in `start_year`: '' financial, 'AY' academic, 'SY' school."""
    return prefix + financial_year(start_year)


def years_range(first: int, last: int) -> str:
    return f"{first}-{last}"
