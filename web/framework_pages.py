"""Outcome framework pages: /frameworks, one page per edition and per outcome, and the changes
between two editions, each with a JSON and CSV twin (the RDF formats come from web.linked_data).

Every metric row says whether this catalogue has figures for it and links to the metric's page
when it does; the answer is read from the live build (web/framework_data.py), so it follows
whatever metrics the build loaded.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, redirect, render_template, request

from core.uris import Uris
from web.current import get_store, settings
from web.framework_data import FEdition, FMetric, Frameworks, diff, frameworks
from web.linked_data import alternates, html_view
from web.outputs import BOOLEAN, INTEGER, MAYBE_INTEGER, MAYBE_TEXT, TEXT, Rows, table

bp = Blueprint("framework_pages", __name__)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,100}$")
NUMBER = re.compile(r"^[1-9][0-9]{0,2}$")

EDITION_COLUMNS = {"framework": TEXT, "edition": TEXT, "title": TEXT, "version": TEXT, "issued": TEXT,
                   "status": TEXT, "outcomes_listed": INTEGER, "outcomes_stated": MAYBE_INTEGER,
                   "metrics_listed": INTEGER, "metrics_stated": MAYBE_INTEGER, "metrics_with_figures": INTEGER,
                   "previous_version": MAYBE_TEXT, "uri": TEXT, "page": TEXT}
METRIC_COLUMNS = {"edition": TEXT, "outcomes": TEXT, "key": TEXT, "label": TEXT, "label_complete": BOOLEAN,
                  "type": TEXT, "availability": MAYBE_TEXT, "source_organisation": TEXT, "esd_metric_types": TEXT,
                  "catalogue_metric": MAYBE_TEXT, "has_figures": BOOLEAN, "observations": INTEGER,
                  "metric_page": MAYBE_TEXT, "uri": TEXT}
DIFF_COLUMNS = {"what": TEXT, "key": TEXT, "label": MAYBE_TEXT, "change": TEXT, "detail": MAYBE_TEXT}


def model() -> Frameworks:
    return frameworks(get_store(), Uris(settings().base_uri))


def edition_or_404(slug: str) -> FEdition:
    e = model().editions.get(slug) if SLUG.match(slug) else None
    if e is None:
        abort(404)
    return e


def edition_rows() -> list[dict[str, object]]:
    return [{"framework": e.framework_slug, "edition": e.slug, "title": e.title, "version": e.version,
             "issued": e.issued, "status": e.status, "outcomes_listed": len(e.outcomes),
             "outcomes_stated": e.stated_outcomes, "metrics_listed": len(e.metrics),
             "metrics_stated": e.stated_metrics, "metrics_with_figures": e.with_figures,
             "previous_version": e.previous or None, "uri": e.uri, "page": f"/doc/framework-edition/{e.slug}"}
            for _, _, es in model().by_framework() for e in es]


def metric_rows(e: FEdition, metrics: list[FMetric]) -> list[dict[str, object]]:
    return [{"edition": e.slug, "outcomes": " ".join(str(n) for n in m.outcomes), "key": m.key, "label": m.label,
             "label_complete": m.label_complete, "type": m.type or "unknown", "availability": m.availability,
             "source_organisation": m.organisation_code or "unknown", "esd_metric_types": " ".join(m.esd_types),
             "catalogue_metric": " ".join(c.slug for c in m.catalogue) or None, "has_figures": m.has_figures,
             "observations": m.observations,
             "metric_page": " ".join(f"/doc/metric/{c.slug}" for c in m.with_figures) or None, "uri": m.uri}
            for m in metrics]


@bp.app_template_global("framework_metrics_of")
def framework_metrics_of(slug: str) -> list[tuple[FEdition, FMetric]]:
    """The framework metrics a catalogue metric carries the figures of, newest edition first, for
    the metric page (a template global, so the metric pages need not know about frameworks)."""
    found = [(e, m) for e in model().editions.values() for m in e.metrics if slug in {c.slug for c in m.catalogue}]
    return sorted(found, key=lambda em: em[0].issued, reverse=True)


CRUMBS = [{"text": "Home", "href": "/"}, {"text": "Outcome frameworks", "href": "/frameworks"}]


@bp.route("/frameworks")
def frameworks_list():
    return render_template("frameworks.html", title="Outcome frameworks", groups=model().by_framework(),
                           breadcrumbs=[CRUMBS[0], {"text": "Outcome frameworks"}])


@table(bp, "/frameworks", summary="Outcome framework editions",
       description="Every edition of every outcome framework, with how many of its metrics have figures here.",
       columns=EDITION_COLUMNS)
def frameworks_table() -> Rows:
    return Rows(edition_rows(), "frameworks.csv")


@html_view("framework")
def framework_view(rest: str):
    """A framework (the series of its editions) is shown on the list, at its own heading."""
    if not SLUG.match(rest) or not any(e.framework_slug == rest for e in model().editions.values()):
        abort(404)
    return redirect(f"/frameworks#framework-{rest}", code=303)


@html_view("framework-edition")
def edition_view(rest: str):
    parts = rest.split("/")
    e = edition_or_404(parts[0])
    if len(parts) == 1:
        return edition_page(e)
    if len(parts) == 3 and parts[1] == "outcome" and NUMBER.match(parts[2]):
        return outcome_page(e, int(parts[2]))
    if len(parts) == 3 and parts[1] == "metric":
        m = next((m for m in e.metrics if m.key == parts[2]), None)
        if m is None:
            abort(404)
        where = f"/outcome/{m.outcomes[0]}" if m.outcomes else ""
        return redirect(f"/doc/framework-edition/{e.slug}{where}#metric-{m.key}", code=303)
    abort(404)


def edition_page(e: FEdition):
    editions = model().editions
    return render_template(
        "framework-edition.html", title=e.title, e=e, previous=editions.get(e.previous),
        later=editions.get(e.next), alternates=alternates(f"framework-edition/{e.slug}"),
        breadcrumbs=[*CRUMBS, {"text": e.title}])


def outcome_page(e: FEdition, number: int):
    o = e.outcome(number)
    if o is None:
        abort(404)
    return render_template(
        "framework-outcome.html", title=f"{o.label}: {e.title}", e=e, o=o,
        alternates=alternates(f"framework-edition/{e.slug}/outcome/{number}"),
        breadcrumbs=[*CRUMBS, {"text": e.title, "href": f"/doc/framework-edition/{e.slug}"}, {"text": o.label}])


@table(bp, "/doc/framework-edition/<edition>/metrics", summary="The metrics of a framework edition",
       description="Every metric the edition lists, whether this catalogue has figures for it, and where.",
       columns=METRIC_COLUMNS)
def edition_metrics_table(edition: str) -> Rows:
    e = edition_or_404(edition)
    return Rows(metric_rows(e, e.metrics), f"{e.slug}-metrics.csv")


@table(bp, "/doc/framework-edition/<edition>/outcome/<number>/metrics",
       summary="The metrics of one outcome of a framework edition",
       description="The metrics the edition lists under one outcome, whether this catalogue has figures for them.",
       columns=METRIC_COLUMNS)
def outcome_metrics_table(edition: str, number: str) -> Rows:
    e = edition_or_404(edition)
    o = e.outcome(int(number)) if NUMBER.match(number) else None
    if o is None:
        abort(404)
    return Rows(metric_rows(e, o.metrics), f"{e.slug}-outcome-{o.number}-metrics.csv")


def _pair() -> tuple[FEdition, FEdition]:
    a, b = edition_or_404(request.args.get("from", "")), edition_or_404(request.args.get("to", ""))
    if a.framework_slug != b.framework_slug or a.slug == b.slug:
        abort(404)
    return a, b


@bp.route("/frameworks/diff")
def diff_page():
    a, b = _pair()
    changes = diff(a, b)
    counts = {k: sum(c.kind == k for c in changes) for k in ("added", "removed", "changed", "unchanged", "unknown")}
    return render_template(
        "framework-diff.html", title=f"Changes from {a.title} to {b.title}", a=a, b=b, changes=changes,
        counts=counts, breadcrumbs=[*CRUMBS, {"text": b.title, "href": f"/doc/framework-edition/{b.slug}"},
                                    {"text": "Changes"}])


@table(bp, "/frameworks/diff", summary="Changes between two editions of a framework",
       description="Each outcome and metric added, removed, changed or unchanged from one edition to a later one.",
       columns=DIFF_COLUMNS, params=("from", "to"))
def diff_table() -> Rows:
    a, b = _pair()
    return Rows([{"what": c.what, "key": c.key, "label": c.label, "change": c.kind, "detail": c.detail or None}
                 for c in diff(a, b)], f"{a.slug}-to-{b.slug}.csv")
