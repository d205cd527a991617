"""Choropleth maps of a metric's councils for the metric page (docs/maps.md).

The shapes are simplified at build time (catalogue/map_shapes.py) and read once per build; a
map is the councils of one comparison group, shaded in five classes of about equal size by their
value in the period shown. Polarity decides the colours: where higher (or lower) is better, the
better end is blue and the worse end orange; where neither is, one purple scale says only higher
or lower. Councils without a value are hatched. The SVG is inline, needs no script and loads
nothing; the values table beside it carries the same figures for every reader.

An SVG is rendered once per build, metric, period and group and then kept: a page only adds the
outline of the council it highlights.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from catalogue.comparison import GROUP_TYPES
from core.store import Store
from web.explorer_data import Catalogue, Metric
from web.per_build import per_build, rows_per_build

CLASSES = 5
CACHED_MAPS = 64  # (metric, period) pairs kept rendered per process: the latest periods are the ones asked for
GROUP_TITLES = {"upper-tier": "Upper-tier councils", "lower-tier": "Lower-tier councils",
                "combined": "Combined authorities"}
# Class names from the lowest values to the highest (site.css gives their colours).
DIRECTIONAL = {"higher": ("w2", "w1", "m", "b1", "b2"), "lower": ("b2", "b1", "m", "w1", "w2")}
NEUTRAL = ("s1", "s2", "s3", "s4", "s5")
WORDS = {"b2": "better", "b1": "better", "m": "middle", "w1": "worse", "w2": "worse"}
FIFTHS = ("Lowest fifth", "Second fifth", "Middle fifth", "Fourth fifth", "Highest fifth")


@dataclass(frozen=True)
class Frame:
    view_box: str
    attribution: str
    paths: dict[str, str]  # authority code -> SVG path data


@dataclass
class Choropleth:
    group: str
    title: str
    view_box: str
    attribution: str
    markup: Markup  # the shapes, ready to sit inside the <svg> element
    legend: list[dict[str, object]]
    shaded: int  # councils with a value, drawn
    unshaded: int  # councils without a value, drawn hatched
    not_drawn: list[str]  # councils with a value but no shape (abolished before 2014, or the GLA)
    description: str
    focus_path: str = ""


def frame(store: Store) -> Frame:
    def read() -> Frame:
        rows = rows_per_build(store, "map-shapes")
        if not rows:
            return Frame("0 0 0 0", "", {})
        return Frame(str(rows[0]["viewBox"]), str(rows[0]["attribution"]),
                     {str(r["code"]): str(r["path"]) for r in rows})
    return per_build("map-frame", store, read)


def classes(values: Sequence[float]) -> list[int]:
    """Each value's class, 0 (lowest) to 4 (highest), in five groups of about equal size, by its
    mid-rank: the share of values below it plus half the share equal to it. Equal values share a
    class, and a metric where every council has the same value is all in the middle class."""
    ordered = sorted(values)
    n = len(ordered)
    out = []
    for v in values:
        below, upto = bisect_left(ordered, v), bisect_right(ordered, v)
        share = (below + (upto - below) / 2) / n
        out.append(min(CLASSES - 1, int(share * CLASSES)))
    return out


def class_names(polarity: str) -> tuple[str, ...]:
    return DIRECTIONAL.get(polarity, NEUTRAL)


def _legend(m: Metric, names: tuple[str, ...], values: list[float], cls: list[int]) -> list[dict[str, object]]:
    out = []
    for k in reversed(range(CLASSES)):
        members = [v for v, c in zip(values, cls, strict=True) if c == k]
        if not members:
            continue
        word = WORDS.get(names[k])
        label = FIFTHS[k] + (f" ({word})" if word and word != "middle" else "")
        out.append({"cls": names[k], "label": label, "low": m.format(min(members)), "high": m.format(max(members)),
                    "count": len(members)})
    return out


def _render(m: Metric, group: str, rows: list[dict[str, object]], fr: Frame) -> Choropleth:
    types = GROUP_TYPES[group]
    drawn = [r for r in rows if r["type_code"] in types and str(r["code"]) in fr.paths]
    not_drawn = sorted(str(r["label"]) for r in rows if r["type_code"] in types and str(r["code"]) not in fr.paths
                       and r["value"] is not None)
    valued = [r for r in drawn if r["value"] is not None]
    values = [float(r["value"]) for r in valued]  # type: ignore[arg-type]
    cls = classes(values)
    names = class_names(m.polarity)
    by_code = {str(r["code"]): names[c] for r, c in zip(valued, cls, strict=True)}
    # Councils still operating are drawn last, so in a year of reorganisation they sit on top.
    drawn.sort(key=lambda r: (bool(r["current"]), str(r["code"])))
    parts = []
    for r in drawn:
        code = str(r["code"])
        name = by_code.get(code, "nd")
        text = m.format(r["value"]) if r["value"] is not None else "no value"
        # The hatch is a presentation attribute, not a style: the page's CSP allows no inline styles.
        hatch = f' fill="url(#map-{group}-hatch)"' if name == "nd" else ""
        parts.append(f'<path d="{fr.paths[code]}" class="{name}"{hatch} data-code="{code}">'
                     f'<title>{escape(r["label"])}: {escape(text)}</title></path>')
    if m.polarity in DIRECTIONAL:
        scale = ("darker blue is better and darker orange is worse "
                 f"({'higher' if m.polarity == 'higher' else 'lower'} values are better)")
    else:
        scale = "darker purple is higher; this metric has no better direction"
    description = (f"{len(valued)} {GROUP_TITLES[group].lower()} shaded in five groups of about equal size by "
                   f"their value: {scale}." + (f" {len(drawn) - len(valued)} without a value are hatched."
                                                 if len(drawn) > len(valued) else ""))
    return Choropleth(group, GROUP_TITLES[group], fr.view_box, fr.attribution, Markup("".join(parts)),
                      _legend(m, names, values, cls), len(valued), len(drawn) - len(valued), not_drawn, description)


_CACHE_LOCK = threading.Lock()


def choropleths(store: Store, c: Catalogue, m: Metric, period: str, rows: list[dict[str, object]],
                focus: str | None = None) -> list[Choropleth]:
    """One map per comparison group of the metric that has councils to draw, for `rows` (the
    values table of `period`: code, label, value, current, and the council's type code)."""
    fr = frame(store)
    if not fr.paths:
        return []
    cache: OrderedDict[tuple[str, str], list[Choropleth]] = per_build("map-svg", store, OrderedDict)
    key = (m.slug, period)
    with _CACHE_LOCK:
        maps = cache.get(key)
        if maps is not None:
            cache.move_to_end(key)
    if maps is None:
        maps = [_render(m, g, rows, fr) for g in ("upper-tier", "lower-tier", "combined") if g in m.groups]
        maps = [x for x in maps if x.shaded or x.unshaded]
        with _CACHE_LOCK:
            cache[key] = maps
            while len(cache) > CACHED_MAPS:
                cache.popitem(last=False)
    if focus is None or focus not in fr.paths:
        return maps
    a = c.authorities.get(focus)
    return [Choropleth(**{**x.__dict__, "focus_path": fr.paths[focus]})
            if a is not None and a.type_code in GROUP_TYPES[x.group] else x for x in maps]
