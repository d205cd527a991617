"""Spreadsheet safety: cells a spreadsheet would execute are neutralised, numbers are never touched."""

from __future__ import annotations

import re

# A leading =, +, -, @, tab or carriage return makes Excel, LibreOffice and Sheets treat a cell as a
# formula (CSV injection). Real numbers such as "-3.5" or "+7" must stay numbers.
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(value: object) -> object:
    """Prefix a text cell that would run as a formula with an apostrophe; leave numbers alone."""
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(_DANGEROUS_START) and not _NUMBER.match(value):
        return "'" + value
    return value
