"""A metric record, its problems and its schema: reading the YAML with line numbers, and where
the records of one folder live."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from core.problems import Problem, ProblemError, display_name
from core.settings import PROJECT_ROOT
from core.yaml_records import line_of
from core.yaml_text import compose_yaml, load_yaml

SCHEMA_FILE = "metric.schema.json"
METRICS_DIR = "metrics"
HISTORY_DIR = "history"
SUMS_FILE = "SHA256SUMS"
TEMPLATE = PROJECT_ROOT / "catalogue" / "templates" / "metric.yaml"

STATUSES = ("draft", "proposed", "approved", "published", "retired", "superseded")
# Statuses whose metric is in the public catalogue: a retired or superseded metric keeps its URI,
# page and past figures, marked with its status, so links to it never break.
PUBLIC_STATUSES = frozenset({"published", "retired", "superseded"})
# Fields that say what happens to the record rather than what the metric means: a change to them
# is not a new version of the definition. New periods and new yearly source files are new data
# releases of the same definition; the datasets the figures come from are compared instead.
# decimal_places is how figures are shown, not what they mean: changing it needs no new version.
NOT_DEFINITION = frozenset({"status", "version", "changes", "approval", "publication_basis", "periods",
                            "sources", "related", "replaced_by", "retired_on", "decimal_places"})
# What a metric must state before it can be published.
PUBLISH_NEEDS = ("definition", "unit", "polarity", "caveats", "sources")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,80}$")


class LifecycleError(ProblemError):
    """A refused operation; nothing was written."""


def refused(file: str, message: str, rule: str, field: str | None = None, line: int | None = None) -> LifecycleError:
    """A refusal of one problem, naming the record (or folder) and field it is about."""
    return LifecycleError(Problem.at_line(file, message, line, field, rule))


@dataclass
class Record:
    path: Path
    text: str
    data: dict[str, Any]
    node: yaml.Node | None

    @property
    def slug(self) -> str:
        return self.path.stem


@dataclass
class Snapshot:
    version: int
    path: Path
    text: str
    sha256: str


@dataclass
class Paths:
    """Where the records of one records folder live (LACAT_RECORDS_DIR)."""

    records_dir: Path
    metrics: Path = field(init=False)
    history: Path = field(init=False)

    def __post_init__(self) -> None:
        self.metrics = self.records_dir / METRICS_DIR
        self.history = self.metrics / HISTORY_DIR

    def record(self, slug: str) -> Path:
        return self.metrics / f"{self._slug(slug)}.yaml"

    def history_of(self, slug: str) -> Path:
        return self.history / self._slug(slug)

    def _slug(self, slug: str) -> str:
        if not SLUG.match(slug):
            raise refused(self.name(self.metrics), f"{slug!r} is not a metric slug: lower-case letters, digits and "
                          "hyphens, starting with a letter or digit", "metric-slug", "slug")
        return slug

    def name(self, path: Path) -> str:
        """A path for messages, as the other record errors name it (never an absolute path)."""
        return display_name(path)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Reading ------------------------------------------------------------------------------------


def parse(path: Path, text: str, name: str) -> tuple[Record | None, list[Problem]]:
    try:
        # compose keeps each node's position, for the line numbers of messages.
        node = compose_yaml(text)
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem.at_line(name, f"not valid YAML: {problem}", mark.line + 1 if mark else None, None,
                                    "yaml")]
    if not isinstance(data, dict):
        return None, [Problem.at_line(name, "a metric record must be a mapping of fields (field: value lines)",
                                    1, None, "type")]
    return Record(path, text, data, node), []


def read(path: Path, name: str) -> Record:
    record, problems = parse(path, path.read_text(encoding="utf-8"), name)
    if record is None:
        raise LifecycleError(problems)
    return record


def schema_validator(paths: Paths) -> jsonschema.Draft202012Validator:
    schema = json.loads((paths.records_dir / SCHEMA_FILE).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _plain(err: jsonschema.ValidationError) -> str:
    """The schema error in words a maintainer can act on."""
    v, s, inst = err.validator, err.validator_value, err.instance
    if v == "required":
        if "'on'" in err.message:
            # YAML reads a bare `on:` key as the boolean true, so the field seems to be missing.
            return "is missing; write the key in quotes, 'on': \"YYYY-MM-DD\" (a bare on means yes in YAML)"
        return "is missing; add it"
    if v == "enum":
        return f"{inst!r} is not allowed; use one of: {', '.join(map(str, s))}"
    if v == "minLength":
        return f"is too short ({len(inst) if isinstance(inst, str) else 0} characters; at least {s} needed)"
    if v == "minItems":
        return f"needs at least {s} item(s)"
    if v == "pattern":
        return f"{inst!r} does not have the expected form (pattern {s})"
    if v == "format" and s == "date":
        return f"{inst!r} is not a date; write it as YYYY-MM-DD in quotes, e.g. \"2025-04-01\""
    if v == "additionalProperties":
        return f"{err.message}; check the spelling of the field name"
    if v == "type":
        return f"{inst!r} should be of type {s}"
    return err.message


def schema_problems(record: Record, paths: Paths, validator: jsonschema.Draft202012Validator) -> list[Problem]:
    name = paths.name(record.path)
    out = []
    for err in sorted(validator.iter_errors(record.data), key=lambda e: [str(p) for p in e.absolute_path]):
        loc = list(err.absolute_path)
        where = ".".join(str(p) for p in loc) or None
        if err.validator == "required":
            missing = err.message.split("'")[1]
            where = ".".join([*map(str, loc), missing])
        elif err.validator == "additionalProperties":
            extra = re.findall(r"'([^']+)'", err.message)
            if extra:
                where = ".".join([*map(str, loc), extra[0]])
                loc = [*loc, extra[0]]
        out.append(Problem.at_line(name, _plain(err), line_of(record.node, loc), where, f"schema:{err.validator}"))
    return sorted(out, key=lambda p: (p.line or 0, p.field or ""))


def record_paths(paths: Paths) -> list[Path]:
    return sorted(paths.metrics.glob("*.yaml"))
