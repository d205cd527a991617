"""Ofsted's "Five-Year Ofsted Inspection Data (Local authority children's services)"
(metrics/children/ofsted-data.ods), sheet Provider_level_data: each children's services authority's
latest inspection judgements as at 31 March of 2019 to 2023.

These are graded judgements (1 Outstanding, 2 Good, 3 Requires improvement, 4 Inadequate). The
catalogue keeps them as words, as context beside a council's figures, never as a number, score,
band or rank. 9 means the sub-judgement did not exist in the framework the council was inspected
under, and a blank means not inspected by the as-at date: neither is a judgement, so neither is
loaded. The sheet has no GSS codes: an authority is found by its name in mySociety's name lookup
(geography/mysociety_uk_la_past_current/lookup_name_to_registry.csv) and must be a council that
existed on the as-at date. Any problem stops the build naming file, sheet, row and column.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineWorkbook

from core.problems import Problem, SourceError, display_name
from ingest.geography.model import Register

FILE = "metrics/children/ofsted-data.ods"
SHEET = "Provider_level_data"
NAME_LOOKUP = "geography/mysociety_uk_la_past_current/lookup_name_to_registry.csv"
GRADES = {1: "outstanding", 2: "good", 3: "requires-improvement", 4: "inadequate"}
NOT_A_JUDGEMENT = 9
# Sheet column -> judgement area (concept notation of ontology/concepts/ofsted-judgements.ttl).
AREAS = {
    "Overall effectiveness": "overall-effectiveness",
    "Impact of Leaders": "impact-of-leaders",
    "Experiences and progress of children who need help and protection": "help-and-protection",
    "Experiences and progress of children in care": "children-in-care",
    "Experiences and progress of care leavers": "care-leavers",
}
REQUIRED = ("Local authority area", "As at date", "Published date", "Provision type", *AREAS)
# Upper-tier authorities: the councils that run children's services.
CHILDRENS_SERVICES_TYPES = ("CTY", "UA", "MD", "LBO", "CC")


@dataclass(frozen=True)
class Inspection:
    """One council's latest inspection judgements as at a date."""

    authority: str  # authority code
    as_at: date
    published: date  # when the inspection report in force on the as-at date was published
    framework: str
    judgements: tuple[tuple[str, str], ...]  # (area notation, grade notation)
    row: int  # spreadsheet row


def _day(cell: object) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    return None


def _fold(text: str) -> str:
    return " ".join(text.replace("-", " ").casefold().split())


def name_lookup(sources_dir: Path) -> dict[str, set[str]]:
    """Every name variant mySociety lists (case and hyphens folded) -> the authority codes it names."""
    out: dict[str, set[str]] = {}
    with open(sources_dir / NAME_LOOKUP, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(_fold(row["la-name"]), set()).add(row["local-authority-code"])
    return out


def read(sources_dir: Path, register: Register) -> list[Inspection]:
    path = sources_dir / FILE
    name = display_name(path)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types for unreadable files
        raise SourceError.one(path, f"not a readable spreadsheet: {exc}", rule="workbook-readable") from None
    if SHEET not in book.sheet_names:
        raise SourceError(Problem(name, f"the workbook has no sheet {SHEET!r}", None, None, "sheet-missing", SHEET))
    rows = book.get_sheet_by_name(SHEET).to_python()
    head = next((i for i, r in enumerate(rows[:20]) if "Local authority area" in r), None)
    if head is None:
        raise SourceError(Problem(name, "no header row with a 'Local authority area' column", None,
                                  "Local authority area", "header-row", SHEET))
    columns = {str(c): j for j, c in enumerate(rows[head]) if c}
    problems = [Problem(name, f"the header has no {c!r} column", head + 1, c, "missing-column", SHEET)
                for c in REQUIRED if c not in columns]
    if problems:
        raise SourceError(problems)
    names = name_lookup(sources_dir)
    nice: dict[str, set[str]] = {}
    for a in register.authorities.values():
        nice.setdefault(_fold(a.nice_name), set()).add(a.code)
        if a.type == "CTY" and a.nice_name.endswith(" County"):  # Ofsted names a county by its area
            nice.setdefault(_fold(a.nice_name[: -len(" County")]), set()).add(a.code)
    out: list[Inspection] = []
    seen: dict[tuple[str, date], int] = {}
    for i in range(head + 1, len(rows)):
        cells = rows[i]
        row_number = i + 1

        def fail(column: str, message: str, rule: str, row_number: int = row_number) -> None:
            problems.append(Problem(name, message, row_number, column, rule, SHEET))

        area_name = str(cells[columns["Local authority area"]]).strip()
        if not area_name:
            continue
        as_at = _day(cells[columns["As at date"]])
        if as_at is None:
            fail("As at date", f"{cells[columns['As at date']]!r} is not a date", "type-error")
            continue
        # mySociety's lookup names the current council; the register's short names add the councils
        # a name meant before a reorganisation (Buckinghamshire County Council before April 2020).
        codes = names.get(_fold(area_name), set()) | nice.get(_fold(area_name), set())
        if not codes:
            fail("Local authority area", f"{area_name!r} is not a council name in mySociety's name lookup",
                 "unknown-authority")
            continue
        # A name can belong to an old council and its successor (North Yorkshire, Dorset): the one
        # running children's services on the as-at date is meant.
        running = [a for a in (register.authorities.get(c) for c in sorted(codes))
                   if a is not None and a.operational_on(as_at) and a.type in CHILDRENS_SERVICES_TYPES]
        if len(running) != 1:
            fail("Local authority area", f"{area_name!r} names {len(running)} children's services authorities on "
                                         f"{as_at} ({', '.join(sorted(codes))})", "authority-not-in-period")
            continue
        authority = running[0]
        judgements: list[tuple[str, str]] = []
        for column, notation in AREAS.items():
            cell = cells[columns[column]]
            if cell in ("", None):
                continue  # not inspected by the as-at date
            if not isinstance(cell, float) or cell != int(cell) or (int(cell) not in GRADES
                                                                     and int(cell) != NOT_A_JUDGEMENT):
                fail(column, f"{cell!r} is not a grade (1 to 4, or 9 where the judgement did not exist)", "grade")
                continue
            if int(cell) in GRADES:
                judgements.append((notation, GRADES[int(cell)]))
        if not judgements:
            continue  # not inspected by the as-at date
        published = _day(cells[columns["Published date"]])
        if published is None or published > date.today():
            fail("Published date", f"{cells[columns['Published date']]!r} is not a past date", "type-error")
            continue
        first = seen.setdefault((authority.code, as_at), row_number)
        if first != row_number:
            fail("Local authority area", f"{authority.code} as at {as_at} is already given in row {first}",
                 "duplicate-observation")
            continue
        out.append(Inspection(authority.code, as_at, published, str(cells[columns["Provision type"]]).strip(),
                              tuple(judgements), row_number))
    if problems:
        raise SourceError(problems)
    return out
