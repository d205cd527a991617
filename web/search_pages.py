"""Search (/search): councils and metrics by name, with its JSON and CSV twins."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from web.metric_lookup import cat
from web.outputs import TEXT, Rows, table

bp = Blueprint("search_pages", __name__)

MAX_Q = 100

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
