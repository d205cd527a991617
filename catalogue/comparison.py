"""Comparison context computed at build time and published as data (graph/comparison).

For each metric and period, the England median across the authorities of each comparison group
(upper tier, lower tier, combined authorities), the median absolute deviation (MAD), and for
each observation its distance from the median in MADs and an Oflog-style plain-English band.

The bands are Oflog's: its adult social care text template (ingest/sources/oflog/
oflog_asc_dynamic_template.xlsx) maps "MADs from median" to wording, 0.5 / 1.5 / 3 / 7.5 MADs
apart, "much better than" to "much worse than", and for a change between years (no direction)
"much higher than" to "much lower than". Polarity decides which side is better; a metric with no
direction gets the neutral wording. An absolute distance on a threshold falls in the band above it
(0.5 MADs is "slightly better", not "broadly similar"). From 7.5 MADs Oflog writes the text by hand;
the catalogue keeps the outermost band and flags the observation (lacat:beyondTemplate).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
from openpyxl import load_workbook
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from catalogue.step import BuildContext, GraphOutput
from catalogue.triples import TripleBuffer
from core.problems import SourceError
from core.queries import PREFIX_BLOCK
from core.uris import LACAT, SDMX_DIM, Uris, concept, period_uri

TEMPLATE = Path("oflog") / "oflog_asc_dynamic_template.xlsx"

GROUP_TYPES: dict[str, frozenset[str]] = {
    "upper-tier": frozenset({"CTY", "UA", "MD", "LBO", "CC"}),
    "lower-tier": frozenset({"NMD", "UA", "MD", "LBO", "CC"}),
    "combined": frozenset({"COMB", "SRA"}),
}

# Band concept notations (ontology/concepts/metric-vocabulary.ttl), outermost first, for the
# better/worse side and for the neutral (no direction) wording.
DIRECTIONAL = {1: ("slightly-better", "better", "much-better"), -1: ("slightly-worse", "worse", "much-worse")}
NEUTRAL = {1: ("slightly-higher", "higher", "much-higher"), -1: ("slightly-lower", "lower", "much-lower")}
SIMILAR = "broadly-similar"


@dataclass(frozen=True)
class Bands:
    """Thresholds in MADs (ascending: similar | slightly | plain | much | by hand) and wordings."""

    thresholds: tuple[float, float, float, float]
    words: dict[str, str]  # notation -> wording, as in the template


def read_bands(sources_dir: Path) -> Bands:
    """Oflog's thresholds and wording, read from the bundled template."""
    path = sources_dir / TEMPLATE
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise SourceError.one(path, f"cannot read the band template: {exc}", rule="workbook-readable") from None
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    header = [str(c) for c in rows[0]]
    col = {name: header.index(name) for name in ("topic", "phrase", "metric1", "criteria", "comparator",
                                                   "lowerThreshold", "upperThreshold", "text")}
    england: list[tuple[float, float, str]] = []
    change: list[tuple[float, float, str]] = []
    for row in rows[1:]:
        if row[col["criteria"]] != "MADsFromMedian":
            continue
        item = (float(row[col["lowerThreshold"]]), float(row[col["upperThreshold"]]), str(row[col["text"]]))
        if row[col["comparator"]] == "england_median" and row[col["metric1"]] == "ASC1":
            england.append(item)
        elif row[col["comparator"]] == "penultimateValue":
            change.append(item)
    if len(england) != 9 or len(change) != 9:
        raise SourceError.one(path, "expected nine England-median bands for ASC1 and nine change bands",
                              field="criteria", rule="band-count")
    positive = sorted(b for b in england if b[0] >= -0.5)
    # positive: (-0.5, 0.5) similar, (0.5, 1.5) slightly, (1.5, 3) plain, (3, 7.5) much, (7.5, 1000) by hand
    thresholds = (positive[0][1], positive[1][1], positive[2][1], positive[3][1])
    words = {SIMILAR: positive[0][2]}
    by_lower = {b[0]: b[2] for b in england}
    words.update({"slightly-better": by_lower[thresholds[0]], "better": by_lower[thresholds[1]],
                  "much-better": by_lower[thresholds[2]],
                  "slightly-worse": by_lower[-thresholds[1]], "worse": by_lower[-thresholds[2]],
                  "much-worse": by_lower[-thresholds[3]]})
    change_by_lower = {b[0]: b[2] for b in change}
    words.update({"slightly-higher": change_by_lower[thresholds[0]], "higher": change_by_lower[thresholds[1]],
                  "much-higher": change_by_lower[thresholds[2]],
                  "slightly-lower": change_by_lower[-thresholds[1]], "lower": change_by_lower[-thresholds[2]],
                  "much-lower": change_by_lower[-thresholds[3]]})
    return Bands(thresholds, words)


def band(mads: float, polarity: str, bands: Bands) -> str:
    """Band notation for a distance in MADs (positive = above the median) and a polarity."""
    t = bands.thresholds
    size = abs(mads)
    if size < t[0]:
        return SIMILAR
    level = 0 if size < t[1] else 1 if size < t[2] else 2
    above = 1 if mads > 0 else -1
    if polarity == "neither":
        return NEUTRAL[above][level]
    better = above if polarity == "higher" else -above
    return DIRECTIONAL[better][level]


def median_and_mad(values: list[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    med = float(np.median(arr))
    return med, float(np.median(np.abs(arr - med)))


def decimal_literal(x: float, places: int = 10) -> Literal:
    text = format(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places)).normalize(), "f")
    return Literal(text, datatype=XSD.decimal)


OBSERVATIONS_QUERY = """
SELECT ?metric ?slug ?polarity ?obs ?area ?type ?periodKey ?value WHERE {
  ?metric a lacat:Metric ; lacat:cube ?ds ; dcterms:identifier ?slug ; lacat:polarity ?polarity .
  ?obs qb:dataSet ?ds ; sdmx-dimension:refArea ?area ; sdmx-dimension:refPeriod ?period ; ?metric ?value .
  ?period lacat:periodKey ?periodKey .
  OPTIONAL { ?area lacat:authorityType ?type }
}
"""

def comparison_graph(rows: list[dict[str, str]], groups: dict[str, list[str]], bands: Bands,
                     uris: Uris) -> TripleBuffer:
    """rows: metric, slug, polarity (notation), obs, type (notation or ''), periodKey, value."""
    g = TripleBuffer()
    members: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for r in rows:
        for group in groups[r["metric"]]:
            if r["type"] in GROUP_TYPES[group]:
                members.setdefault((r["metric"], group, r["periodKey"]), []).append(r)
    medians: dict[tuple[str, str, str], tuple[URIRef, float, float]] = {}
    for (metric, group, period), part in members.items():
        slug = part[0]["slug"]
        med, mad = median_and_mad([float(r["value"]) for r in part])
        node = URIRef(uris.median(slug, group, period))
        medians[(metric, group, period)] = (node, med, mad)
        g.add((node, RDF.type, LACAT.EnglandMedian))
        g.add((node, RDFS.label, Literal(f"England median of {slug}, {group} authorities, {period}", lang="en")))
        g.add((node, LACAT.metric, URIRef(metric)))
        g.add((node, LACAT.comparisonGroup, concept("comparison-group", group)))
        g.add((node, SDMX_DIM.refPeriod, URIRef(period_uri(period))))
        g.add((node, LACAT.periodKey, Literal(period)))
        g.add((node, LACAT.median, decimal_literal(med)))
        g.add((node, LACAT.medianAbsoluteDeviation, decimal_literal(mad)))
        g.add((node, LACAT.authorityCount, Literal(len(part))))
    for r in rows:
        # An authority in several groups (a unitary is upper and lower tier) is compared within the
        # first group the metric record lists.
        group = next((gr for gr in groups[r["metric"]] if r["type"] in GROUP_TYPES[gr]), None)
        if group is None:
            continue
        node, med, mad = medians[(r["metric"], group, r["periodKey"])]
        obs = URIRef(r["obs"])
        g.add((obs, LACAT.comparedWith, node))
        if mad == 0:
            continue  # no spread: a distance in MADs is undefined, so no band is claimed
        mads = (float(r["value"]) - med) / mad
        notation = band(mads, r["polarity"], bands)
        g.add((obs, LACAT.madsFromMedian, decimal_literal(mads, 6)))
        g.add((obs, LACAT.band, concept("comparison-band", notation)))
        g.add((obs, LACAT.bandLabel, Literal(bands.words[notation], lang="en")))
        if abs(mads) >= bands.thresholds[3]:
            g.add((obs, LACAT.beyondTemplate, Literal(True)))
    return g


def _notation(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def comparison_step(ctx: BuildContext) -> list[GraphOutput]:
    reader = ctx.reader()
    bands = read_bands(ctx.settings.sources_dir)
    rows = [{
        "metric": r["metric"].value, "slug": r["slug"].value, "polarity": _notation(r["polarity"].value),
        "obs": r["obs"].value, "type": _notation(r["type"].value) if "type" in r else "",
        "periodKey": r["periodKey"].value, "value": r["value"].value,
    } for r in reader.select(PREFIX_BLOCK + OBSERVATIONS_QUERY)]
    # The record's own order of groups decides where an authority in several groups is compared.
    groups = {ctx.uris.metric(r.slug): r.groups for r in ctx.metric_records}
    g = comparison_graph(rows, groups, bands, ctx.uris)
    ctx.log(f"      {len(rows):,} observations compared")
    return [GraphOutput(ctx.graph("comparison"), g, sources=[ctx.settings.sources_dir / TEMPLATE],
                        label="comparison", shacl=False)]
