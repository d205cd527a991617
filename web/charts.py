"""Vega-Lite chart specifications built with Altair on the server.

Pages carry a spec as JSON in a data attribute; web/static/charts.js renders it with vega-embed
from /vendor, using vega-embed's expression interpreter so no `eval` is needed under the
Content-Security-Policy. Every chart on a page has a table with the same figures and a one-line
text summary beside it, so the chart is never the only way to read the data.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence

import altair as alt

from core.figures import d3_format

# GOV.UK palette: text black, blue for the focus series, dark grey for the others, and a
# contrasting orange for the England median so it is distinguishable without colour names.
BLUE = "#1d70b8"
GREY = "#505a5f"
LIGHT = "#b1b4b6"
ORANGE = "#d4351c"
FONT = "GDS Transport, arial, sans-serif"
VALIDATE = False  # set True by the tests to check every spec against the Vega-Lite schema


def _config(chart: alt.TopLevelMixin, validate: bool) -> str:
    """The chart's spec without its description and rows, as JSON (see _finish)."""
    spec = chart.configure(font=FONT).configure_axis(
        labelFontSize=14, titleFontSize=14, labelColor="#0b0c0c", titleColor="#0b0c0c"
    ).configure_legend(labelFontSize=14, titleFontSize=14, orient="bottom").configure_view(stroke=None)
    # Validation against the Vega-Lite schema costs ~0.5 s per chart; the tests validate every kind of
    # chart once (tests/test_explorer_pages.py), so pages skip it.
    return json.dumps(spec.to_dict(validate=validate))


def _finish(skeleton: str, description: str, datasets: dict[str, list[dict]]) -> dict:
    # Altair takes 30 to 80 ms to build a spec, which depends only on the chart's shape (titles,
    # series, periods): the shapes are built once per process (lru_cache) and each page fills in
    # its own description and rows. Rows are attached after Altair has built the spec, as Altair
    # deep-copies inline values on every step.
    out = json.loads(skeleton)
    out["description"] = description
    out["datasets"] = datasets
    return out


def _value_tip(title: str, places: int | None) -> alt.Tooltip:
    # At the metric's published precision: a tooltip must not show a file's floating-point noise.
    if places is None:
        return alt.Tooltip("value:Q", title=title)
    return alt.Tooltip("value:Q", title=title, format=d3_format(places))


def _value_axis(places: int | None) -> alt.Axis | alt.UndefinedType:
    return alt.Axis(format=d3_format(places)) if places is not None else alt.Undefined


def to_attribute(spec: dict) -> str:
    """The spec as compact JSON for a data-vega-spec attribute (Jinja escapes it on output)."""
    return json.dumps(spec, separators=(",", ":"), ensure_ascii=False)


def distribution(rows: Sequence[dict], value_title: str, medians: Sequence[dict], highlight: str | None,
                 description: str, places: int | None = None) -> dict:
    """Every council's value in one period, ranked, with the England median(s) as rules.

    rows: {"label", "code", "value"}; medians: {"label", "value"}."""
    data = [{"council": r["label"], "code": r["code"], "value": r["value"],
             "focus": "Chosen council" if r["code"] == highlight else "Other councils"} for r in rows]
    return _finish(_distribution_shape(value_title, bool(medians), bool(highlight), places, VALIDATE), description,
                   {"values": data, "medians": [{"median": m["label"], "value": m["value"]} for m in medians]})


@functools.lru_cache(maxsize=512)
def _distribution_shape(value_title: str, with_medians: bool, with_legend: bool, places: int | None,
                        validate: bool) -> str:
    base = alt.Chart(alt.Data(name="values"))
    bars = base.mark_bar().encode(
        x=alt.X("council:N", sort=alt.EncodingSortField(field="value", order="descending"),
                axis=alt.Axis(labels=False, ticks=False, title="Councils, highest value first")),
        y=alt.Y("value:Q", title=value_title, axis=_value_axis(places)),
        color=alt.Color("focus:N", title=None,
                        scale=alt.Scale(domain=["Chosen council", "Other councils"], range=[BLUE, LIGHT]),
                        legend=alt.Legend(title=None) if with_legend else None),
        tooltip=[alt.Tooltip("council:N", title="Council"), _value_tip(value_title, places)],
    )
    layers: list[alt.Chart] = [bars]
    if with_medians:
        rule_data = alt.Data(name="medians")
        rule = alt.Chart(rule_data).mark_rule(color=ORANGE, strokeWidth=2, strokeDash=[6, 3]).encode(
            y="value:Q", tooltip=[alt.Tooltip("median:N", title="Median"),
                                  _value_tip(value_title, places)])
        text = alt.Chart(rule_data).mark_text(align="left", dx=4, dy=-6, color="#0b0c0c", fontSize=14).encode(
            y="value:Q", x=alt.value(0), text="median:N")
        layers += [rule, text]
    return _config(alt.layer(*layers).properties(width="container", height=280), validate)


def series(points: Sequence[dict], periods: Sequence[str], value_title: str, focus: str | None,
           description: str, places: int | None = None) -> dict:
    """Values over time, one line per series; `focus` (a series name) drawn in blue and thicker.

    points: {"series", "period", "value"}."""
    names = tuple(dict.fromkeys(p["series"] for p in points))
    data = [dict(p, width=3 if p["series"] == focus else 1.5) for p in points]
    return _finish(_series_shape(names, tuple(periods), value_title, focus, places, VALIDATE), description,
                   {"values": data})


@functools.lru_cache(maxsize=512)
def _series_shape(names: tuple[str, ...], periods: tuple[str, ...], value_title: str, focus: str | None,
                  places: int | None, validate: bool) -> str:
    colours = []
    for name in names:
        if name == focus:
            colours.append(BLUE)
        elif "median" in name.lower() or name == "England":
            colours.append(ORANGE)
        else:
            colours.append(GREY if len(names) <= 4 else LIGHT)
    base = alt.Chart(alt.Data(name="values")).encode(
        x=alt.X("period:O", sort=list(periods), title="Period", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False), axis=_value_axis(places)),
        color=alt.Color("series:N", sort=list(names), scale=alt.Scale(domain=list(names), range=colours),
                        legend=alt.Legend(title=None, columns=3) if len(names) <= 6 else None),
        detail="series:N",
    )
    lines = base.mark_line().encode(strokeWidth=alt.StrokeWidth("width:Q", legend=None, scale=None))
    dots = base.mark_point(filled=True, size=50).encode(
        tooltip=[alt.Tooltip("series:N", title="Series"), alt.Tooltip("period:O", title="Period"),
                 _value_tip(value_title, places)])
    return _config(alt.layer(lines, dots).properties(width="container", height=300), validate)
