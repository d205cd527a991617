"""docs/problems.md lists exactly the registered problem types, each under its family: a code added
to core/problem_types.py without a line in the docs, or a line for a code that does not exist,
fails here (as Datasette's docs tests do for its settings)."""

from __future__ import annotations

import re

from core.problem_types import FAMILIES, PROBLEM_TYPES
from core.settings import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "problems.md"
ROW = re.compile(r"^\| `([^`]+)` \|")


def documented() -> dict[str, list[str]]:
    """Family heading -> the codes of the table rows under it, in order."""
    out: dict[str, list[str]] = {}
    family = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            family = line[3:].strip()
            out[family] = []
        elif (m := ROW.match(line)) and family is not None:
            out[family].append(m.group(1))
    return out


def test_every_registered_type_is_documented_and_nothing_else() -> None:
    docs = documented()
    in_docs = [code for codes in docs.values() for code in codes]
    missing = sorted(set(PROBLEM_TYPES) - set(in_docs))
    unknown = sorted(set(in_docs) - set(PROBLEM_TYPES))
    assert not missing, f"registered but not in docs/problems.md: {missing}"
    assert not unknown, f"in docs/problems.md but not registered: {unknown}"
    assert len(in_docs) == len(set(in_docs)), "a code is listed twice in docs/problems.md"


def test_each_type_is_documented_under_its_family() -> None:
    docs = documented()
    assert list(docs) == list(FAMILIES)
    for family, codes in docs.items():
        assert {c: PROBLEM_TYPES[c].family for c in codes if PROBLEM_TYPES[c].family != family} == {}
