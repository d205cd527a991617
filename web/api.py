"""Simple JSON and CSV: the council list's twins and the OpenAPI 3 description of every table twin.

Each table page has `.json` and `.csv` twins that take the page's own query parameters plus
`page` and `page_size`, and send `Link: <...>; rel="next"` while more rows remain (web/tables.py).
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, request

from core.queries import select
from web.current import get_store, settings
from web.tables import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, csv_response, json_response, paginate

bp = Blueprint("api", __name__)

AUTHORITY_COLUMNS = ["code", "label", "type", "type_label", "region", "gss", "from", "until", "current", "uri", "page"]


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


@bp.route("/authorities.<fmt>")
def authorities_twin(fmt: str):
    if fmt not in ("json", "csv"):
        abort(404)
    page = paginate(authority_rows())
    if fmt == "json":
        return json_response(page, AUTHORITY_COLUMNS)
    return csv_response(page, AUTHORITY_COLUMNS, "authorities.csv")


# ---------------------------------------------------------------------------------------------
# OpenAPI 3


def _params(*names: str) -> list[dict]:
    known = {
        "page": {"name": "page", "in": "query", "description": "Page number, from 1.",
                 "schema": {"type": "integer", "minimum": 1, "default": 1}},
        "page_size": {"name": "page_size", "in": "query", "description": "Rows per page.",
                      "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX,
                                 "default": PAGE_SIZE_DEFAULT}},
        "fmt": {"name": "fmt", "in": "path", "required": True, "description": "json or csv.",
                "schema": {"type": "string", "enum": ["json", "csv"]}},
        "slug": {"name": "slug", "in": "path", "required": True, "description": "Metric identifier.",
                 "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
                 "example": "defra-household-recycling-rate"},
        "code": {"name": "code", "in": "path", "required": True,
                 "description": "Council code (mySociety local-authority-code).",
                 "schema": {"type": "string", "pattern": "^[A-Z]{2,5}$"}, "example": "TRF"},
        "period": {"name": "period", "in": "query", "description": "Period, e.g. 2022-23; default the latest.",
                   "schema": {"type": "string"}},
        "sort": {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["name", "value", "band"]}},
        "order": {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
        "with": {"name": "with", "in": "query", "description": "Councils to compare with (repeatable, up to 20); "
                 "used with group=custom, which it implies when group is absent. A code that is not a council, "
                 "or a council the metric does not cover, is answered with 400 naming it.",
                 "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": True},
        "group": {"name": "group", "in": "query", "description": "Comparison group: similar (the catalogue's own "
                  "similar councils, the default), ons (ONS statistical nearest neighbours) or custom (the "
                  "councils named by `with`).", "schema": {"type": "string", "enum": ["similar", "ons", "custom"]}},
        "metric": {"name": "metric", "in": "query", "description": "Metric identifier.",
                   "schema": {"type": "string"}},
        "q": {"name": "q", "in": "query", "description": "Words to find in names.", "schema": {"type": "string",
                                                                                             "maxLength": 100}},
        "type": {"name": "type", "in": "query", "description": "Authority type code, e.g. UA.",
                 "schema": {"type": "string"}},
        "region": {"name": "region", "in": "query", "description": "Region GSS code.", "schema": {"type": "string"}},
        "status": {"name": "status", "in": "query",
                   "schema": {"type": "string", "enum": ["current", "past", "all"], "default": "current"}},
        "area": {"name": "area", "in": "query", "description": "Service area notation.", "schema": {"type": "string"}},
    }
    return [known[n] for n in names]


def _table(summary: str, description: str, item: dict[str, dict], params: list[dict],
           bad_request: str | None = None) -> dict:
    page_schema = {
        "type": "object",
        "required": ["page", "page_size", "total", "items"],
        "properties": {"page": {"type": "integer"}, "page_size": {"type": "integer"}, "total": {"type": "integer"},
                       "items": {"type": "array", "items": {"type": "object", "properties": item}}},
    }
    return {"get": {
        "summary": summary, "description": description, "parameters": params + _params("page", "page_size"),
        "responses": {"200": {
            "description": "One page of rows. A `Link: <...>; rel=\"next\"` header names the next page while more "
                           "rows remain.",
            "headers": {"Link": {"description": "RFC 8288 link to the next page", "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": page_schema},
                        "text/csv": {"schema": {"type": "string"},
                                     "example": ",".join(item) + "\r\n"}}},
            "404": {"description": "No such metric, council or format."},
            **({"400": {"description": bad_request, "content": {"application/json": {"schema": {
                "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}}}
               if bad_request else {})},
    }}


S = {"type": "string"}
N = {"type": ["number", "null"]}
I_ = {"type": "integer"}
B = {"type": "boolean"}
SN = {"type": ["string", "null"]}


def openapi() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Local government performance catalogue: tables as JSON and CSV", "version": "1.0",
                 "description": "Every table of the website as JSON or CSV, paginated. Linked data for each resource "
                                "is at /id/... (303 to /doc/...) in Turtle, JSON-LD, N-Triples and RDF/XML; the "
                                "whole catalogue can be queried at /sparql.",
                 "license": {"name": "Open Government Licence v3.0",
                             "url": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}},
        "servers": [{"url": settings().base_uri.rstrip("/")}],
        "paths": {
            "/metrics.{fmt}": _table("Metrics", "Every metric with its unit, polarity and periods.", {
                "slug": S, "label": S, "service_area": S, "unit": S, "polarity": S, "latest_period": S,
                "periods": S, "tiers": S, "version": S, "observations": I_, "uri": S, "page": S},
                _params("fmt", "area")),
            "/doc/metric/{slug}/values.{fmt}": _table(
                "A metric's values for one period", "Every council's value with its band against the England median.",
                {"code": S, "council": S, "type": S, "period": S, "value": N, "unit": S, "band": SN,
                 "mads_from_median": N, "status": SN, "observation": S},
                _params("slug", "fmt", "period", "sort", "order")),
            "/compare/{slug}/{code}.{fmt}": _table(
                "One council against its similar authorities over time",
                "The council and its similar authorities, its ONS nearest neighbours (`group=ons`) or the councils "
                "named by `with`, every period.",
                {"code": S, "council": S, "focus": B, "period": S, "value": N, "unit": S, "band": SN, "observation": S},
                _params("slug", "code", "fmt", "group", "with"),
                bad_request="A group that is not similar, ons or custom, custom without councils, or a `with` "
                            "that is not a council the metric covers: `{\"error\": message naming the pick}`."),
            "/similar-authorities.{fmt}": _table(
                "How far the catalogue's similar councils agree with ONS's nearest neighbours",
                "Per tier, over the councils both methods list: the mean number and share of their 15 similar "
                "councils that both name, and the fewest and most, computed at build time.",
                {"tier": S, "own_method": S, "ons_method": S, "councils_compared": I_, "neighbours": I_,
                 "mean_shared_neighbours": N, "mean_overlap": N, "fewest_shared": I_, "most_shared": I_,
                 "agreement": S}, _params("fmt")),
            "/combined-authorities.{fmt}": _table(
                "Combined authorities compared through their members",
                "Median and range of constituent members' values, only where every member has one.",
                {"code": S, "combined_authority": S, "metric": S, "period": S, "members": I_,
                 "members_with_value": I_, "members_median": N, "members_min": N, "members_max": N,
                 "published_ca_value": N}, _params("fmt", "metric")),
            "/authorities.{fmt}": _table("Councils", "English local authorities, current and past.", {
                "code": S, "label": S, "type": S, "type_label": S, "region": SN, "gss": SN, "from": SN, "until": SN,
                "current": B, "uri": S, "page": S}, _params("fmt", "q", "type", "region", "status")),
            "/search.{fmt}": _table("Find councils and metrics by name", "Councils first, then metrics.", {
                "kind": {"type": "string", "enum": ["council", "metric"]}, "label": S, "code": S, "detail": S,
                "href": S}, _params("fmt", "q")),
        },
    }


@bp.route("/api/openapi.json")
def openapi_json():
    response = Response(json.dumps(openapi(), indent=1), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
