"""The similar-authorities page: the two ways the catalogue finds similar councils (its own open
method and ONS's statistical nearest neighbours) and how far they agree, as computed at build time."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template

from core.queries import select
from core.store import Store
from web.current import get_store
from web.linked_data import html_view
from web.outputs import INTEGER, NUMBER, TEXT, Rows, table
from web.per_build import per_build

bp = Blueprint("similar_pages", __name__)

TIERS = {"lower-tier": "Lower-tier councils", "upper-tier": "Upper-tier councils"}


def agreements(store: Store) -> list[dict[str, object]]:
    """One row per tier, read once per build."""
    def compute() -> list[dict[str, object]]:
        rows: dict[str, dict[str, object]] = {}
        for r in select(store, "similar-agreement"):
            tier = str(r["agreement"]).rsplit("/", 1)[-1]
            row = rows.setdefault(tier, {
                "tier": tier, "tier_label": TIERS.get(tier, tier), "councils_compared": int(r["count"]),  # type: ignore[call-overload]
                "neighbours": int(r["neighbourCount"]), "mean_shared_neighbours": float(r["meanShared"]),  # type: ignore[call-overload,arg-type]
                "mean_overlap": float(r["meanOverlap"]), "fewest_shared": int(r["minShared"]),  # type: ignore[arg-type,call-overload]
                "most_shared": int(r["maxShared"]), "agreement": str(r["agreement"])})  # type: ignore[call-overload]
            kind = "ons_method" if str(r["method"]).rsplit("/", 1)[-1].startswith("ons-") else "own_method"
            row[kind] = str(r["method"])
            row[kind + "_label"] = str(r["methodLabel"])
        return [rows[t] for t in sorted(rows, key=lambda t: list(TIERS).index(t) if t in TIERS else 99)]

    return per_build("similar-agreement", store, compute)


@bp.route("/similar-authorities")
def similar_authorities():
    return render_template("similar-authorities.html", title="Similar councils", rows=agreements(get_store()),
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Similar councils"}])


@table(bp, "/similar-authorities",
       summary="How far the catalogue's similar councils agree with ONS's nearest neighbours",
       description="Per tier, over the councils both methods list: the mean number and share of their 15 similar "
                   "councils that both name, and the fewest and most, computed at build time.",
       columns={"tier": TEXT, "own_method": TEXT, "ons_method": TEXT, "councils_compared": INTEGER,
                "neighbours": INTEGER, "mean_shared_neighbours": NUMBER, "mean_overlap": NUMBER,
                "fewest_shared": INTEGER, "most_shared": INTEGER, "agreement": TEXT})
def similar_authorities_table() -> Rows:
    return Rows(agreements(get_store()), "similar-authorities-agreement.csv")


@html_view("similarity-agreement")
def agreement_view(rest: str):
    """An agreement's figures are a row of the similar-authorities page; its RDF is the data."""
    if rest not in TIERS:
        abort(404)
    return redirect(f"/similar-authorities#agreement-{rest}", code=303)
