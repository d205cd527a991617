"""Build check: the older copies of DEFRA's waste statistics agree with DEFRA's own workbook
(ingest/waste_cross_check.py); each area-year where they differ is a problem naming both cells."""

from __future__ import annotations

from catalogue.step import BuildContext
from ingest.waste_cross_check import compare


def waste_cross_check(ctx: BuildContext) -> list[str]:
    compared, found = compare(ctx.settings.sources_dir, ctx.register)
    ctx.log(f"      waste cross-check: {compared:,} area-years of the older copies compared with DEFRA's workbook, "
            f"{len(found)} disagree")
    return [f"waste cross-check: {d}" for d in found]
