"""Errors that name the file, sheet, row or line and field, so a maintainer can fix the source at once.

Every problem carries the code of a named problem type from core/problem_types.py; the code is
printed at the end of the message, e.g. `[unknown-authority]`, and docs/problems.md explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.problem_types import problem_type


@dataclass
class Problem:
    file: str
    message: str
    row: int | None = None  # 1-based data row number as a spreadsheet shows it (header is row 1)
    field: str | None = None
    rule: str | None = None  # the code of a registered problem type (core/problem_types.py); required
    sheet: str | None = None  # the workbook sheet, for a spreadsheet with several
    line: int | None = None  # 1-based line of a text record (YAML), where a row does not apply

    def __post_init__(self) -> None:
        # Every problem names its type; a missing or unregistered code is a programming error.
        if self.rule is None:
            raise ValueError(f"problem without a type code: {self.message}")
        problem_type(self.rule)

    @classmethod
    def at_line(cls, file: str, message: str, line: int | None = None, field: str | None = None,
                rule: str | None = None) -> Problem:
        """A problem in a line-oriented record (a YAML metric record, a history folder)."""
        return cls(file, message, field=field, rule=rule, line=line)

    def __str__(self) -> str:
        where = self.file
        if self.sheet is not None:
            where += f", sheet {self.sheet}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field is not None:
            where += f", field '{self.field}'"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.message}{rule}"


class ProblemError(Exception):
    """One or more problems found together; the message lists each on its own line."""

    def __init__(self, problems: list[Problem] | Problem) -> None:
        # Never plain text: every refusal names its file and problem type, so scripts can act on it.
        self.problems: list[Problem] = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(ProblemError):
    """One or more problems in a source file or record; the build stops and nothing of it loads."""

    @classmethod
    def one(
        cls, file: str | Path, message: str, row: int | None = None, field: str | None = None, rule: str | None = None
    ) -> SourceError:
        return cls(Problem(display_name(file), message, row, field, rule))


class StatusError(Exception):
    """A request refused or failed with an HTTP status to answer with and a message saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def display_name(path: str | Path) -> str:
    """A path relative to the project (never an absolute path of the machine) for messages."""
    p = Path(path)
    parts = p.parts
    for anchor in ("sources", "records", "tests"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i - 1 if i > 0 else i:])
    return p.name
