"""DfE "Children looked after in England" local authority figures
(metrics/children/cla_number_and_rate_per_10k_children.csv): children looked after on 31 March,
and starting and ceasing to be looked after during the year, each as a number and a rate per
10,000 children aged under 18, 2019 to 2023.

DfE's reporting year 2023 is the year ending 31 March 2023, so it is the financial year 2022-23;
the count of children looked after is taken on its last day. The column names mislead:
`population_count` holds the measure's name and `population_estimate` the population aged 0 to 17.
National rows carry England's code in `country_code` (their `new_la_code` is blank) and regions
are statistical aggregates. DfE lists abolished and new councils in every year and marks the years
a council did not exist `z` (not applicable); those rows are reported as not loaded. `x` (not
available) and `c` (suppressed) are published as missing, never as zero.
"""

from __future__ import annotations

import re

from ingest.adapters.base import Layout
from ingest.observations import ENGLAND_GSS, financial_year


def _period(text: str) -> str:
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(text)
    return financial_year(int(text) - 1)


def _scope(row: dict[str, str]) -> str | None:
    level = row["geographic_level"]
    if level == "Regional":
        return "region (a statistical aggregate, not a council)"
    if level not in ("National", "Local authority"):
        return f"geographic level {level!r} is not a council or England"
    return None


def _code(row: dict[str, str]) -> str:
    # National and regional rows leave new_la_code blank: their codes are in other columns.
    level = row["geographic_level"]
    if level == "National":
        return row["country_code"] if row["country_code"] == ENGLAND_GSS else ""
    if level == "Regional":
        return row["region_code"]
    return row["new_la_code"]


LAYOUT = Layout(
    adapter="dfe_cla",
    gss_field="new_la_code",
    period_field="time_period",
    value_field="rate_per_10000",
    metric_field="population_count",
    period=_period,
    out_of_scope=_scope,
    encoding="utf-8-sig",
    area_code=_code,
    not_in_period="DfE lists the council in a year it did not exist, marked 'z' (not applicable)",
)
