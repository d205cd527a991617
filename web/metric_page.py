"""A metric's page (/doc/metric/{slug}): every council's value in a period against the England
median, the distribution and time-series charts, sources and maps; and the values' JSON and CSV
twins. The page's versions are web/metric_versions.py."""

from __future__ import annotations

from flask import Blueprint, abort, get_template_attribute, redirect, render_template, request
from markupsafe import Markup

from core import periods
from core.queries import iri, select
from web import charts
from web.current import get_store, settings
from web.explorer_data import Metric, medians, observations, rank_text, sort_periods
from web.learn_from import for_metric as learn_from_for_metric
from web.linked_data import alternates, html_view
from web.maps import choropleths
from web.metric_lookup import CODE, GROUP_LABELS, PERIOD, cat, metric_or_404, metric_texts
from web.metric_versions import metric_version_page
from web.outputs import MAYBE_TEXT, NUMBER, TEXT, Rows, table
from web.per_build import lru_per_build, memo_per_build
from web.structured_data import schema_org_json

bp = Blueprint("metric_page", __name__)

SORTS = {"name": "Council", "value": "Value", "band": "Compared with the England median"}


def latest_values(m: Metric, period: str) -> tuple[list[dict[str, object]], dict]:
    """Every council's observation of `m` in `period`, and the period's England figures (read
    once per build; each caller gets its own copy of the rows to sort or mark)."""
    rows, context = memo_per_build("latest-values", get_store(), (m.slug, period), lambda: _latest_values(m, period))
    return [dict(r) for r in rows], context


def _latest_values(m: Metric, period: str) -> tuple[list[dict[str, object]], dict]:
    c = cat()
    store = get_store()
    candidates = c.candidates(m, period)
    uris = {c.obs_uri(m, a.code, period): a for a in candidates}
    england_uri = c.england_uri(m, period)
    found = observations(store, [*uris, england_uri])
    group_medians = medians(store, [c.median_uri(m, g, period) for g in sorted(m.groups)])
    rows = []
    for uri, a in uris.items():
        o = found.get(uri)
        if o is None:
            continue
        rows.append({"code": a.code, "label": a.label, "type": a.type_label, "type_code": a.type_code,
                     "value": o.value, "missing": o.missing,
                     "reason": o.reason, "band": o.band_label, "band_code": o.band, "mads": o.mads,
                     "status": o.status, "obs": uri, "current": a.current, "lower": o.lower, "upper": o.upper})
    england = found.get(england_uri)
    return rows, {"england": england, "medians": sorted(group_medians.values(), key=lambda x: x.group)}


def sort_rows(rows: list[dict[str, object]], sort: str, order: str) -> list[dict[str, object]]:
    def key(r: dict[str, object]):
        if sort == "value":
            return (r["value"] is None, r["value"] if r["value"] is not None else 0)
        if sort == "band":
            return (r["mads"] is None, r["mads"] if r["mads"] is not None else 0)
        return (False, str(r["label"]).casefold())

    present = [r for r in rows if (r["value"] if sort != "band" else r["mads"]) is not None or sort == "name"]
    # By identity: `r not in present` compared dicts field by field, quadratic in the councils.
    kept = {id(r) for r in present}
    absent = [r for r in rows if id(r) not in kept]
    present.sort(key=key, reverse=(order == "desc"))
    absent.sort(key=lambda r: str(r["label"]).casefold())
    return present + absent


RENDERED_TABLES = 64  # (metric, period) values tables kept rendered per process, about 150 KB each


def value_rows(m: Metric, period: str, rows: list[dict[str, object]], focus: str | None) -> list[Markup]:
    """The values table's rows of `rows` (sorted as the page shows them), `focus` highlighted.

    Each council's row is rendered once per build, metric and period (the most recent
    RENDERED_TABLES of them): the rows were most of the page's template work (every council,
    every cell), and nothing in them depends on the request but their order and which one is
    highlighted, which is rendered per request."""
    row = get_template_attribute("partials/metric-value-row.html", "value_row")
    rendered = lru_per_build("metric-value-rows", get_store(), (m.slug, period),
                             lambda: {str(r["code"]): row(r, m, False) for r in latest_values(m, period)[0]},
                             RENDERED_TABLES)
    return [row(r, m, True) if r["code"] == focus else rendered[str(r["code"])] for r in rows]


def _sources(m: Metric) -> list[dict[str, object]]:
    return memo_per_build("metric-sources", get_store(), m.slug, lambda: _read_sources(m))


def _read_sources(m: Metric) -> list[dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for r in select(get_store(), "explorer-metric-sources", metric=iri(m.uri)):
        s = out.setdefault(str(r["ds"]), {"uri": r["ds"], "title": r["title"], "publisher": r.get("publisherName"),
                                          "licence": r.get("licence"), "collections": []})
        if r.get("collection"):
            s["collections"].append({"uri": r["collection"], "ref": r["ref"], "title": r["collectionTitle"]})  # type: ignore[union-attr]
    return list(out.values())


def metric_schema_org(m: Metric, texts: dict[str, list[str]], sources: list[dict[str, object]]) -> dict:
    base = settings().base_uri
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": m.uri,
        "name": m.label,
        "description": m.definition + " " + " ".join(texts.get("caveat", [])),
        "url": base + f"doc/metric/{m.slug}",
        "identifier": m.uri,
        "version": m.version,
        "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "isAccessibleForFree": True,
        "keywords": [m.service_area_label, "local government", "England", m.short_label],
        "spatialCoverage": {"@type": "Place", "name": "England"},
        "temporalCoverage": f"{m.periods[0]}/{m.periods[-1]}" if m.periods else None,
        "variableMeasured": {"@type": "PropertyValue", "name": m.label, "unitText": m.unit_text},
        "isBasedOn": [str(s["uri"]) for s in sources],
        "creator": {"@type": "Organization", "name": "Local government performance catalogue"},
        "distribution": [
            {"@type": "DataDownload", "encodingFormat": "text/csv",
             "contentUrl": base + f"doc/metric/{m.slug}/values.csv"},
            {"@type": "DataDownload", "encodingFormat": "application/zip",
             "contentUrl": base + f"downloads/metric/{m.slug}.zip"},
        ],
    }


@html_view("metric")
def metric_view(rest: str):
    parts = rest.split("/")
    slug = parts[0]
    m = metric_or_404(slug)
    if len(parts) == 1:
        return metric_page(m)
    if len(parts) == 3 and parts[1] == "version":
        return metric_version_page(m, parts[2])
    if len(parts) == 2 and parts[1] in ("cube", "structure"):
        return redirect(f"/doc/metric/{slug}", code=303)
    if len(parts) == 4 and parts[1] == "median" and parts[2] in GROUP_LABELS and PERIOD.match(parts[3]):
        return redirect(f"/doc/metric/{slug}?period={parts[3]}#values", code=303)
    abort(404)


def _chosen_period(m: Metric) -> str:
    period = request.args.get("period", "")
    return period if period in m.periods else m.latest_period


def metric_page(m: Metric):
    c = cat()
    store = get_store()
    period = _chosen_period(m)
    sort = request.args.get("sort", "value")
    sort = sort if sort in SORTS else "value"
    order = request.args.get("order", "desc" if sort == "value" else "asc")
    order = order if order in ("asc", "desc") else "asc"
    code = request.args.get("council", "")
    chosen = c.authorities.get(code) if CODE.match(code) else None
    texts = metric_texts(m)
    sources = _sources(m)
    rows, context = latest_values(m, period)
    rows = sort_rows(rows, sort, order)
    with_value = [r for r in rows if r["value"] is not None]
    meds = context["medians"]
    value_title = m.unit_text
    median_marks = [{"label": f"England median ({GROUP_LABELS[md.group]})" if len(meds) > 1 else "England median",
                     "value": md.value} for md in meds]
    chosen_row = next((r for r in rows if chosen and r["code"] == chosen.code), None)
    summary = _distribution_summary(m, period, with_value, meds, chosen_row)
    dist_spec = charts.distribution(with_value, value_title, median_marks, chosen.code if chosen_row else None, summary,
                                    m.decimal_places)
    # Time series: England's own figures where the source has them, else the England median.
    series_points, series_rows, series_summary = _time_series(m, chosen)
    series_spec = charts.series(series_points, m.periods, value_title, chosen.label if chosen else None,
                                series_summary, m.decimal_places) if series_points else None
    council_options = sorted({(r["label"], r["code"]) for r in rows if r["value"] is not None})
    related = [c.metrics[s] for s in texts.get("related", []) if s in c.metrics]
    return render_template(
        "metric.html", title=m.label, m=m, texts=texts, sources=sources, period=period,
        value_rows=value_rows(m, period, rows, chosen.code if chosen else None),
        with_value=with_value, medians=meds, england=context["england"], sort=sort, order=order,
        chosen=chosen, chosen_row=chosen_row, summary=summary, dist_spec=charts.to_attribute(dist_spec),
        series_spec=charts.to_attribute(series_spec) if series_spec else None, series_rows=series_rows,
        series_summary=series_summary, council_options=council_options, related=related,
        group_labels=GROUP_LABELS, sorts=SORTS, store_version=store.info.version,
        schema_org=schema_org_json(metric_schema_org(m, texts, sources)),
        alternates=alternates(f"metric/{m.slug}"),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Metrics", "href": "/metrics"}, {"text": m.label}],
        learn_from=learn_from_for_metric(store, m.uri),
        maps=choropleths(store, c, m, period, rows, chosen.code if chosen else None),
    )


def _distribution_summary(m: Metric, period: str, rows: list[dict[str, object]], meds: list, chosen_row) -> str:
    if not rows:
        return f"No council has a value for {periods.label(period)}."
    med_text = "; ".join(f"England median of {GROUP_LABELS[md.group]} {m.format(md.value)}" for md in meds)
    if chosen_row is not None and chosen_row["value"] is not None:
        others = [float(r["value"]) for r in rows if r["code"] != chosen_row["code"]]  # type: ignore[arg-type]
        return (f"{chosen_row['label']}: {m.format(chosen_row['value'])} in {periods.label(period)}, {med_text}, "
                f"{rank_text(float(chosen_row['value']), others, m.polarity)} other councils.")  # type: ignore[arg-type]
    top = max(rows, key=lambda r: float(r["value"]))  # type: ignore[arg-type]
    bottom = min(rows, key=lambda r: float(r["value"]))  # type: ignore[arg-type]
    return (f"{len(rows)} councils have a value for {periods.label(period)}. {med_text}. Highest: {top['label']} "
            f"{m.format(top['value'])}; lowest: {bottom['label']} {m.format(bottom['value'])}.")


def _time_series(m: Metric, chosen) -> tuple[list[dict], list[dict], str]:
    """England's (or the median's) figures over time, and the chosen council's: once per build."""
    return memo_per_build("time-series", get_store(), (m.slug, chosen.code if chosen else None),
                          lambda: _read_time_series(m, chosen))


def _read_time_series(m: Metric, chosen) -> tuple[list[dict], list[dict], str]:
    c = cat()
    store = get_store()
    england_uris = {c.england_uri(m, p): p for p in m.periods}
    council_uris = {c.obs_uri(m, chosen.code, p): p for p in m.periods} if chosen else {}
    group = None
    if chosen is not None:
        group = m.group_of(chosen.type_code)
    group = group or (sorted(m.groups)[0] if m.groups else None)
    median_uris = {c.median_uri(m, group, p): p for p in m.periods} if group else {}
    found = observations(store, [*england_uris, *council_uris])
    meds = medians(store, median_uris)
    by_period: dict[str, dict[str, object]] = {p: {"period": p} for p in m.periods}
    points = []
    has_england = any(u in found and found[u].value is not None for u in england_uris)
    if has_england:
        for u, p in england_uris.items():
            if u in found and found[u].value is not None:
                points.append({"series": "England", "period": p, "value": found[u].value})
                by_period[p]["england"] = found[u].value
    for u, p in median_uris.items():
        if u in meds:
            name = f"England median ({GROUP_LABELS[group]})"  # type: ignore[index]
            if not has_england:
                points.append({"series": name, "period": p, "value": meds[u].value})
            by_period[p]["median"] = meds[u].value
    for u, p in council_uris.items():
        if u in found and found[u].value is not None:
            points.append({"series": chosen.label, "period": p, "value": found[u].value})
            by_period[p]["council"] = found[u].value
    rows = [by_period[p] for p in sort_periods(by_period)]
    first, last = (rows[0], rows[-1]) if rows else ({}, {})
    parts = []
    key = "england" if has_england else "median"
    name = "England" if has_england else f"The England median of {GROUP_LABELS.get(group or '', 'councils')}"
    if first.get(key) is not None and last.get(key) is not None:
        parts.append(f"{name}: {m.format(first[key])} in {first['period']}, {m.format(last[key])} in {last['period']}.")
    if chosen is not None:
        have = [r for r in rows if r.get("council") is not None]
        if have:
            parts.append(f"{chosen.label}: {m.format(have[0]['council'])} in {have[0]['period']}, "
                         f"{m.format(have[-1]['council'])} in {have[-1]['period']}.")
        else:
            parts.append(f"{chosen.label} has no values for this metric.")
    return points, rows, " ".join(parts)


@table(bp, "/doc/metric/<slug>/values", summary="A metric's values for one period",
       description="Every council's value with its band against the England median.",
       columns={"code": TEXT, "council": TEXT, "type": TEXT, "period": TEXT, "value": NUMBER, "unit": TEXT,
                "band": MAYBE_TEXT, "mads_from_median": NUMBER, "status": MAYBE_TEXT, "observation": TEXT},
       params=("period", "sort", "order"))
def metric_values_table(slug: str) -> Rows:
    m = metric_or_404(slug)
    period = _chosen_period(m)
    rows, _ = latest_values(m, period)
    sort = request.args.get("sort", "name")
    rows = sort_rows(rows, sort if sort in SORTS else "name", request.args.get("order", "asc"))
    return Rows([{"code": r["code"], "council": r["label"], "type": r["type"], "period": period, "value": r["value"],
                  "unit": m.unit_text, "band": r["band"] or None, "mads_from_median": r["mads"],
                  "status": "missing" if r["missing"] else (r["status"] or None), "observation": r["obs"]}
                 for r in rows], f"{m.slug}-{period}.csv")
