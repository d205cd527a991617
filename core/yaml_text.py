"""Parsing YAML text: records, schemas and snapshots are all read through here.

libyaml's C parser is used when PyYAML was built with it (the wheels on PyPI are): it reads the
records about ten times faster than the pure-Python one, and builds run it hundreds of times.
Both give the same data, and their nodes and errors carry the same line numbers.
"""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """The data of a YAML document, with only plain types (safe loading)."""
    return yaml.load(text, Loader=_LOADER)


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of a YAML document, which keeps each value's line for messages."""
    return yaml.compose(text, Loader=_LOADER)
