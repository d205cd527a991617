"""Reading Oflog-maintained YAML records with JSON Schema checks and line numbers for every problem.

Metric records, early-warning rule records and the lifecycle commands all read records this way,
so a maintainer gets the same kind of message (file, line, field, rule) wherever a record is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from core.problems import Problem, display_name
from core.yaml_text import compose_yaml, load_yaml


@dataclass
class Record:
    """One record file as read: where it came from and its fields."""

    path: Path
    data: dict[str, Any]

    @property
    def slug(self) -> str:
        return self.data["slug"]


def line_of(node: yaml.Node | None, path: list[Any]) -> int | None:
    """Line (1-based) of the YAML node at a JSON path, or of its nearest parent, for messages."""
    found = node
    for key in path:
        if isinstance(found, yaml.MappingNode):
            nxt = next((v for k, v in found.value if k.value == key), None)
        elif isinstance(found, yaml.SequenceNode) and isinstance(key, int) and key < len(found.value):
            nxt = found.value[key]
        else:
            nxt = None
        if nxt is None:
            break
        found = nxt
    return found.start_mark.line + 1 if found is not None else None


def schema_validator(schema_path: Path) -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def read_records(paths: Iterable[Path], validator: jsonschema.Draft202012Validator, kind: str
                 ) -> tuple[list[tuple[Path, dict[str, Any], yaml.Node]], list[Problem]]:
    """(path, data, node) for each record that parses and passes the schema, and the problems of the rest."""
    good: list[tuple[Path, dict[str, Any], yaml.Node]] = []
    problems: list[Problem] = []
    for path in paths:
        name = display_name(path)
        text = path.read_text(encoding="utf-8")
        try:
            node = compose_yaml(text)
            data = load_yaml(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(Problem(name, f"not valid YAML: {exc}", mark.line + 1 if mark else None, None, "yaml"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, f"a {kind} record must be a mapping of fields", None, None, "type"))
            continue
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        for err in errors:
            where = ".".join(str(p) for p in err.absolute_path) or None
            if err.validator == "required":
                where = str(err.message.split("'")[1])
            problems.append(Problem(name, err.message, line_of(node, list(err.absolute_path)), where,
                                    f"schema:{err.validator}"))
        if not errors:
            good.append((path, data, node))
    return good, problems
