"""The OpenAPI 3 description of every table and JSON document in the registry (web/outputs.py).

Each table twin takes the page's own query parameters plus `page` and `page_size`, and sends
`Link: <...>; rel="next"` while more rows remain (web/tables.py).
"""

from __future__ import annotations

from web.current import settings
from web.outputs import DOCUMENTS, TABLES, Output, Schema
from web.tables import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX

# Every path variable of a registered rule, and every query parameter an output names, described once.
PATH_PARAMS: dict[str, Schema] = {
    "slug": {"name": "slug", "in": "path", "required": True, "description": "Metric identifier.",
             "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
             "example": "defra-household-recycling-rate"},
    "metric": {"name": "metric", "in": "path", "required": True, "description": "Metric identifier.",
               "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
               "example": "defra-household-recycling-rate"},
    "code": {"name": "code", "in": "path", "required": True,
             "description": "Council code (mySociety local-authority-code).",
             "schema": {"type": "string", "pattern": "^[A-Z]{2,5}$"}, "example": "TRF"},
    "edition": {"name": "edition", "in": "path", "required": True, "description": "Framework edition identifier.",
                "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}},
    "number": {"name": "number", "in": "path", "required": True, "description": "Outcome number, from 1.",
               "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,2}$"}},
}
QUERY_PARAMS: dict[str, Schema] = {
    "page": {"name": "page", "in": "query", "description": "Page number, from 1.",
             "schema": {"type": "integer", "minimum": 1, "default": 1}},
    "page_size": {"name": "page_size", "in": "query", "description": "Rows per page.",
                  "schema": {"type": "integer", "minimum": 1, "maximum": PAGE_SIZE_MAX,
                             "default": PAGE_SIZE_DEFAULT}},
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
    "from": {"name": "from", "in": "query", "required": True, "description": "The earlier framework edition.",
             "schema": {"type": "string"}},
    "to": {"name": "to", "in": "query", "required": True,
           "description": "The later framework edition of the same framework.", "schema": {"type": "string"}},
}


def _parameters(output: Output) -> list[Schema]:
    fmt = {"name": "fmt", "in": "path", "required": True, "description": " or ".join(output.formats) + ".",
           "schema": {"type": "string", "enum": list(output.formats)}}
    return [*(PATH_PARAMS[v] for v in output.path_params), fmt, *(QUERY_PARAMS[n] for n in output.params)]


def _responses_extra(output: Output) -> Schema:
    if not output.bad_request:
        return {}
    return {"400": {"description": output.bad_request, "content": {"application/json": {"schema": {
        "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}}}


def _table(output: Output) -> Schema:
    page_schema = {
        "type": "object",
        "required": ["page", "page_size", "total", "items"],
        "properties": {"page": {"type": "integer"}, "page_size": {"type": "integer"}, "total": {"type": "integer"},
                       "items": {"type": "array", "items": {"type": "object", "properties": output.columns}}},
    }
    return {"get": {
        "summary": output.summary, "description": output.description,
        "parameters": _parameters(output) + [QUERY_PARAMS["page"], QUERY_PARAMS["page_size"]],
        "responses": {"200": {
            "description": "One page of rows. A `Link: <...>; rel=\"next\"` header names the next page while more "
                           "rows remain.",
            "headers": {"Link": {"description": "RFC 8288 link to the next page", "schema": {"type": "string"}}},
            "content": {"application/json": {"schema": page_schema},
                        "text/csv": {"schema": {"type": "string"},
                                     "example": ",".join(output.columns) + "\r\n"}}},
            "404": {"description": "No such resource, or a format not offered (the answer names the formats)."},
            **_responses_extra(output)},
    }}


def _document(output: Output) -> Schema:
    return {"get": {
        "summary": output.summary, "description": output.description, "parameters": _parameters(output),
        "responses": {"200": {"description": "One JSON document (not paginated).",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      "404": {"description": "No such resource, or a format not offered."}},
    }}


def openapi() -> Schema:
    paths = {t.openapi_path: _table(t) for t in TABLES if t.listed}
    paths.update({d.openapi_path: _document(d) for d in DOCUMENTS if d.listed})
    return {
        "openapi": "3.1.0",
        "info": {"title": "Local government performance catalogue: tables as JSON and CSV", "version": "1.0",
                 "description": "Every table of the website as JSON or CSV, paginated. Linked data for each resource "
                                "is at /id/... (303 to /doc/...) in Turtle, JSON-LD, N-Triples and RDF/XML; the "
                                "whole catalogue can be queried at /sparql.",
                 "license": {"name": "Open Government Licence v3.0",
                             "url": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}},
        "servers": [{"url": settings().base_uri.rstrip("/")}],
        "paths": paths,
    }
