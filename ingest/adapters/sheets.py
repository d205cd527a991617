"""Reading published statistical workbooks (ODS, XLSX) for the adapters of wide official tables:
homelessness (hclic), road condition, housing supply and planning.

These tables are laid out for people: title rows above the header, a header split over several
rows with footnote numbers glued to the words ("TA1,2,3,4"), note markers in the cells ("[x]",
"[note 7]"), one column per year. So columns are found by what their heading says, never by
position, and every figure is turned into a tidy row (ingest/observations.py) here, in one place,
with the file, sheet, spreadsheet row and column it came from. Problems are collected for the
whole file and raised together: a file with any problem loads nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook

from core.problems import Problem, SourceError, display_name
from core.yaml_records import Record
from ingest.adapters.base import UNIT_RANGES
from ingest.geography.model import Register
from ingest.observations import (
    ENGLAND_GSS,
    GSS_FORMAT,
    TIDY_COLUMNS,
    Resolution,
    period_bounds,
    period_sort_key,
    resolve,
)

Cell = str | float | int | bool | None
Rows = list[tuple[Cell, ...]]

# Area codes that are statistical aggregates, not councils: reported as not loaded.
AGGREGATES = {
    "E12": "region (a statistical aggregate, not a council)",
    "E11": "metropolitan county (a statistical aggregate, not a council)",
    "E13": "Inner or Outer London (a statistical aggregate, not a council)",
}

# GSS codes ONS issued in 2025 to Barnsley and Sheffield after a boundary change: the bundled ONS
# Explore Local Statistics files note "Obsolete code since 2025 (replaced by E08000038 Barnsley)"
# and the same for Sheffield, and MHCLG's planning tables (note 21) regard each council's figures
# as comparable before and after. The register knows the councils by their earlier codes.
RECODED_2025 = {"E08000038": "E08000016", "E08000039": "E08000019"}

_NOTE_MARKERS = re.compile(r"\[(note [\d, ]+|[a-z])\]", re.IGNORECASE)


def column_letter(index: int) -> str:
    """Spreadsheet column letters of a 0-based column index (0 -> A, 26 -> AA)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def heading(value: Cell) -> str:
    """A heading cell as comparable text: lower case, single spaces, note markers removed."""
    if value is None:
        return ""
    return " ".join(_NOTE_MARKERS.sub(" ", str(value)).split()).lower()


def text(value: Cell) -> str:
    """A cell as text: whole numbers without '.0', text stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Sheet:
    """One sheet's cells; index 0 of `rows` is spreadsheet row 1, index 0 of a row is column A."""

    path: Path
    name: str
    rows: Rows

    @property
    def file(self) -> str:
        return display_name(self.path)

    def problem(self, message: str, row: int | None = None, field_name: str | None = None,
                rule: str | None = None) -> Problem:
        return Problem(self.file, f"sheet {self.name!r}: {message}", row, field_name, rule)

    def cell(self, row: int, col: int) -> Cell:
        """The cell at a spreadsheet row number (1-based) and 0-based column."""
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else ()
        return cells[col] if col < len(cells) else None

    def find_row(self, col: int, pattern: str, first: int = 1, last: int = 40) -> int:
        """The first row number (1-based) whose cell in `col` matches `pattern` (on its heading text)."""
        rx = re.compile(pattern)
        for n in range(first, min(last, len(self.rows)) + 1):
            if rx.fullmatch(heading(self.cell(n, col))):
                return n
        raise SourceError(self.problem(f"no row with a cell like {pattern!r} in column {column_letter(col)} "
                                       f"(rows {first} to {last})", None, column_letter(col), "header-row"))

    def headings(self, first: int, last: int) -> list[str]:
        """Per column, the lowest non-empty heading among rows first..last (a header split over rows)."""
        width = max((len(r) for r in self.rows[first - 1:last]), default=0)
        out = []
        for col in range(width):
            found = ""
            for n in range(first, last + 1):
                h = heading(self.cell(n, col))
                if h:
                    found = h
            out.append(found)
        return out

    def stacked(self, first: int, last: int) -> list[str]:
        """Per column, every non-empty heading among rows first..last, top down, joined by ' | '."""
        width = max((len(r) for r in self.rows[first - 1:last]), default=0)
        return [" | ".join(h for n in range(first, last + 1) if (h := heading(self.cell(n, col))))
                for col in range(width)]

    def columns(self, heads: list[str], specs: dict[str, str], header_row: int) -> dict[str, int]:
        """name -> column index of the one heading that matches each spec (a full-match pattern)."""
        out: dict[str, int] = {}
        problems = []
        for name, pattern in specs.items():
            rx = re.compile(pattern)
            hits = [j for j, h in enumerate(heads) if rx.fullmatch(h)]
            if len(hits) != 1:
                what = "no column" if not hits else f"{len(hits)} columns ({', '.join(map(column_letter, hits))})"
                problems.append(self.problem(f"{what} headed like {pattern!r} (needed for {name})", header_row,
                                             name, "column-heading"))
            else:
                out[name] = hits[0]
        if problems:
            raise SourceError(problems)
        return out


def open_sheets(path: Path, names: dict[str, str]) -> dict[str, Sheet]:
    """key -> the sheet whose name fully matches the pattern `names[key]` (exactly one must)."""
    if not path.is_file():
        raise SourceError.one(path, "source file is missing", rule="file-exists")
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise SourceError.one(path, f"cannot read the workbook: {exc}", rule="workbook-readable") from None
    out: dict[str, Sheet] = {}
    problems = []
    try:
        for key, pattern in names.items():
            hits = [n for n in book.sheet_names if re.fullmatch(pattern, n)]
            if len(hits) != 1:
                problems.append(Problem(display_name(path), f"expected one sheet named like {pattern!r}, found "
                                        f"{len(hits)}" + (f" ({', '.join(hits)})" if hits else ""), None, pattern,
                                        "sheet-missing"))
                continue
            # skip_empty_area=False keeps leading empty rows and columns, so index + 1 is the
            # row number a spreadsheet shows.
            rows = book.get_sheet_by_name(hits[0]).to_python(skip_empty_area=False)
            out[key] = Sheet(path, hits[0], [tuple(None if v == "" else v for v in r) for r in rows])
    finally:
        book.close()
    if problems:
        raise SourceError(problems)
    return out


@dataclass(frozen=True)
class Figure:
    """A cell read as a figure: a number, or the marker the source wrote instead."""

    value: Decimal | None
    marker: str | None = None


def figure(sheet: Sheet, row: int, col: int, field_name: str, markers: Iterable[str],
           problems: list[Problem]) -> Figure | None:
    """The number in a cell, or its marker; None (with a problem added) for anything else."""
    value = sheet.cell(row, col)
    if isinstance(value, bool):
        problems.append(sheet.problem(f"{value!r} is not a number", row, field_name, "not-a-number"))
        return None
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            problems.append(sheet.problem(f"{value!r} is not a finite number", row, field_name, "not-a-number"))
            return None
        return Figure(number)
    shown = text(value)
    if shown in markers:
        return Figure(None, shown)
    try:
        number = Decimal(shown.replace(",", ""))
        if number.is_finite():
            return Figure(number)
    except InvalidOperation:
        pass
    problems.append(sheet.problem(f"{shown!r} is neither a number nor a marker the source defines "
                                  f"({', '.join(sorted(markers)) or 'none'})", row, field_name, "not-a-number"))
    return None


def rounded(value: Decimal, decimals: int) -> str:
    text_value = format(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP), "f")
    return "0" if text_value in ("-0", "-0.0") and decimals <= 1 else text_value


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent (4731.0 -> '4731', 0.790 -> '0.79')."""
    out = format(value.normalize(), "f")
    return "0" if out == "-0" else out


@dataclass(frozen=True)
class Target:
    """What one metric record takes from a file."""

    slug: str
    unit: str
    tiers: tuple[str, ...]
    england: bool

    @classmethod
    def of(cls, record: Record) -> Target:
        d = record.data
        return cls(record.slug, d["unit"], tuple(d["tiers"]), bool(d.get("includes_england")))


@dataclass
class Frame:
    """The tidy rows of one source file being read, and the problems found so far."""

    path: Path
    register: Register
    rows: list[dict[str, object]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    _seen: dict[tuple[str, str, str], int] = field(default_factory=dict)
    _resolved: dict[tuple[str, str], Resolution] = field(default_factory=dict)

    def resolve(self, gss: str, period: str) -> Resolution:
        key = (gss, period)
        if key not in self._resolved:
            self._resolved[key] = resolve(self.register, RECODED_2025.get(gss, gss), period)
        return self._resolved[key]

    def exclude(self, target: Target, gss: str, period: str | None, row: int, why: str) -> None:
        base = {c: None for c in TIDY_COLUMNS}
        base.update(row=row, metric=target.slug, gss=gss, period=period, excluded=why)
        self.rows.append(base)

    def add(self, sheet: Sheet, target: Target, gss: str, period: str, row: int, field_name: str,
            value: str | None, status: str | None = None, reason: str | None = None,
            backcast: bool = False) -> None:
        """One figure (or, with value None, a missing one with its reason) for an area and period.

        `backcast`: the source states figures for a council's area from before the council existed
        (rebuilt from its predecessors). Such a figure belongs to no council of the register, so it
        is reported as not loaded instead of failing the file.
        """
        base: dict[str, object] = {c: None for c in TIDY_COLUMNS}
        base.update(row=row, metric=target.slug, gss=gss, period=period)
        if not GSS_FORMAT.match(gss):
            self.problems.append(sheet.problem(f"{gss!r} is not a GSS code (a nation letter and 8 digits)", row,
                                               field_name, "gss-code-format"))
            return
        if gss == ENGLAND_GSS:
            if not target.england:
                self.rows.append({**base, "excluded": "England total; the metric record does not load England totals"})
                return
            base.update(area=ENGLAND_GSS, area_kind="england")
        else:
            res = self.resolve(gss, period)
            if res.authority is None and backcast and res.problem == "authority-not-in-period":
                known = self.register.by_gss(gss)
                if known is not None and known.start is not None and period_bounds(period)[1] < known.start:
                    self.rows.append({**base, "excluded": f"before {known.name} existed (from {known.start}): the "
                                                          "figure is its predecessor councils'"})
                    return
            if res.authority is None:
                self.problems.append(sheet.problem(res.message, row, field_name, res.problem))
                return
            if res.authority.type not in target.tiers:
                self.rows.append({**base, "excluded": f"authority type {res.authority.type} is not among the "
                                                      f"metric's tiers ({', '.join(target.tiers)})"})
                return
            base.update(area=res.authority.code, area_kind="authority", authority_type=res.authority.type)
        key = (target.slug, str(base["area"]), period)
        first = self._seen.setdefault(key, row)
        if first != row:
            self.problems.append(sheet.problem(f"{target.slug} for {base['area']} in {period} is already given in "
                                               f"row {first}", row, field_name, "duplicate-observation"))
            return
        if value is None:
            base.update(status="missing", reason=reason)
        else:
            low, high = UNIT_RANGES[target.unit]
            number = Decimal(value)
            if (low is not None and number < low) or (high is not None and number > high):
                self.problems.append(sheet.problem(f"{value} is outside the range of unit {target.unit!r}", row,
                                                   field_name, "value-out-of-range"))
                return
            base.update(value=value, status=status, reason=reason)
        self.rows.append(base)

    def frame(self) -> pd.DataFrame:
        if self.problems:
            raise SourceError(self.problems)
        return pd.DataFrame(self.rows, columns=TIDY_COLUMNS)


def check_periods(records: list[Record], frames: dict[str, pd.DataFrame]) -> None:
    """Each record's listed periods must be exactly the periods its files give it rows for."""
    problems = []
    for record in records:
        found: set[str] = set()
        for src in record.data["sources"]:
            frame = frames.get(src["file"])
            if frame is None:
                continue
            kept = frame[frame["excluded"].isna() & (frame["metric"] == record.slug)]
            found.update(str(p) for p in kept["period"])
        listed = set(record.data["periods"])
        if found != listed:
            extra = sorted(found - listed, key=period_sort_key)
            absent = sorted(listed - found, key=period_sort_key)
            detail = "; ".join(x for x in (f"in the data but not listed: {', '.join(extra)}" if extra else "",
                                            f"listed but not in the data: {', '.join(absent)}" if absent else "") if x)
            problems.append(Problem(display_name(record.path), f"periods differ from the source files: {detail}",
                                    None, "periods", "periods-match-data"))
    if problems:
        raise SourceError(problems)


def targets_by_select(records: list[Record], rel: str, known: Iterable[str]) -> dict[str, Target]:
    """select -> target, for the records that read file `rel`; an unknown select is a record problem."""
    allowed = set(known)
    out: dict[str, Target] = {}
    problems = []
    for record in records:
        for i, src in enumerate(record.data["sources"]):
            if src["file"] != rel:
                continue
            if src["select"] not in allowed:
                problems.append(Problem(display_name(record.path), f"{src['select']!r} is not a figure this adapter "
                                        f"reads from {rel} ({', '.join(sorted(allowed))})", None,
                                        f"sources.{i}.select", "unknown-metric"))
                continue
            out[src["select"]] = Target.of(record)
    if problems:
        raise SourceError(problems)
    return out


def files_of(records: list[Record]) -> list[str]:
    return sorted({src["file"] for r in records for src in r.data["sources"]})
