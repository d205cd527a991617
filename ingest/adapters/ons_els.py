"""ONS Explore Local Statistics indicator files (tidy ELS layout): net additions to the housing
stock, further education and skills, and the series under metrics/els/ (attainment, absence, early
years, child poverty, healthy life expectancy, business demography, electric vehicle chargers).

Periods are ISO 8601 intervals or days: `2024-04-01/P1Y` is the financial year 2024-25,
`2024-08-01/P1Y` the academic year AY2024-25, `2024-09-01/P1Y` the school year SY2024-25,
`2024-01-01/P1Y` the calendar year 2024, `2022-01-01/P3Y` the years 2022-2024 and `2026-04-01`
that day. Any other start or length is refused rather than guessed.

Several series re-aggregate earlier years to today's councils (North Yorkshire Council for 2021-22,
combined authorities before they were created). Those rows are reported as not loaded: a figure
attaches only to a council that existed in its period. Regions (E12), metropolitan
counties (E11) and Inner/Outer London (E13) are statistical aggregates, not councils: they are
reported as not loaded. England (E92000001) is loaded where the metric record asks for it.
"""

from __future__ import annotations

import re

from core import periods
from ingest.adapters.base import Layout

_AGGREGATES = {
    "E12": "region (a statistical aggregate, not a council)",
    "E11": "metropolitan county (a statistical aggregate, not a council)",
    "E13": "Inner or Outer London (a statistical aggregate, not a council)",
}


# ISO interval start (month, day) and length -> period key prefix (core.periods): the financial
# year starts in April, further education's academic year in August, the school year in September.
_YEAR_STARTS = {("04", "01"): "", ("08", "01"): "AY", ("09", "01"): "SY"}


def _period(text: str) -> str:
    day = re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)
    if day:  # a point in time (e.g. chargers in operation at 00:00 on that day)
        return periods.parse(text).key
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})/P(\d+)Y", text)
    if not m:
        raise ValueError(text)
    start, years = int(m.group(1)), int(m.group(4))
    if (m.group(2), m.group(3)) == ("01", "01"):
        return periods.parse(str(start) if years == 1 else periods.years_range(start, start + years - 1)).key
    prefix = _YEAR_STARTS.get((m.group(2), m.group(3)))
    if prefix is None or years != 1:
        raise ValueError(text)
    return periods.split_year(start, prefix)


# Codes some series use that the authority register does not hold (yet): left out, with the
# reason, rather than attached to a council by guesswork.
_UNREGISTERED = {
    "E08000038": "a newer GSS code for Barnsley that the authority register does not hold",
    "E08000039": "a newer GSS code for Sheffield that the authority register does not hold",
    "E47000015": "Devon and Torbay combined county authority, which the authority register does not hold",
    "E47000018": "Lancashire combined county authority, which the authority register does not hold",
}


def _scope(row: dict[str, str]) -> str | None:
    code = row["areacd"]
    if not code.startswith("E"):
        return "not England"
    return _AGGREGATES.get(code[:3]) or _UNREGISTERED.get(code)


def _status(row: dict[str, str]) -> str | None:
    # ELS marks provisional and revised figures in `status`; the bundled files leave it empty.
    text = row.get("status", "").strip().lower()
    if text in ("p", "provisional"):
        return "provisional"
    if text in ("r", "revised"):
        return "revised"
    return None


LAYOUT = Layout(
    adapter="ons_els",
    gss_field="areacd",
    period_field="period",
    value_field="observation",
    metric_field="indicator",
    period=_period,
    out_of_scope=_scope,
    encoding="utf-8-sig",
    status=_status,
    lower_field="lci_95",
    upper_field="uci_95",
    not_in_period="ONS re-aggregated this figure to a council that did not exist in the period; figures attach "
                  "only to the councils of the time",
)
