"""Spreadsheet formula injection is neutralised without corrupting numbers."""

from __future__ import annotations

import pytest

from datapackages.cells import neutralise


@pytest.mark.parametrize("value", ["=1+1", "+SUM(A1)", "-cmd|' /C calc'!A0", "@SUM(1)", "\tx", "\r=1"])
def test_formulas_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["-3.5", "+7", "-0.25e3", "12", "Birmingham", "", 42, -1.5, None])
def test_numbers_and_plain_text_are_unchanged(value: object) -> None:
    assert neutralise(value) == value
