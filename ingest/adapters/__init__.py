"""Source adapters: one per source file format, each a `Layout` read by ingest.adapters.base."""

from __future__ import annotations

from collections.abc import Callable

from ingest.adapters import (
    defra_recycling,
    defra_waste,
    dfe_cla,
    finance,
    hclic,
    housing_supply,
    oflog_asc,
    oflog_waste,
    ons_els,
    planning,
    road_condition,
)
from ingest.adapters.base import Layout

ADAPTERS: dict[str, Layout] = {
    "oflog_asc": oflog_asc.LAYOUT,
    "oflog_waste": oflog_waste.LAYOUT,
    "defra_recycling": defra_recycling.LAYOUT,
    "ons_els": ons_els.LAYOUT,
    "dfe_cla": dfe_cla.LAYOUT,
}

# Adapters that read workbooks themselves (wide official tables, or metrics derived by a formula
# from several figures): (sources_dir, records, register) -> {source file: tidy frame}.
DERIVED: dict[str, Callable] = {
    finance.ADAPTER: finance.derive,
    road_condition.ADAPTER: road_condition.derive,
    hclic.ADAPTER: hclic.derive,
    housing_supply.ADAPTER: housing_supply.derive,
    planning.ADAPTER: planning.derive,
    defra_waste.ADAPTER: defra_waste.derive,
}
