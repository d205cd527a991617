"""What every source adapter shares: the Frictionless validation with the project's own checks,
and the conversion of validated rows to the tidy frame (ingest/observations.py).

Each adapter describes its file with a `Layout` (which column holds the area code, the period,
the value and the metric, and which rows are outside the catalogue's scope). Validation runs the
file's Table Schema (`{file stem}.schema.yaml` beside it) and these named checks:

- `gss-code-format`: the area code looks like a GSS code (a letter for the nation and 8 digits);
- `encoding`: the file is text in the adapter's encoding (the row and column of the first
  undecodable byte are named);
- `no-data-rows`: the file has at least one row below the header;
- `unknown-metric`: the row's metric is one a metric record selects from this file;
- `period-in-future`: the row's period has begun (a figure cannot exist for a year not yet started);
- `unknown-authority` / `authority-not-in-period`: the code is a council that existed in the
  row's period;
- `value-out-of-range`: the value is a finite number within the range of the metric's unit;
- `duplicate-observation`: at most one row per (metric, authority, period).

Any error stops the build before anything of the file is converted, with its file, row and field.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import frictionless
import pandas as pd
from frictionless import Check, Checklist, errors

from core.problem_types import problem_type
from core.problems import Problem, SourceError, display_name
from core.yaml_text import load_yaml
from ingest.geography.model import Register
from ingest.observations import ENGLAND_GSS, GSS_FORMAT, TIDY_COLUMNS, Resolution, period_bounds, resolve

# Range of plausible values for each unit of the metric records (catalogue/records/metric.schema.json).
# None means unbounded on that side: the sources do not state a scale for those units.
UNIT_RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    "percent": (Decimal(0), Decimal(100)),
    "score-out-of-12": (Decimal(0), Decimal(12)),
    "score-unstated": (Decimal(0), None),
    "rate-unstated": (Decimal(0), None),
    "kg-per-household": (Decimal(0), None),
    "dwellings-per-1000-stock": (Decimal(-1000), Decimal(1000)),
    "per-100000-population": (Decimal(0), Decimal(100000)),
    "percent-of-road-length": (Decimal(0), Decimal(100)),
    "households": (Decimal(0), None),
    "per-1000-households": (Decimal(0), Decimal(1000)),
    "dwellings": (None, None),
    "percent-of-requirement": (Decimal(0), None),
    "planning-decisions": (Decimal(0), None),
    "years": (Decimal(0), Decimal(150)),
    "kg-per-person": (Decimal(0), None),
    "count": (Decimal(0), None),
    "per-10000-children": (Decimal(0), Decimal(10000)),
}


@dataclass
class Layout:
    """How one source file is read."""

    adapter: str
    gss_field: str
    period_field: str
    value_field: str
    metric_field: str
    period: Callable[[str], str]  # source period text -> period key; ValueError if unreadable
    out_of_scope: Callable[[dict[str, str]], str | None]  # why a row is not about an English council
    encoding: str = "utf-8"
    status: Callable[[dict[str, str]], str | None] = lambda _row: None
    # Why rows for a council that did not exist in the row's period are left out, for sources that
    # re-aggregate earlier years to today's councils; None: such a row is an error.
    not_in_period: str | None = None
    # Columns holding the bounds of a 95% confidence interval around each value, where the source gives one.
    lower_field: str | None = None
    upper_field: str | None = None
    # The row's area code when it is not simply the gss_field cell (e.g. a national row whose code
    # is in another column); errors still name gss_field.
    area_code: Callable[[dict[str, str]], str] | None = None

    def code(self, cells: dict[str, str]) -> str:
        return self.area_code(cells) if self.area_code else cells[self.gss_field]


@dataclass
class MetricSelection:
    """The metrics a metric record selects from one file: select value -> (slug, unit, tiers, england)."""

    by_select: dict[str, tuple[str, str, tuple[str, ...], bool]] = field(default_factory=dict)


# --- Named errors --------------------------------------------------------------------------------


class _OwnError(errors.CellError):
    template = "{note}"


def _own_error(code: str) -> type[_OwnError]:
    """A Frictionless error type for one of the project's checks; its description is the meaning
    registered for the code (core/problem_types.py), so the two cannot drift apart."""
    name = "".join(part.title() for part in code.split("-")) + "Error"
    return type(name, (_OwnError,), {"type": code, "title": code.replace("-", " ").title(),
                                     "description": problem_type(code).meaning})


GssCodeFormatError = _own_error("gss-code-format")
UnknownMetricError = _own_error("unknown-metric")
UnknownAuthorityError = _own_error("unknown-authority")
AuthorityNotInPeriodError = _own_error("authority-not-in-period")
PeriodFormatError = _own_error("period-format")
PeriodInFutureError = _own_error("period-in-future")
ValueOutOfRangeError = _own_error("value-out-of-range")
DuplicateObservationError = _own_error("duplicate-observation")


# --- The checks ----------------------------------------------------------------------------------


class _Context:
    """Per-file state shared by the checks: reads and resolves each row once."""

    def __init__(self, layout: Layout, register: Register, selection: MetricSelection) -> None:
        self.layout = layout
        self.register = register
        self.selection = selection
        self._row: int | None = None
        self._facts: tuple[str | None, tuple[str, str, tuple[str, ...], bool] | None, str | None] = (None, None, None)
        self._resolved: dict[tuple[str, str], Resolution] = {}
        self._gss = ""

    @staticmethod
    def text(row: Any, name: str) -> str:
        value = row[name]
        return "" if value is None else str(value)

    def _load(self, row: Any) -> tuple[str | None, tuple[str, str, tuple[str, ...], bool] | None, str | None]:
        # Frictionless runs every check on a row before the next row: remember the last one.
        if self._row != row.row_number:
            cells = {k: self.text(row, k) for k in row.field_names}
            try:
                period = self.layout.period(cells[self.layout.period_field])
            except ValueError:
                period = None
            self._facts = (self.layout.out_of_scope(cells),
                           self.selection.by_select.get(cells[self.layout.metric_field]), period)
            self._gss = self.layout.code(cells)
            self._row = row.row_number
        return self._facts

    def scope(self, row: Any) -> str | None:
        return self._load(row)[0]

    def metric(self, row: Any) -> tuple[str, str, tuple[str, ...], bool] | None:
        return self._load(row)[1]

    def period(self, row: Any) -> str | None:
        return self._load(row)[2]

    def gss(self, row: Any) -> str:
        self._load(row)
        return self._gss

    def resolve(self, gss: str, period: str) -> Resolution:
        key = (gss, period)
        if key not in self._resolved:
            self._resolved[key] = resolve(self.register, gss, period)
        return self._resolved[key]


def _cell_error(cls: type[_OwnError], row: Any, field_name: str, note: str) -> _OwnError:
    return cls.from_row(row, note=note, field_name=field_name)


class gss_code_format(Check):  # noqa: N801 - Frictionless names checks in snake case
    type = "gss-code-format"
    Errors = [GssCodeFormatError]

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self.ctx = ctx

    def validate_row(self, row: Any) -> Iterator[_OwnError]:
        gss = self.ctx.gss(row)
        if not GSS_FORMAT.match(gss):
            yield _cell_error(GssCodeFormatError, row, self.ctx.layout.gss_field,
                              f"{gss!r} is not a GSS code (a nation letter and 8 digits)")


class known_metric_and_period(Check):  # noqa: N801
    type = "known-metric-and-period"
    Errors = [UnknownMetricError, PeriodFormatError, PeriodInFutureError]

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self.ctx = ctx

    def validate_row(self, row: Any) -> Iterator[_OwnError]:
        if self.ctx.scope(row):
            return
        layout = self.ctx.layout
        if self.ctx.metric(row) is None:
            yield _cell_error(UnknownMetricError, row, layout.metric_field,
                              f"no metric record selects {self.ctx.text(row, layout.metric_field)!r} from this file")
        period = self.ctx.period(row)
        if period is None:
            yield _cell_error(PeriodFormatError, row, layout.period_field,
                              f"{self.ctx.text(row, layout.period_field)!r} is not a period this adapter reads")
        elif period_bounds(period)[0] > date.today():
            yield _cell_error(PeriodInFutureError, row, layout.period_field,
                              f"period {period} starts on {period_bounds(period)[0]}, after today")


class authority_existed(Check):  # noqa: N801
    type = "authority-existed"
    Errors = [UnknownAuthorityError, AuthorityNotInPeriodError]

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self.ctx = ctx

    def validate_row(self, row: Any) -> Iterator[_OwnError]:
        layout = self.ctx.layout
        gss = self.ctx.gss(row)
        period = self.ctx.period(row)
        if self.ctx.scope(row) or gss == ENGLAND_GSS or period is None or not GSS_FORMAT.match(gss):
            return
        res = self.ctx.resolve(gss, period)
        if res.problem == "unknown-authority":
            yield _cell_error(UnknownAuthorityError, row, layout.gss_field, res.message)
        elif res.problem == "authority-not-in-period" and not layout.not_in_period:
            yield _cell_error(AuthorityNotInPeriodError, row, layout.gss_field, res.message)


class value_in_range(Check):  # noqa: N801
    type = "value-in-range"
    Errors = [ValueOutOfRangeError]

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self.ctx = ctx

    def validate_row(self, row: Any) -> Iterator[_OwnError]:
        layout = self.ctx.layout
        value = row[layout.value_field]
        metric = self.ctx.metric(row)
        if value is None or metric is None or self.ctx.scope(row):
            return
        low, high = UNIT_RANGES[metric[1]]
        number = Decimal(str(value))
        if not number.is_finite():
            # The Table Schema's number type reads NaN and INF; neither is a figure (and NaN cannot
            # be compared with the range at all).
            yield _cell_error(ValueOutOfRangeError, row, layout.value_field, f"{value} is not a finite number")
        elif (low is not None and number < low) or (high is not None and number > high):
            yield _cell_error(ValueOutOfRangeError, row, layout.value_field,
                              f"{value} is outside the range of unit {metric[1]!r} "
                              f"({low if low is not None else '-inf'} to {high if high is not None else 'inf'})")


class no_duplicate_observation(Check):  # noqa: N801
    type = "no-duplicate-observation"
    Errors = [DuplicateObservationError]

    def __init__(self, ctx: _Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.seen: dict[tuple[str, str, str], int] = {}

    def validate_row(self, row: Any) -> Iterator[_OwnError]:
        layout = self.ctx.layout
        gss = self.ctx.gss(row)
        period = self.ctx.period(row)
        metric = self.ctx.metric(row)
        if self.ctx.scope(row) or period is None or metric is None:
            return
        # Keyed on the authority, not the code: two codes of one council in one period are one council.
        if gss == ENGLAND_GSS:
            area = gss
        else:
            res = self.ctx.resolve(gss, period)
            if res.authority is None:
                return
            area = res.authority.code
        key = (metric[0], area, period)
        first = self.seen.setdefault(key, row.row_number)
        if first != row.row_number:
            yield _cell_error(DuplicateObservationError, row, layout.gss_field,
                              f"{metric[0]} for {area} in {period} is already given in row {first}")


def schema_file(path: Path) -> Path:
    return path.with_name(path.stem + ".schema.yaml")


def missing_values(path: Path) -> list[str]:
    """The cell texts the file's Table Schema declares as missing values."""
    descriptor = load_yaml(schema_file(path).read_text(encoding="utf-8")) or {}
    return [str(v) for v in descriptor.get("missingValues", [""])]


def _check_text(path: Path, encoding: str) -> None:
    """Raise `encoding` naming the row and column of the first undecodable byte, or `no-data-rows`."""
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        # Frictionless reports only the byte offset: name the spreadsheet row and column instead.
        head = data[:exc.start]
        row = head.count(b"\n") + 1
        # Carriage returns would make the csv module refuse the line; they never start a column.
        line = head[head.rfind(b"\n") + 1:].decode(encoding, errors="replace").replace("\r", "")
        header = data.split(b"\n", 1)[0].decode(encoding, errors="replace").lstrip("\ufeff").replace("\r", "")
        names = next(csv.reader([header]), [])
        column = next(csv.reader([line]), [""])
        index = len(column) - 1 if line else 0
        field_name = names[index] if row > 1 and 0 <= index < len(names) else None
        hint = " (the file is UTF-16)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise SourceError.one(path, f"byte {data[exc.start]:#04x} is not {encoding} text{hint}; save the file as "
                                    f"{encoding}", row, field_name, "encoding") from None
    if len([line for line in text.splitlines() if line.strip()]) < 2:
        raise SourceError.one(path, "the file has no data rows below the header" if text.strip() else
                              "the file is empty", 2 if text.strip() else 1, None, "no-data-rows")


def validate(path: Path, layout: Layout, register: Register, selection: MetricSelection) -> None:
    """Validate one source file against its Table Schema and the named checks; raise on any error."""
    descriptor = schema_file(path)
    if not path.is_file():
        raise SourceError.one(path, "source file is missing", rule="file-exists")
    if not descriptor.is_file():
        raise SourceError.one(descriptor, "Table Schema descriptor is missing", rule="schema-file-exists")
    _check_text(path, layout.encoding)
    # Loaded as a mapping: Frictionless refuses absolute descriptor paths as unsafe.
    schema = frictionless.Schema.from_descriptor(load_yaml(descriptor.read_text(encoding="utf-8")))
    resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema,
                                     encoding=layout.encoding, format="csv")
    ctx = _Context(layout, register, selection)
    checks = [gss_code_format(ctx), known_metric_and_period(ctx), authority_existed(ctx), value_in_range(ctx),
              no_duplicate_observation(ctx)]
    report = resource.validate(checklist=Checklist(checks=checks), limit_errors=1000)
    problems: list[Problem] = []
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            field_name = getattr(err, "field_name", None)
            if row is None and isinstance(err, errors.LabelError):
                row = 1  # header errors are about the header row
            note = getattr(err, "note", "") or ""
            message = note if isinstance(err, _OwnError) else err.message
            problems.append(Problem(display_name(path), message, row, field_name, err.type))
    if problems:
        raise SourceError(problems)


def tidy(path: Path, layout: Layout, register: Register, selection: MetricSelection) -> pd.DataFrame:
    """The validated file as a tidy frame (ingest.observations.TIDY_COLUMNS)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=layout.encoding)
    missing = set(missing_values(path))
    resolved: dict[tuple[str, str], Resolution] = {}
    out: list[dict[str, object]] = []
    for i, record in enumerate(raw.to_dict("records")):
        cells = {k: str(v) for k, v in record.items()}
        row_number = i + 2  # header is row 1
        gss = layout.code(cells)
        base: dict[str, object] = {c: None for c in TIDY_COLUMNS}
        base.update(row=row_number, gss=gss)
        excluded = layout.out_of_scope(cells)
        if excluded:
            out.append({**base, "excluded": excluded})
            continue
        slug, _unit, tiers, england = selection.by_select[cells[layout.metric_field]]
        period = layout.period(cells[layout.period_field])
        base.update(metric=slug, period=period)
        if gss == ENGLAND_GSS:
            if not england:
                out.append({**base, "excluded": "England total; the metric record does not load England totals"})
                continue
            base.update(area=ENGLAND_GSS, area_kind="england")
        else:
            if (gss, period) not in resolved:
                resolved[(gss, period)] = resolve(register, gss, period)
            res = resolved[(gss, period)]
            if res.problem == "authority-not-in-period" and layout.not_in_period:
                out.append({**base, "excluded": layout.not_in_period})
                continue
            assert res.authority is not None  # validated above
            if res.authority.type not in tiers:
                out.append({**base, "excluded": f"authority type {res.authority.type} is not among the "
                                                 f"metric's tiers ({', '.join(tiers)})"})
                continue
            base.update(area=res.authority.code, area_kind="authority", authority_type=res.authority.type)
        text = cells[layout.value_field].strip()
        if text in missing:
            shown = f"'{text}'" if text else "no value"
            base.update(status="missing", reason=f"The source file has {shown} for this authority and period "
                                                 f"({display_name(path)}, row {row_number}).")
        else:
            try:
                base["value"] = str(Decimal(text))
            except InvalidOperation:  # pragma: no cover - the Table Schema has rejected it already
                raise SourceError.one(path, f"{text!r} is not a number", row_number, layout.value_field,
                                      "not-a-number") from None
            base["status"] = layout.status(cells)
            for name, column in (("lower", layout.lower_field), ("upper", layout.upper_field)):
                bound = cells.get(column, "").strip() if column else ""
                if bound and bound not in missing:
                    base[name] = str(Decimal(bound))
        out.append(base)
    return pd.DataFrame(out, columns=TIDY_COLUMNS)


def excluded_summary(frame: pd.DataFrame) -> list[tuple[str, int]]:
    """(reason, rows) for the rows of a file that are not loaded, most frequent first."""
    counts = Counter(r for r in frame["excluded"] if isinstance(r, str) and r)
    return counts.most_common()
