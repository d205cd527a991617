"""Every problem the code can report names a registered problem type (core/problem_types.py)."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess

import frictionless.errors as ferrors
import jsonschema
import pytest

from core.problem_types import PROBLEM_TYPES, problem_type
from core.problems import Problem, SourceError
from core.settings import PROJECT_ROOT

PACKAGES = ("core", "ingest", "catalogue", "sparql", "datapackages", "web", "cli")


def _files() -> list[str]:
    return subprocess.run(["git", "ls-files", "--", *(f"{p}/*.py" for p in PACKAGES)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, check=True).stdout.split()


def _calls() -> list[tuple[str, int, ast.Call]]:
    """Every Problem(...), Problem.at_line(...) and SourceError.one(...) call in the project's code."""
    out = []
    for rel in _files():
        tree = ast.parse((PROJECT_ROOT / rel).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            if (isinstance(f, ast.Name) and f.id == "Problem") or (
                    isinstance(f, ast.Attribute) and f.attr in ("one", "at_line")
                    and getattr(f.value, "id", "") in ("SourceError", "Problem")):
                out.append((rel, node.lineno, node))
    return out


def _rule(node: ast.Call) -> ast.expr | None:
    for kw in node.keywords:
        if kw.arg == "rule":
            return kw.value
    return node.args[4] if len(node.args) >= 5 else None


def test_every_problem_call_names_a_registered_type() -> None:
    calls = _calls()
    assert len(calls) > 140  # the scan finds the project's calls at all
    unnamed = [f"{f}:{n}" for f, n, c in calls if _rule(c) is None]
    assert unnamed == []
    literal = {(f, n): r.value for f, n, c in calls if isinstance(r := _rule(c), ast.Constant)}
    assert {k: v for k, v in literal.items() if v not in PROBLEM_TYPES} == {}


def test_codes_passed_through_local_helpers_are_registered() -> None:
    # Adapters wrap Problem in small helpers of their own (`fail(column, message, rule)`): a code
    # given to such a helper reaches Problem only at run time, on the bad-input path, so it is
    # checked here, per file, against the helper's `rule` parameter.
    checked, unknown = 0, []
    for rel in _files():
        tree = ast.parse((PROJECT_ROOT / rel).read_text(encoding="utf-8"))
        position: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "rule" in (names := [a.arg for a in node.args.args]):
                position[node.name] = names.index("rule") - (names[0] in ("self", "cls"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in position:
                continue
            given = [kw.value for kw in node.keywords if kw.arg == "rule"]
            given += node.args[position[name]:position[name] + 1]
            for value in given:
                if isinstance(value, ast.Constant):
                    checked += 1
                    if value.value not in PROBLEM_TYPES:
                        unknown.append(f"{rel}:{node.lineno}: {value.value!r}")
    assert checked > 50  # the scan finds the helpers' calls at all
    assert unknown == []


def test_problem_refuses_an_unregistered_or_missing_code() -> None:
    with pytest.raises(ValueError, match="'no-such-rule' is not registered"):
        Problem("x.csv", "m", 2, "f", "no-such-rule")
    with pytest.raises(ValueError, match="without a type code"):
        SourceError.one("x.csv", "m", 2, "f")


def test_message_names_file_sheet_row_line_field_and_code() -> None:
    assert str(Problem("a.xlsx", "not a number", 7, "FYE 2025", "not-a-number", "Table_3")) == (
        "a.xlsx, sheet Table_3, row 7, field 'FYE 2025': not a number [not-a-number]")
    assert str(Problem.at_line("m.yaml", "is missing; add it", 6, "unit", "schema:required")) == (
        "m.yaml, line 6, field 'unit': is missing; add it [schema:required]")


def test_frictionless_row_label_and_reading_errors_are_registered() -> None:
    # Frictionless error types reach messages as they are (ingest/adapters/base.py, geography, finance).
    kinds = (ferrors.LabelError, ferrors.HeaderError, ferrors.RowError, ferrors.ResourceError)
    types = {c.type for _, c in inspect.getmembers(ferrors, inspect.isclass)
             if issubclass(c, kinds) and c not in (*kinds, ferrors.CellError)}
    assert len(types) > 20
    assert sorted(types - set(PROBLEM_TYPES)) == []


def test_every_schema_keyword_the_record_schemas_use_is_registered() -> None:
    # Record schema errors are reported as schema:{keyword} (catalogue/lifecycle.py, core/yaml_records.py).
    used: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            used.update(k for k in node if k in jsonschema.Draft202012Validator.VALIDATORS)
            for k, v in node.items():
                if k not in ("properties", "$defs", "patternProperties"):
                    walk(v)
                else:
                    for sub in v.values():
                        walk(sub)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in (PROJECT_ROOT / "catalogue" / "records").rglob("*.schema.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    structural = {"properties", "patternProperties", "items", "$ref", "if", "then", "else", "allOf", "anyOf",
                  "oneOf", "$defs"}
    assert "required" in used
    assert sorted(k for k in used - structural if f"schema:{k}" not in PROBLEM_TYPES) == []
    assert problem_type("schema:required").family == "record-schema"
