"""The council list's JSON and CSV twins, and /api/openapi.json (described by web/openapi.py from
the registry of tables, web/outputs.py)."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, request

from core.queries import select
from web.current import get_store
from web.openapi import openapi
from web.outputs import BOOLEAN, MAYBE_TEXT, TEXT, Rows, table

bp = Blueprint("api", __name__)


def authority_rows() -> list[dict[str, object]]:
    """The /authorities list with the same filters as its HTML page (type, region, status, q)."""
    store = get_store()
    chosen_type = request.args.get("type", "")
    chosen_region = request.args.get("region", "")
    status = request.args.get("status", "current")
    status = status if status in ("current", "past", "all") else "current"
    q = request.args.get("q", "")[:100].strip().lower()
    today = date.today().isoformat()
    rows = []
    for r in select(store, "authority-list"):
        current = not r.get("until") or str(r["until"]) >= today
        if (status == "current" and not current) or (status == "past" and current):
            continue
        if chosen_type and r["typeCode"] != chosen_type:
            continue
        if chosen_region and not str(r.get("region", "")).endswith("/" + chosen_region):
            continue
        if q and q not in str(r["label"]).lower() and q != str(r.get("gss", "")).lower() \
                and q != str(r["code"]).lower():
            continue
        rows.append({"code": r["code"], "label": r["label"], "type": r["typeCode"], "type_label": r["typeLabel"],
                     "region": r.get("regionLabel"), "gss": r.get("gss"), "from": r.get("from"),
                     "until": r.get("until"), "current": current, "uri": r["authority"],
                     "page": f"/doc/authority/{r['code']}"})
    return rows


@table(bp, "/authorities", summary="Councils", description="English local authorities, current and past.",
       columns={"code": TEXT, "label": TEXT, "type": TEXT, "type_label": TEXT, "region": MAYBE_TEXT, "gss": MAYBE_TEXT,
                "from": MAYBE_TEXT, "until": MAYBE_TEXT, "current": BOOLEAN, "uri": TEXT, "page": TEXT},
       params=("q", "type", "region", "status"))
def authorities_table() -> Rows:
    return Rows(authority_rows(), "authorities.csv")


@bp.route("/api/openapi.json")
def openapi_json():
    response = Response(json.dumps(openapi(), indent=1), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
