"""Oflog's waste metrics (oflog/mhclg_svelte_lib_waste_metrics_tidy.csv), a tidy reshape of the
component library's test data: one row per area, metric name and financial year, with the
geography of the time (pre-2023 districts)."""

from __future__ import annotations

from ingest.adapters.base import Layout
from ingest.observations import period_bounds


def _period(text: str) -> str:
    period_bounds(text)
    return text


def _scope(row: dict[str, str]) -> str | None:
    return None if row["area_code"].startswith("E") else "not England"


LAYOUT = Layout(
    adapter="oflog_waste",
    gss_field="area_code",
    period_field="financial_year",
    value_field="value",
    metric_field="metric",
    period=_period,
    out_of_scope=_scope,
)
