"""Changing one field of a record without losing the layout, comments and order the maintainer
wrote, and replacing the file in one step."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml


def _dump(key: str, value: Any) -> str:
    return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)


def set_field(text: str, key: str, value: Any, before: str | None = "changes") -> str:
    """The record text with one top-level field replaced (or added before `before`), leaving every
    other line, comment and layout as the maintainer wrote it."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, ln in enumerate(lines) if re.match(rf"^{re.escape(key)}\s*:", ln)), None)
    new = _dump(key, value)
    if start is None:
        at = next((i for i, ln in enumerate(lines) if before and re.match(rf"^{re.escape(before)}\s*:", ln)),
                  len(lines))
        while 0 < at < len(lines) and lines[at - 1].startswith("#"):
            at -= 1  # a comment above `before` belongs to it
        if at == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        return "".join(lines[:at]) + new + "".join(lines[at:])
    end = start + 1
    # The field's block runs until the next top-level key (indented lines, list items, blank lines).
    while end < len(lines) and (lines[end][:1] in (" ", "\t", "-", "\n", "#") or not lines[end].strip()):
        if lines[end].startswith("#") and end + 1 < len(lines) and re.match(r"^[A-Za-z_]", lines[end + 1]):
            break
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # keep blank lines that separate sections
    return "".join(lines[:start]) + new + "".join(lines[end:])


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
