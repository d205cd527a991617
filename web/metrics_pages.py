"""The data explorer: the metric list, observation and area pages, and the template globals the
home and dataset pages use. A metric's page is web/metric_page.py, its versions
web/metric_versions.py, search web/search_pages.py.

Compare pages, the council and combined-authority sections and the combined-authority comparison
live in web/explorer_compare.py; sitemap and VoID in web/explorer_ld.py. Their blueprints are
nested in this one, which web/__init__.py registers.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request

from core.queries import iri, select
from core.uris import Uris
from web.current import get_store, settings
from web.explorer_compare import bp as compare_bp
from web.explorer_data import medians, observations
from web.explorer_ld import bp as ld_bp
from web.linked_data import alternates, html_view
from web.metric_lookup import CODE, GROUP_LABELS, PERIOD, cat, metric_or_404, metric_texts
from web.outputs import INTEGER, TEXT, Rows, table
from web.structured_data import schema_org_json

bp = Blueprint("metrics_pages", __name__)
# The compare pages and the linked-data sitemap and VoID are nested under this blueprint.
bp.register_blueprint(compare_bp)
bp.register_blueprint(ld_bp)

GSS = re.compile(r"^E\d{8}$")




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

