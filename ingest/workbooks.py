"""Reading spreadsheet workbooks (xlsx, ods) cell by cell, for every adapter that needs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from core.problems import SourceError


def sheet_rows(path: Path, sheets: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Cell values of the named sheets, row by row (index 0 = spreadsheet row 1), empty cells None.

    Read with calamine (Rust): the same sheets take seconds with openpyxl and minutes (ODS) with
    odfpy, and the whole build reads them every time.
    """
    try:
        book = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise SourceError.one(path, f"cannot read the workbook: {exc}", rule="workbook-readable") from None
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        for name in sheets:
            if name not in book.sheet_names:
                raise SourceError.one(path, f"sheet {name!r} is missing", field=name, rule="sheet-missing")
            # skip_empty_area=False keeps leading empty rows and columns, so index + 1 is the
            # row number a spreadsheet shows.
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            out[name] = [tuple(None if v == "" else v for v in r) for r in rows]
    finally:
        book.close()
    return out
