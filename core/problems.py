"""Errors that name the file, row and field, so a maintainer can fix the source at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Problem:
    file: str
    message: str
    row: int | None = None  # 1-based data row number as a spreadsheet shows it (header is row 1)
    field: str | None = None
    rule: str | None = None
    sheet: str | None = None  # the workbook sheet, for a spreadsheet with several

    def __str__(self) -> str:
        where = self.file
        if self.sheet is not None:
            where += f", sheet {self.sheet}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.message}{rule}"


class SourceError(Exception):
    """One or more problems in a source file or record; the build stops and nothing of it loads."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def one(
        cls, file: str | Path, message: str, row: int | None = None, field: str | None = None, rule: str | None = None
    ) -> SourceError:
        return cls(Problem(display_name(file), message, row, field, rule))


def display_name(path: str | Path) -> str:
    """A path relative to the project (never an absolute path of the machine) for messages."""
    p = Path(path)
    parts = p.parts
    for anchor in ("sources", "records", "tests"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i - 1 if i > 0 else i:])
    return p.name
