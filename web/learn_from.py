"""Whom to learn from (public): /learn-from/{metric}, and helpers that give the metric and
council pages what web/templates/partials/learn_from.html shows.

Include the partial with `learn_from` set to the value of `for_metric(...)` or
`for_authority(...)`:

    {% with learn_from = learn_from %}{% include "partials/learn_from.html" %}{% endwith %}
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, render_template

from catalogue.learn_from import CAVEAT, MIN_PEERS, THRESHOLD
from core.queries import iri, select
from core.store import Store
from core.uris import Uris, check_slug
from web.current import get_store, settings
from web.explorer_data import neighbours
from web.outputs import document
from web.per_build import per_build, rows_per_build

bp = Blueprint("learn_from", __name__)

KINDS = {
    "markedly-better": "Do markedly better than similar councils",
    "most-improved": "Improved markedly more than similar councils",
}


def _doc(uri: str) -> str:
    return Uris(settings().base_uri).page_path(uri)


@dataclass(frozen=True)
class Findings:
    """Every learn-from finding of the build, by metric and by (metric, council code)."""

    by_metric: dict[str, list[dict[str, Any]]]
    by_metric_code: dict[tuple[str, str], list[dict[str, Any]]]
    methods: dict[str, str]  # metric URI -> its similarity method URI


def findings(store: Store) -> Findings:
    """The build's findings (681 on the real catalogue), read in one query once per build: a
    council page looks its similar councils' findings up here instead of joining them per request."""
    return per_build("learn-from-findings", store, lambda: _read_findings(store))


def _read_findings(store: Store) -> Findings:
    by_metric: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_metric_code: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    methods: dict[str, str] = {}
    for r in rows_per_build(store, "learn-from-findings"):
        metric = str(r["metric"])
        by_metric[metric].append(r)
        by_metric_code[(metric, str(r["code"]))].append(r)
        if r.get("method"):
            methods[metric] = str(r["method"])
    return Findings(dict(by_metric), dict(by_metric_code), methods)


def for_metric(store: Store, metric_uri: str, caveats: list[str] | None = None) -> dict[str, Any]:
    """Partial data for a metric page: councils that do better than their similar councils."""
    rows = [{**r, "href": _doc(str(r["authority"])), "label": r["authorityLabel"]}
            for r in findings(store).by_metric.get(metric_uri, [])]
    return {"mode": "metric", "groups": _grouped(rows), "caveats": caveats or [], "caveat": CAVEAT,
            "threshold": THRESHOLD, "min_peers": MIN_PEERS}


def for_authority(store: Store, authority_uri: str, metric_uri: str | None = None) -> dict[str, Any]:
    """Partial data for a council page: councils like it that do better, per metric (or one metric).

    A council's similar authorities depend on the metric's similarity method, so each metric's
    findings are looked up among the council's neighbours under that method."""
    found = findings(store)
    near = neighbours(store, authority_uri)
    rows = []
    for metric, method in found.methods.items():
        if metric_uri and metric != metric_uri:
            continue
        for code, _ in near.get(method, []):
            for r in found.by_metric_code.get((metric, code), []):
                rows.append({**r, "authority": authority_uri, "peer": r["authority"], "peerCode": r["code"],
                             "peerLabel": r["authorityLabel"], "href": _doc(str(r["authority"])),
                             "label": r["authorityLabel"]})
    return {"mode": "authority", "groups": _grouped(rows), "caveats": [], "caveat": CAVEAT,
            "threshold": THRESHOLD, "min_peers": MIN_PEERS}


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = []
    for kind, heading in KINDS.items():
        items = sorted((r for r in rows if r["kind"] == kind),
                       key=lambda r: (r.get("metricLabel", ""), r["label"]))
        if items:
            groups.append({"kind": kind, "heading": heading, "rows": items})
    return groups


def _metric_findings(metric: str) -> tuple[str, list[dict[str, Any]], list[str], dict[str, Any]]:
    """The metric's URI, facts, caveats and findings; 404 for a metric with no findings page."""
    try:
        check_slug(metric, "metric")
    except ValueError:
        abort(404)
    store = get_store()
    metric_uri = Uris(settings().base_uri).metric(metric)
    info = select(store, "learn-from-metric-info", metric=iri(metric_uri))
    if not info:
        abort(404)
    caveats = sorted({r["caveat"] for r in info if r.get("caveat")})
    return metric_uri, info, caveats, for_metric(store, metric_uri, caveats)


FINDING_KEYS = ("finding", "kind", "authority", "code", "authorityLabel", "periodKey", "baselinePeriodKey", "value",
                "peerMedian", "peerMad", "peerCount", "mads", "detail")


@bp.route("/learn-from/<metric>")
def learn_from(metric: str):
    metric_uri, info, _, data = _metric_findings(metric)
    head = info[0]
    return render_template("learn_from.html", title=f"Whom to learn from: {head['label']}", metric=head,
                           metric_href=_doc(metric_uri), learn_from=data,
                           json_href=f"/learn-from/{metric}.json")


@document(bp, "/learn-from/<metric>", summary="Whom to learn from, for one metric",
          description="Councils that do markedly better, or improved markedly more, than their similar councils.")
def learn_from_document(metric: str) -> dict[str, Any]:
    metric_uri, _, caveats, data = _metric_findings(metric)
    return {"metric": metric_uri, "caveat": CAVEAT, "metricCaveats": caveats,
            "findings": [{k: r.get(k) for k in FINDING_KEYS} for g in data["groups"] for r in g["rows"]]}
