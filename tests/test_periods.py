"""Period keys: every kind is read by core.periods, and the URI, bounds and patterns agree."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from catalogue.sdl import check_year
from core import periods
from core.uris import period_uri
from datapackages.schemas import PERIOD_PATTERN

ROOT = Path(__file__).resolve().parents[1]

CASES = [
    ("2022-23", "financial-year", date(2022, 4, 1), date(2023, 3, 31),
     "http://reference.data.gov.uk/id/government-year/2022-2023"),
    ("AY2022-23", "academic-year", date(2022, 8, 1), date(2023, 7, 31),
     "http://reference.data.gov.uk/id/gregorian-interval/2022-08-01T00:00:00/P1Y"),
    ("SY2018-19", "school-year", date(2018, 9, 1), date(2019, 8, 31),
     "http://reference.data.gov.uk/id/gregorian-interval/2018-09-01T00:00:00/P1Y"),
    ("2023", "calendar-year", date(2023, 1, 1), date(2023, 12, 31), "http://reference.data.gov.uk/id/year/2023"),
    ("2022-2024", "calendar-years", date(2022, 1, 1), date(2024, 12, 31),
     "http://reference.data.gov.uk/id/gregorian-interval/2022-01-01T00:00:00/P3Y"),
    ("2026-04-01", "day", date(2026, 4, 1), date(2026, 4, 1), "http://reference.data.gov.uk/id/day/2026-04-01"),
    ("YE2025-09", "year-ending", date(2024, 10, 1), date(2025, 9, 30),
     "http://reference.data.gov.uk/id/gregorian-interval/2024-10-01T00:00:00/P1Y"),
    ("YE2025-12", "year-ending", date(2025, 1, 1), date(2025, 12, 31),
     "http://reference.data.gov.uk/id/gregorian-interval/2025-01-01T00:00:00/P1Y"),
    ("2025-Q4", "quarter", date(2025, 10, 1), date(2025, 12, 31),
     "http://reference.data.gov.uk/id/gregorian-interval/2025-10-01T00:00:00/P3M"),
    ("2024-Q1", "quarter", date(2024, 1, 1), date(2024, 3, 31),
     "http://reference.data.gov.uk/id/gregorian-interval/2024-01-01T00:00:00/P3M"),
]


@pytest.mark.parametrize(("key", "kind", "start", "end", "uri"), CASES)
def test_each_kind(key: str, kind: str, start: date, end: date, uri: str) -> None:
    p = periods.parse(key)
    assert (p.kind, p.start, p.end) == (kind, start, end)
    assert period_uri(key) == uri
    assert re.match(PERIOD_PATTERN, key)


@pytest.mark.parametrize("bad", ["2022-24", "AY2022-22", "2024-2022", "2026-13-01", "FY2022-23", "22-23", "", "YE2025-13",
                                 "YE2025-00", "2025-Q5", "2025-Q0"])
def test_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        periods.parse(bad)


def test_sort_order_puts_a_range_after_its_first_year() -> None:
    keys = ["2023", "2022-2024", "2022", "2021-22", "2026-01-01"]
    assert sorted(keys, key=periods.sort_key) == ["2021-22", "2022", "2022-2024", "2023", "2026-01-01"]


@pytest.mark.parametrize(("key", "text"), [("YE2025-09", "the year to September 2025"),
                                           ("2025-Q4", "October to December 2025"), ("2024-Q1", "January to March 2024"),
                                           ("2022-23", "2022-23"), ("AY2022-23", "AY2022-23"), ("2025-12-31", "31 December 2025"),
                                           ("2026-04-01", "1 April 2026")])
def test_label_names_keys_that_are_not_plain_english_in_words(key: str, text: str) -> None:
    assert periods.label(key) == text


def test_metric_record_schema_uses_the_same_pattern() -> None:
    schema = json.loads((ROOT / "catalogue/records/metric.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["periods"]["items"]["pattern"] == periods.PATTERN


@pytest.mark.parametrize(("key", "kind", "start", "end", "uri"), CASES)
def test_kind_of_names_each_kind(key: str, kind: str, start: date, end: date, uri: str) -> None:
    assert periods.kind_of(key) == kind


@pytest.mark.parametrize("bad", ["2022-24", "AY2022-22", "FY2022-23", "YE2025-13", "2025-Q5", "", "edition"])
def test_kind_of_is_none_for_a_text_that_is_not_a_key(bad: str) -> None:
    assert periods.kind_of(bad) is None


def test_single_data_list_years_are_financial_year_keys() -> None:
    # The list's years are read by the one period parser, not a pattern of their own.
    assert [check_year(y) for y in ("2022-23", "2025-26", "2022-24", "AY2022-23", "2023", "22-23")] == [
        True, True, False, False, False, False]
