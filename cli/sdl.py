"""`lacat sdl`: load a new edition of the Single Data List from a table (CSV or XLSX).

The input has one row per collection with these columns (header row first, names as shown;
extra columns are ignored):

| column       | required | meaning                                                              |
|--------------|----------|----------------------------------------------------------------------|
| `ref`        | yes      | SDL reference as printed, NNN-NN (e.g. `082-00`)                     |
| `collection` | yes      | collection name as printed                                           |
| `department` | yes      | department or body code as printed (e.g. `DEFRA`, `DHSC/NHSD`); it must be a code of the bundled sdl_departments.csv |
| `section`    | yes      | the list's section heading (e.g. `Central government departments`)  |
| `list_year`  | no       | list year like `2025-26`; otherwise give `--year`                    |
| `status`     | no       | default `listed`                                                     |
| `source_url` | no       | https address of the page or file the row was read from              |
| `note`       | no       | anything a reader should know about the row                          |

Every problem is reported with the file, row (as a spreadsheet shows it, header = row 1) and
field, and nothing is written unless the whole file is valid. A valid file is written to
catalogue/records/sdl/sdl-{year}.csv in the bundled layout; the next `lacat build` merges it
with the bundled list (a collection's name and department come from its newest list year).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from openpyxl import load_workbook

from catalogue.sdl import COLLECTION_COLUMNS, check_year, collection_row_problems, parse_departments
from core.problems import Problem, SourceError, display_name
from core.settings import Settings

REQUIRED = ["ref", "collection", "department", "section"]


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV or XLSX file, keyed by lower-case header, with spreadsheet row numbers."""
    name = display_name(path)
    if not path.is_file():
        raise SourceError.one(path, "file not found", rule="file-exists")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SourceError.one(path, f"not UTF-8 text: {exc}", rule="encoding") from None
        table = list(csv.reader(io.StringIO(text)))
    elif suffix == ".xlsx":
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a damaged workbook
            raise SourceError.one(path, f"not a readable XLSX workbook: {exc}", rule="workbook-readable") from None
        ws = wb.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        raise SourceError.one(path, f"unsupported file type {suffix!r}: use .csv or .xlsx", rule="file-type")
    if not table:
        raise SourceError.one(path, "the file is empty", 1, rule="no-data-rows")
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceError([Problem(name, "required column is missing", 1, c, "missing-column") for c in missing])
    rows = []
    for i, values in enumerate(table[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        rows.append((i, {h: (values[j].strip() if j < len(values) else "") for j, h in enumerate(header) if h}))
    return rows


def validate_edition(path: Path, year: str | None, departments: set[str]) -> list[dict[str, str]]:
    """The rows of an edition in the bundled layout, or SourceError listing every problem."""
    name = display_name(path)
    problems: list[Problem] = []
    if year is not None and not check_year(year):
        raise SourceError.one(path, f"--year {year!r} is not a year like 2025-26", rule="year-format")
    out = []
    seen: dict[str, int] = {}
    for row, r in read_rows(path):
        problems += collection_row_problems(name, row, r, seen)
        for col in ("collection", "section"):
            if not r.get(col):
                problems.append(Problem(name, f"{col} is empty", row, col, "empty-cell"))
        dept = r.get("department", "")
        if not dept:
            problems.append(Problem(name, "department is empty", row, "department", "empty-cell"))
        elif dept not in departments:
            problems.append(Problem(name, f"department code {dept!r} is not in sdl_departments.csv "
                                    "(add it there with its full name first)", row, "department", "department-known"))
        row_year = r.get("list_year") or year
        if not row_year:
            problems.append(Problem(name, "no list year: add a list_year column or give --year", row, "list_year", "list-year-given"))
        elif not check_year(row_year):
            problems.append(Problem(name, f"list year {row_year!r} is not a year like 2025-26", row, "list_year", "year-format"))
        out.append({
            "ref": r.get("ref", ""), "collection": " ".join(r.get("collection", "").split()), "department": dept,
            "section": r.get("section", ""), "status": r.get("status") or "listed", "list_year": row_year or "",
            "source_url": r.get("source_url", ""), "note": r.get("note", ""),
        })
    if problems:
        raise SourceError(problems)
    if not out:
        raise SourceError.one(path, "no data rows", 2, rule="no-data-rows")
    return out


def write_edition(rows: list[dict[str, str]], records_dir: Path) -> Path:
    years = sorted({r["list_year"] for r in rows})
    target = records_dir / "sdl" / f"sdl-{'_'.join(years)}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLLECTION_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["ref"]))
    tmp.replace(target)
    return target


def _cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    departments = parse_departments(settings.sources_dir / "single-data-list" / "sdl_departments.csv")
    try:
        rows = validate_edition(Path(args.file), args.year, set(departments))
    except SourceError as exc:
        print(f"{len(exc.problems)} problem(s); nothing was written:", file=sys.stderr)
        for p in exc.problems[:200]:
            print(f"  - {p}", file=sys.stderr)
        return 1
    if args.dry_run:
        print(f"{len(rows)} collection(s) valid; nothing written (--dry-run)")
        return 0
    target = write_edition(rows, settings.records_dir)
    print(f"{len(rows)} collection(s) written to {display_name(target)}; run 'lacat build' to publish them")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sdl", help="the Single Data List: import a new edition",
                       description="The Single Data List: import a new edition from a CSV or XLSX table.")
    group = p.add_subparsers(dest="sdl_command", metavar="SUBCOMMAND")
    imp = group.add_parser(
        "import", help="validate a CSV/XLSX edition of the list and write it to catalogue/records/sdl/",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file", help="the edition as .csv or .xlsx (columns: ref, collection, department, section, "
                                  "optional list_year, status, source_url, note)")
    imp.add_argument("--year", help="list year of every row, like 2025-26, when the file has no list_year column")
    imp.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    imp.set_defaults(handler=_cmd_import)
    p.set_defaults(handler=lambda args, settings: (p.print_help(), 2)[1])
