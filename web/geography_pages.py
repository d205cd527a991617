"""Council pages: the filterable list of authorities and one page per authority (or CA)."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, get_template_attribute, redirect, render_template, request
from markupsafe import Markup

from core.queries import iri, select
from core.store import Store
from web import structured_data
from web.current import get_store, settings
from web.explorer_compare import explorer_authority
from web.learn_from import for_authority
from web.linked_data import alternates, document, html_view
from web.per_build import grouped_per_build, lru_per_build, rows_per_build

bp = Blueprint("geography_pages", __name__)

GSS = re.compile(r"^[EWSN]\d{8}$")
CODE = re.compile(r"^[A-Z]{2,5}$")
MAX_QUERY_CHARS = 100


def _authority_uri(code: str) -> str:
    return settings().base_uri + "id/authority/" + code


def _by_gss(gss: str) -> str | None:
    rows = select(get_store(), "authority-by-gss", gss=gss)
    return str(rows[0]["code"]) if rows else None


@bp.route("/doc/authority/<string:ident>")
def authority_document(ident: str):
    """A GSS code (current or former, any format suffix) redirects to the authority's own page."""
    stem, dot, suffix = ident.partition(".")
    if GSS.match(stem):
        code = _by_gss(stem)
        if code is None:
            abort(404)
        return redirect(f"/doc/authority/{code}{dot}{suffix}", code=301)
    return document("authority/" + ident)


def _is_current(row: dict[str, object], today: date) -> bool:
    until = row.get("until")
    return not until or str(until) >= today.isoformat()


@bp.route("/authorities")
def authorities():
    store = get_store()
    types = rows_per_build(store, "authority-types")
    regions = rows_per_build(store, "regions")
    chosen_type = request.args.get("type", "")
    chosen_region = request.args.get("region", "")
    status = request.args.get("status", "current")
    q = request.args.get("q", "")[:MAX_QUERY_CHARS].strip()
    if chosen_type and chosen_type not in {t["code"] for t in types}:
        chosen_type = ""
    if chosen_region and chosen_region not in {r["gss"] for r in regions}:
        chosen_region = ""
    if status not in ("current", "past", "all"):
        status = "current"
    today = date.today()
    rows = []
    for row in rows_per_build(store, "authority-list"):
        if chosen_type and row["typeCode"] != chosen_type:
            continue
        if chosen_region and not str(row.get("region", "")).endswith("/" + chosen_region):
            continue
        current = _is_current(row, today)
        if (status == "current" and not current) or (status == "past" and current):
            continue
        if q:
            needle = q.lower()
            if needle not in str(row["label"]).lower() and needle != str(row.get("gss", "")).lower() \
                    and needle != str(row["code"]).lower():
                continue
        rows.append({**row, "current": current})
    return render_template(
        "authority-list.html", title="Councils", rows=rows, rendered=_list_rows(store, today),
        types=[(t["code"], t["label"]) for t in types],
        regions=[(r["gss"], r["label"]) for r in regions],
        chosen_type=chosen_type, chosen_region=chosen_region, status=status, q=q,
    )


def _list_rows(store: Store, today: date) -> dict[str, Markup]:
    """Each council's row of the councils list, rendered once per build and day (whether it is
    current depends on the day): a request only picks the rows its filters keep."""
    def render() -> dict[str, Markup]:
        row = get_template_attribute("partials/authority-list-row.html", "council_row")
        return {str(r["code"]): row({**r, "current": _is_current(r, today)})
                for r in rows_per_build(store, "authority-list")}

    return lru_per_build("authority-list-rows", store, today.isoformat(), render, 2)


# Ofsted's judgement areas in the order its tables give them.
_JUDGEMENT_ORDER = ("overall-effectiveness", "impact-of-leaders", "help-and-protection", "children-in-care",
                    "care-leavers")


def latest_inspection(rows: list[dict[str, object]]) -> dict[str, object] | None:
    """The council's latest Ofsted judgements of children's services (rows newest first), as words."""
    if not rows:
        return None
    latest = str(rows[0]["asAt"])
    mine = [r for r in rows if str(r["asAt"]) == latest]
    mine.sort(key=lambda r: _JUDGEMENT_ORDER.index(str(r["area"])) if str(r["area"]) in _JUDGEMENT_ORDER else 99)
    return {"as_at": latest, "published": str(mine[0]["published"]), "framework": str(mine[0]["framework"]),
            "uri": str(mine[0]["inspection"]), "judgements": [(str(r["areaLabel"]), str(r["gradeLabel"])) for r in mine]}


RENDERED_SECTIONS = 128  # councils' sections kept rendered per process, 100 to 250 KB each


def _explorer_section(store: Store, code: str, uri: str, a: dict[str, object], today: date) -> Markup:
    """The council's metrics and learn-from sections, rendered once per build, council and day (the
    most recent RENDERED_SECTIONS): they are most of the page's template work and depend on
    nothing in the request."""
    return lru_per_build("authority-explorer-html", store, (code, today.isoformat()), lambda: Markup(
        render_template("partials/authority-explorer.html", a=a, ex=explorer_authority(code),
                        learn_from=for_authority(store, uri))), RENDERED_SECTIONS)


@html_view("authority")
def authority_page(rest: str):
    if GSS.match(rest):
        code = _by_gss(rest)
        if code is None:
            abort(404)
        return redirect(f"/doc/authority/{code}", code=301)
    if not CODE.match(rest):
        abort(404)
    store = get_store()
    uri = _authority_uri(rest)
    facts = select(store, "authority", authority=iri(uri))
    if not facts:
        abort(404)
    a = facts[0]

    def rows(name: str) -> list[dict[str, object]]:
        # Read once per build for every council: no round trip per request (docs/scaling.md).
        return grouped_per_build(store, name, "authority").get(uri, [])

    replacements = rows("authority-replacements")
    members = rows("ca-members") if a["typeCode"] == "COMB" else []
    former_codes = [r["gss"] for r in rows("authority-former-codes")]
    links = [r["same"] for r in rows("authority-links")]
    today = date.today()
    return render_template(
        "authority.html",
        title=a["label"],
        a=a,
        current=_is_current(a, today),
        former_codes=former_codes,
        predecessors=[r for r in replacements if r["relation"] == "predecessor"],
        successors=[r for r in replacements if r["relation"] == "successor"],
        districts=rows("authority-districts") if a["typeCode"] == "CTY" else [],
        memberships=rows("authority-memberships"),
        members=members,
        current_members=[m for m in members if _is_current(m, today) and str(m.get("from", "")) <= today.isoformat()],
        links=links,
        schema_org=structured_data.council(a, settings().base_uri, former_codes, links),
        inspection=latest_inspection(rows("authority-inspections")),
        explorer=_explorer_section(store, rest, uri, a, today),
        alternates=alternates(f"authority/{rest}"),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Councils", "href": "/authorities"}],
        today=today,
    )
