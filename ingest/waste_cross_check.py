"""The older copies of DEFRA's waste statistics checked against DEFRA's own workbook.

The waste metrics are read from DEFRA's local authority collected waste workbook
(ingest/adapters/defra_waste.py). Two older copies of the same statistics stay bundled: Trafford
Data Lab's compilation of ENV18 (recycling rate, 2015-16 to 2023-24) and Oflog's waste metrics
(recycling rate and residual waste, 2015-16 to 2022-23). Each copy is read with its own adapter and
compared, council by council and year by year, with the workbook at the one decimal place all three
publish; every area-year where they differ is reported with both figures and both cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from ingest.adapters import ADAPTERS, defra_waste
from ingest.adapters.base import MetricSelection, tidy, validate
from ingest.geography.model import Register

WORKBOOK = "metrics/waste/waste-data.ods"
RECYCLING = "Percentage of household waste sent for reuse, recycling or composting (Ex NI192)"
RESIDUAL = "Residual household waste per household (kg/household) (Ex NI191)"
TIERS = ("NMD", "UA", "MD", "LBO", "CC")
_PLACE = Decimal("0.1")


@dataclass(frozen=True)
class Copy:
    """An older copy: its file, adapter, and which of its series matches which workbook column."""

    file: str
    adapter: str
    series: dict[str, str]  # the copy's metric name -> workbook column heading
    others: tuple[str, ...] = ()  # further names in the file that are not compared


COPIES = (
    Copy("metrics/defra_env18_household_recycling_rate_tdl.csv", "defra_recycling",
         {"Waste Reused/Recycled/Composted": RECYCLING}),
    Copy("oflog/mhclg_svelte_lib_waste_metrics_tidy.csv", "oflog_waste",
         {"Household waste recycling rate": RECYCLING, "Residual household waste": RESIDUAL},
         ("Recycling contamination rate",)),
)


@dataclass(frozen=True)
class Disagreement:
    copy: str
    row: int
    workbook_row: int
    column: str
    authority: str
    period: str
    copy_value: str
    workbook_value: str

    def __str__(self) -> str:
        return (f"{self.copy}, row {self.row}: {self.authority} {self.period} is {self.copy_value}; DEFRA's workbook "
                f"({WORKBOOK}, sheet {defra_waste.SHEET}, row {self.workbook_row}, column '{self.column}') has "
                f"{self.workbook_value}")


@dataclass
class _Column:
    slug: str
    data: dict


def _rounded(text: str) -> Decimal:
    return Decimal(text).quantize(_PLACE, rounding=ROUND_HALF_UP)


def _loaded(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["excluded"].isna() & (frame["status"] != "missing") & (frame["area_kind"] == "authority")]


def compare(sources_dir: Path, register: Register) -> tuple[int, list[Disagreement]]:
    """(area-years compared, the ones that disagree) over every older copy."""
    columns = sorted({c for copy in COPIES for c in copy.series.values()})
    units = {RECYCLING: "percent", RESIDUAL: "kg-per-household"}
    picks = [(_Column(col, {"tiers": TIERS, "unit": units[col], "includes_england": False}), col) for col in columns]
    workbook = _loaded(defra_waste.tidy(sources_dir / WORKBOOK, picks, register))  # type: ignore[arg-type]
    truth = {(r.metric, r.area, r.period): (r.value, r.row) for r in workbook.itertuples(index=False)}
    compared = 0
    found: list[Disagreement] = []
    for copy in COPIES:
        path = sources_dir / copy.file
        selection = MetricSelection()
        for name, col in copy.series.items():
            selection.by_select[name] = (col, units[col], TIERS, False)
        for name in copy.others:
            selection.by_select[name] = ("not-compared", "rate-unstated", TIERS, False)
        layout = ADAPTERS[copy.adapter]
        validate(path, layout, register, selection)
        frame = _loaded(tidy(path, layout, register, selection))
        for r in frame[frame["metric"] != "not-compared"].itertuples(index=False):
            hit = truth.get((r.metric, r.area, r.period))
            if hit is None:
                continue
            compared += 1
            if _rounded(r.value) != _rounded(hit[0]):
                found.append(Disagreement(copy.file, int(r.row), int(hit[1]), r.metric, r.area, r.period, r.value,
                                          hit[0]))
    return compared, found
