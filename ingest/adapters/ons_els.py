"""ONS Explore Local Statistics indicator files (tidy ELS layout): net additions to the housing
stock, and the further education and skills indicators.

Periods are ISO 8601 intervals: `2024-04-01/P1Y` is the financial year 2024-25 and
`2024-08-01/P1Y` the academic year 2024/25 (period key AY2024-25). Regions (E12), metropolitan
counties (E11) and Inner/Outer London (E13) are statistical aggregates, not councils: they are
reported as not loaded. England (E92000001) is loaded where the metric record asks for it.
"""

from __future__ import annotations

import re

from ingest.adapters.base import Layout
from ingest.observations import financial_year

_AGGREGATES = {
    "E12": "region (a statistical aggregate, not a council)",
    "E11": "metropolitan county (a statistical aggregate, not a council)",
    "E13": "Inner or Outer London (a statistical aggregate, not a council)",
}


def _period(text: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})/P1Y", text)
    if not m:
        raise ValueError(text)
    start = int(m.group(1))
    if (m.group(2), m.group(3)) == ("04", "01"):
        return financial_year(start)
    if (m.group(2), m.group(3)) == ("08", "01"):
        return "AY" + financial_year(start)
    raise ValueError(text)


def _scope(row: dict[str, str]) -> str | None:
    code = row["areacd"]
    if not code.startswith("E"):
        return "not England"
    return _AGGREGATES.get(code[:3])


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
)
