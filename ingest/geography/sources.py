"""The geography source files: where they are, how a row is read, and their Table Schema check."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import frictionless

from core.problems import Problem, SourceError, display_name
from core.yaml_text import load_yaml

GEOGRAPHY = "geography"
MYSOCIETY = Path("mysociety_uk_la_past_current") / "uk_local_authorities_current.csv"
MYSOCIETY_GSS_LOOKUP = Path("mysociety_uk_la_past_current") / "lookup_gss_to_registry.csv"
DIGITAL_LAND = Path("digital_land") / "local-authority.csv"
DIGITAL_LAND_TYPES = Path("digital_land") / "local-authority-type.csv"
ONS_COUNTY_LOOKUP = Path("ons_lad21_to_cty21_lookup_april2021.csv")

# Every CSV the geography step reads, with its Frictionless schema beside it.
READ_FILES = (MYSOCIETY, MYSOCIETY_GSS_LOOKUP, DIGITAL_LAND, DIGITAL_LAND_TYPES, ONS_COUNTY_LOOKUP)


@dataclass
class SourceRow:
    file: str
    row: int  # as a spreadsheet shows it: header is row 1
    values: dict[str, str]

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


def read_rows(sources_dir: Path, rel: Path) -> list[SourceRow]:
    path = sources_dir / GEOGRAPHY / rel
    if not path.is_file():
        raise SourceError.one(path, "source file is missing", rule="file-exists")
    name = display_name(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return [SourceRow(name, i, row) for i, row in enumerate(reader, start=2)]


def row_date(row: SourceRow, field_name: str) -> date | None:
    raw = row.get(field_name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SourceError.one(row.file, f"not a date (YYYY-MM-DD): {raw!r}", row.row, field_name, rule="date-format") from None


def split_codes(raw: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in raw.split(",") if c.strip())


# Validation against the Frictionless descriptors bundled beside each file.


def schema_path(sources_dir: Path, rel: Path) -> Path:
    return sources_dir / GEOGRAPHY / rel.with_name(rel.stem + ".schema.yaml")


def validate_sources(sources_dir: Path) -> None:
    """Each CSV the step reads against its Table Schema; problems name file, row and field."""
    problems: list[Problem] = []
    for rel in READ_FILES:
        path = sources_dir / GEOGRAPHY / rel
        if not path.is_file():
            problems.append(Problem(display_name(path), "source file is missing", rule="file-exists"))
            continue
        schema_file = schema_path(sources_dir, rel)
        if not schema_file.is_file():
            problems.append(Problem(display_name(schema_file), "Table Schema descriptor is missing", rule="schema-file-exists"))
            continue

        # Passed as a dict: frictionless refuses absolute descriptor paths as unsafe.
        schema = frictionless.Schema.from_descriptor(load_yaml(schema_file.read_text(encoding="utf-8")))
        resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema,
                                         encoding="utf-8-sig" if rel == ONS_COUNTY_LOOKUP else "utf-8")
        report = resource.validate()
        for task in report.tasks:
            for err in task.errors:
                row = getattr(err, "row_number", None)
                fname = getattr(err, "field_name", None)
                cell = getattr(err, "cell", None)
                message = f"{err.title}: {err.note}" + (f" (value {cell!r})" if cell is not None else "")
                problems.append(Problem(display_name(path), message, row, fname, err.type))
    if problems:
        raise SourceError(problems)
