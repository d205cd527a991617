"""DEFRA ENV18 household recycling rates as compiled by Trafford Data Lab
(metrics/defra_env18_household_recycling_rate_tdl.csv).

The file holds all four UK nations; only England's rows (DEFRA's own figures) are loaded. The
other nations' figures come from other bodies under other definitions, and Scotland's are by
calendar year; they are reported as not loaded.
"""

from __future__ import annotations

import re

from ingest.adapters.base import Layout
from ingest.observations import financial_year


def _period(text: str) -> str:
    m = re.fullmatch(r"(\d{4})/(\d{2})", text)
    if not m:
        raise ValueError(text)
    key = financial_year(int(m.group(1)))
    if not key.endswith(m.group(2)):
        raise ValueError(text)
    return key


def _scope(row: dict[str, str]) -> str | None:
    if not row["area_code"].startswith("E"):
        return "not England: other nations' recycling figures use other definitions"
    return None


LAYOUT = Layout(
    adapter="defra_recycling",
    gss_field="area_code",
    period_field="period",
    value_field="value",
    metric_field="indicator",
    period=_period,
    out_of_scope=_scope,
)
