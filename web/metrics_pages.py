"""The data explorer: metric list and metric pages, observation and area pages, search.

Compare pages, the council and combined-authority sections and the combined-authority comparison
live in web/explorer_compare.py; sitemap and VoID in web/explorer_ld.py. Their blueprints are
nested in this one, which web/__init__.py registers.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, render_template, request

from core import periods
from core.queries import construct, iri, select
from core.uris import PREFIXES, Uris
from web import charts
from web.conneg import BY_SUFFIX, FORMATS, negotiate, rdf_response
from web.current import get_store, settings
from web.explorer_compare import bp as compare_bp
from web.explorer_data import Metric, medians, observations, rank_text, sort_periods
from web.explorer_ld import bp as ld_bp
from web.learn_from import for_metric as learn_from_for_metric
from web.linked_data import alternates, html_view
from web.maps import choropleths
from web.metric_lookup import CODE, GROUP_LABELS, cat, metric_or_404, metric_texts
from web.outputs import INTEGER, MAYBE_TEXT, NUMBER, TEXT, Rows, table
from web.per_build import memo_per_build
from web.structured_data import schema_org_json

bp = Blueprint("metrics_pages", __name__)
# The compare pages and the linked-data sitemap and VoID are nested under this blueprint.
bp.register_blueprint(compare_bp)
bp.register_blueprint(ld_bp)

GSS = re.compile(r"^E\d{8}$")
PERIOD = re.compile(periods.PATTERN)
MAX_Q = 100




# ---------------------------------------------------------------------------------------------
# /metrics


def _metric_rows() -> list[dict[str, object]]:
    return [{"slug": m.slug, "label": m.label, "service_area": m.service_area_label, "unit": m.unit_text,
             "polarity": m.polarity_label, "latest_period": m.latest_period, "periods": " ".join(m.periods),
             "tiers": " ".join(sorted(m.tiers)), "version": m.version, "observations": m.observation_count,
             "uri": m.uri, "page": f"/doc/metric/{m.slug}"}
            for _, _, ms in cat().metrics_by_area() for m in ms]


@bp.route("/metrics")
def metrics_list():
    area = request.args.get("area", "")
    groups = cat().metrics_by_area()
    if area and area in {k for k, _, _ in groups}:
        groups = [g for g in groups if g[0] == area]
    return render_template("metrics.html", title="Metrics", groups=groups, area=area,
                           all_areas=cat().metrics_by_area(),
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Metrics"}])


@table(bp, "/metrics", summary="Metrics", description="Every metric with its unit, polarity and periods.",
       columns={"slug": TEXT, "label": TEXT, "service_area": TEXT, "unit": TEXT, "polarity": TEXT,
                "latest_period": TEXT, "periods": TEXT, "tiers": TEXT, "version": TEXT, "observations": INTEGER,
                "uri": TEXT, "page": TEXT},
       params=("area",))
def metrics_table() -> Rows:
    return Rows(_metric_rows(), "metrics.csv")


# ---------------------------------------------------------------------------------------------
# Metric page


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
    absent = [r for r in rows if r not in present]
    present.sort(key=key, reverse=(order == "desc"))
    absent.sort(key=lambda r: str(r["label"]).casefold())
    return present + absent


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
        "metric.html", title=m.label, m=m, texts=texts, sources=sources, period=period, rows=rows,
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


# ---------------------------------------------------------------------------------------------
# Metric versions: described from the metric's own facts (its version number and change notes)


def _version_triples(m: Metric, n: int) -> list:
    uris = Uris(settings().base_uri)
    v = ox.NamedNode(uris.metric_version(m.slug, n))
    metric = ox.NamedNode(m.uri)
    dct = "http://purl.org/dc/terms/"
    dcat = "http://www.w3.org/ns/dcat#"
    skos = "http://www.w3.org/2004/02/skos/core#"
    rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    triples = [
        ox.Triple(v, ox.NamedNode(rdfs + "label"), ox.Literal(f"{m.label}, version {n}", language="en")),
        ox.Triple(v, ox.NamedNode(dct + "isVersionOf"), metric),
        ox.Triple(metric, ox.NamedNode(dct + "hasVersion"), v),
        ox.Triple(v, ox.NamedNode(dcat + "version"), ox.Literal(str(n))),
    ]
    texts = metric_texts(m)
    for note in texts.get("change", []):
        if note.startswith(f"Version {n} "):
            triples.append(ox.Triple(v, ox.NamedNode(skos + "changeNote"), ox.Literal(note, language="en")))
    if str(n) == m.version:
        # The current version is the definition the metric states now.
        triples.append(ox.Triple(v, ox.NamedNode(skos + "definition"), ox.Literal(m.definition, language="en")))
        for text in texts.get("methodology", []):
            triples.append(ox.Triple(v, ox.NamedNode("https://w3id.org/lacat/def#methodology"),
                                     ox.Literal(text, language="en")))
        for text in texts.get("caveat", []):
            triples.append(ox.Triple(v, ox.NamedNode("https://w3id.org/lacat/def#caveat"),
                                     ox.Literal(text, language="en")))
    if n > 1:
        triples.append(ox.Triple(v, ox.NamedNode(dcat + "previousVersion"),
                                 ox.NamedNode(uris.metric_version(m.slug, n - 1))))
    # The immutable published version as the store records it (graph/metric-history, web/history.py):
    # the definition, method and caveats of that version, even when it is not the current one.

    seen = set(triples)
    triples.extend(t for t in construct(get_store(), "describe", resource=iri(v.value)) if t not in seen)
    return triples


def _version_number(m: Metric, text: str) -> int:
    if not text.isdigit() or not m.version.isdigit() or not 1 <= int(text) <= int(m.version):
        abort(404)
    return int(text)


@bp.route("/doc/metric/<slug>/version/<ident>")
def metric_version_document(slug: str, ident: str):
    """A metric version in every format: the store records the metric's version number and change
    notes, and each version's description is derived from those facts."""
    m = metric_or_404(slug)
    stem, dot, suffix = ident.partition(".")
    fmt = BY_SUFFIX.get(suffix) if dot else negotiate(request.accept_mimetypes)
    if fmt is None:
        return Response("Not Acceptable\n", status=406, mimetype="text/plain")
    n = _version_number(m, stem)
    if fmt.rdf is None:
        response = Response(metric_version_page(m, stem), mimetype="text/html")
    else:
        response = rdf_response(_version_triples(m, n), fmt, PREFIXES)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = ", ".join(
        f'</doc/metric/{m.slug}/version/{n}.{f.suffix}>; rel="alternate"; type="{f.media_type}"'
        for f in FORMATS if f.rdf)
    return response


def metric_version_page(m: Metric, text: str) -> str:
    n = _version_number(m, text)
    texts = metric_texts(m)
    notes = [t for t in texts.get("change", []) if t.startswith(f"Version {n} ")]
    return render_template(
        "metric-version.html", title=f"{m.label}, version {n}", m=m, n=n, notes=notes,
        current=str(n) == m.version, texts=texts,
        alternates=[{"href": f"/doc/metric/{m.slug}/version/{n}.{f.suffix}", "type": f.media_type}
                    for f in FORMATS if f.rdf],
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Metrics", "href": "/metrics"},
                     {"text": m.label, "href": f"/doc/metric/{m.slug}"}, {"text": f"Version {n}"}])


# ---------------------------------------------------------------------------------------------
# Observation and area pages


@html_view("observation")
def observation_view(rest: str):
    parts = rest.split("/")
    if len(parts) != 3 or not PERIOD.match(parts[2]):
        abort(404)
    slug, code, period = parts
    m = metric_or_404(slug)
    c = cat()
    if GSS.match(code):
        area_label = "England" if code == "E92000001" else code
        area_href = f"/doc/area/{code}"
        authority = None
    else:
        authority = c.authorities.get(code) if CODE.match(code) else None
        if authority is None:
            abort(404)
        area_label, area_href = authority.label, f"/doc/authority/{code}"
    uri = c.uris.observation(slug, code, period)
    found = observations(get_store(), [uri]).get(uri)
    if found is None:
        abort(404)
    median = medians(get_store(), [found.median]).get(found.median) if found.median else None
    return render_template(
        "observation.html", title=f"{m.label}: {area_label}, {period}", m=m, o=found, period=period,
        area_label=area_label, area_href=area_href, authority=authority, median=median, uri=uri,
        texts=metric_texts(m), group_labels=GROUP_LABELS,
        alternates=alternates(f"observation/{rest}"),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Metrics", "href": "/metrics"},
                     {"text": m.label, "href": f"/doc/metric/{m.slug}"}, {"text": f"{area_label}, {period}"}])


@html_view("area")
def area_view(rest: str):
    if not GSS.match(rest):
        abort(404)
    c = cat()
    uri = c.uris.area(rest)
    rows = select(get_store(), "explorer-area", area=iri(uri))
    if not rows:
        abort(404)
    label = str(rows[0]["label"])
    types = {str(r["type"]).rsplit("#", 1)[-1] for r in rows if r.get("type")}
    councils = sorted((a for a in c.authorities.values() if a.region == uri and a.current), key=lambda a: a.label)
    regions = []
    if rest == "E92000001":
        regions = select(get_store(), "regions")
    england_metrics = [m for m in c.metrics.values() if rest == "E92000001"]
    return render_template(
        "area.html", title=label, label=label, gss=rest, uri=uri, types=types, councils=councils,
        regions=regions, metrics=england_metrics, alternates=alternates(f"area/{rest}"),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": label}])


NEIGHBOUR_METHODS = ("upper-tier", "lower-tier", "ons-upper-tier", "ons-lower-tier")


@html_view("similarity-method")
def similarity_method_view(rest: str):
    """The catalogue's own methods are explained on the about page and ONS's on the similar-authorities
    page; their RDF is the data."""
    if rest not in NEIGHBOUR_METHODS:
        abort(404)
    return redirect("/similar-authorities#ons" if rest.startswith("ons-") else "/about#similar", code=303)


@html_view("neighbour")
def neighbour_view(rest: str):
    """A neighbour record ({method}/{code}/{rank}) is shown on its council's page."""
    parts = rest.split("/")
    if len(parts) != 3 or parts[0] not in NEIGHBOUR_METHODS or not CODE.match(parts[1]) \
            or not parts[2].isdigit():
        abort(404)
    return redirect(f"/doc/authority/{parts[1]}#metrics", code=303)


# ---------------------------------------------------------------------------------------------
# Search: councils and metrics by name


def search_results(q: str, limit: int | None = None) -> list[dict[str, str]]:
    """Councils (current first) and metrics whose name contains every word of q."""
    words = q.casefold().split()
    if not words:
        return []
    c = cat()
    out: list[tuple[tuple, dict[str, str]]] = []
    for a in c.authorities.values():
        hay = f"{a.label} {a.code} {a.gss}".casefold()
        if all(w in hay for w in words):
            starts = a.label.casefold().startswith(words[0])
            out.append(((0, not a.current, not starts, a.label.casefold()),
                        {"kind": "council", "label": a.label, "code": a.code,
                         "detail": a.type_label + ("" if a.current else f", abolished {a.until}"),
                         "href": f"/doc/authority/{a.code}"}))
    for m in c.metrics.values():
        hay = f"{m.label} {m.short_label} {m.slug} {m.service_area_label} {m.definition}".casefold()
        if all(w in hay for w in words):
            starts = m.label.casefold().startswith(words[0])
            out.append(((1, False, not starts, m.label.casefold()),
                        {"kind": "metric", "label": m.label, "code": m.slug,
                         "detail": f"Metric, {m.service_area_label}", "href": f"/doc/metric/{m.slug}"}))
    out.sort(key=lambda t: t[0])
    results = [r for _, r in out]
    return results[:limit] if limit else results


@bp.route("/search")
def search():
    q = request.args.get("q", "")[:MAX_Q].strip()
    results = search_results(q) if q else []
    return render_template("metric-search.html", title="Search" if not q else f"Search: {q}", q=q,
                           councils=[r for r in results if r["kind"] == "council"],
                           metrics=[r for r in results if r["kind"] == "metric"],
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Search"}])


@table(bp, "/search", summary="Find councils and metrics by name", description="Councils first, then metrics.",
       columns={"kind": {"type": "string", "enum": ["council", "metric"]}, "label": TEXT, "code": TEXT,
                "detail": TEXT, "href": TEXT},
       params=("q",), cache_control="public, max-age=300")
def search_table() -> Rows:
    q = request.args.get("q", "")[:MAX_Q].strip()
    return Rows(search_results(q) if q else [], "search.csv")


@bp.app_template_global()
def schema_org_dataset(d: dict, uri: str) -> str:
    """schema.org Dataset JSON for a dataset page, from the facts the page already shows."""
    base = settings().base_uri
    obj: dict[str, object] = {
        "@context": "https://schema.org/", "@type": "Dataset", "@id": uri, "identifier": uri,
        "name": d.get("title"), "description": d.get("description") or d.get("title"),
        "url": Uris(base).page_url(uri),
        "isAccessibleForFree": True,
    }
    if d.get("licence"):
        obj["license"] = d["licence"]
    if d.get("publisherName"):
        obj["publisher"] = {"@type": "Organization", "name": d["publisherName"]}
    if d.get("creatorName"):
        obj["creator"] = {"@type": "Organization", "name": d["creatorName"]}
    if d.get("start") and d.get("end"):
        obj["temporalCoverage"] = f"{d['start']}/{d['end']}"
    if d.get("landingPage"):
        obj["sameAs"] = d["landingPage"]
    obj["spatialCoverage"] = {"@type": "Place", "name": "England"}
    return schema_org_json(obj)


@bp.app_template_global()
def explorer_home() -> dict[str, object]:
    """Service areas and their metrics, for browsing from the home page."""
    return {"areas": cat().metrics_by_area()}

