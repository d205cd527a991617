"""Oflog's adult social care data (oflog/oflog_asc_data.csv): one row per authority, measure and year.

Columns used: `Local authority code` (GSS), `Financial year` (2022-23), `Code` (ASC1..ASC7) and
`Value` (empty when the authority has no figure). `MEDIAN` and `MADs_from_median` are Oflog's own
comparison figures; the catalogue recomputes them (catalogue/comparison.py) and the tests compare.
"""

from __future__ import annotations

from ingest.adapters.base import Layout
from ingest.observations import period_bounds


def _period(text: str) -> str:
    period_bounds(text)  # raises ValueError unless a real financial year such as 2022-23
    return text


def _scope(row: dict[str, str]) -> str | None:
    return None if row["Local authority code"].startswith("E") else "not England"


LAYOUT = Layout(
    adapter="oflog_asc",
    gss_field="Local authority code",
    period_field="Financial year",
    value_field="Value",
    metric_field="Code",
    period=_period,
    out_of_scope=_scope,
)
