"""The one registry of output formats for tables and JSON documents.

A page declares its rows once, with a view that returns `Rows`, under `@table(...)`; the registry
adds the `.json` and `.csv` twins of the page (rule + `.<fmt>`), paginated with `Link: rel="next"`
(web/tables.py), and lists the table for its OpenAPI description (web/openapi.py). A JSON-only
answer of another shape (the learn-from findings, the analysts' flags) is a `@document(...)`.

An unknown format answers 404 naming the formats the table offers; a view may raise the error
type it declares (`refuse=`) to answer 400 in the asked format, naming what was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps

from flask import Blueprint, Response, jsonify, render_template

from web.tables import csv_response, json_response, paginate

# JSON Schema of a column, as the OpenAPI description states it.
TEXT = {"type": "string"}
MAYBE_TEXT = {"type": ["string", "null"]}
NUMBER = {"type": ["number", "null"]}
INTEGER = {"type": "integer"}
MAYBE_INTEGER = {"type": ["integer", "null"]}
BOOLEAN = {"type": "boolean"}
Schema = dict[str, object]


@dataclass(frozen=True)
class Rows:
    """A table view's answer: its rows and the CSV download's file name (fixed by the route and
    the resource, never taken from the request)."""

    rows: Sequence[dict[str, object]]
    filename: str


@dataclass(frozen=True)
class OutputFormat:
    suffix: str
    media_type: str
    label: str
    render: Callable[[Rows, list[str]], Response]
    refuse: Callable[[str], Response]


def _json_table(rows: Rows, columns: list[str]) -> Response:
    return json_response(paginate(rows.rows), columns)


def _csv_table(rows: Rows, columns: list[str]) -> Response:
    return csv_response(paginate(rows.rows), columns, rows.filename)


def _json_refusal(message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = 400
    return response


def _plain_refusal(message: str) -> Response:
    return Response(f"{message}\n", status=400, mimetype="text/plain")


FORMATS: dict[str, OutputFormat] = {f.suffix: f for f in [
    OutputFormat("json", "application/json", "JSON", _json_table, _json_refusal),
    OutputFormat("csv", "text/csv", "CSV", _csv_table, _plain_refusal),
]}
DOCUMENT_FORMATS = ("json",)
# The files a data package is downloaded as (web/downloads.py), named in a 404 for another suffix.
_FILE_LABELS = {"zip": "ZIP", "xlsx": "Excel", "ttl": "Turtle"}


@dataclass(frozen=True)
class Output:
    """One registered table or document: where it is, what it offers, how OpenAPI describes it."""

    rule: str  # the stem; the twins answer at rule + ".<fmt>"
    formats: tuple[str, ...]
    summary: str
    description: str
    columns: dict[str, Schema] = field(default_factory=dict)  # empty for a document
    params: tuple[str, ...] = ()
    bad_request: str | None = None
    listed: bool = True

    @property
    def openapi_path(self) -> str:
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule) + ".{fmt}"

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"<(?:[a-z]+:)?([a-z_]+)>", self.rule)


TABLES: list[Output] = []
DOCUMENTS: list[Output] = []

View = Callable[..., object]


class _NeverRaised(Exception):
    """Stands for `refuse` when a table refuses nothing."""


def unknown_format(offered: Sequence[str]) -> tuple[str, int]:
    """404 naming the formats offered (a client that guessed .xml learns what there is)."""
    named = [f"{FORMATS[s].label if s in FORMATS else _FILE_LABELS.get(s, s)} (.{s})" for s in offered]
    names = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
    return render_template("error.html", title="Page not found",
                           message=f"This address is available as {names}."), 404


def table(bp: Blueprint, rule: str, *, summary: str, description: str, columns: dict[str, Schema],
          params: Sequence[str] = (), refuse: type[Exception] | None = None, bad_request: str | None = None,
          cache_control: str | None = None) -> Callable[[View], View]:
    """Register the `.json` and `.csv` twins of the table at `rule`; the view returns `Rows` (or a
    Response, passed on as it is, e.g. a redirect)."""
    names = list(columns)
    refusal = refuse or _NeverRaised
    entry = Output(rule, tuple(FORMATS), summary, description, dict(columns), tuple(params), bad_request)

    def deco(view: View) -> View:
        @wraps(view)
        def twin(fmt: str, **kwargs: str) -> object:
            out = FORMATS.get(fmt)
            if out is None:
                return unknown_format(entry.formats)
            try:
                result = view(**kwargs)
            except refusal as exc:
                return out.refuse(str(exc))
            if not isinstance(result, Rows):
                return result
            response = out.render(result, names)
            if cache_control:
                response.headers["Cache-Control"] = cache_control
            return response

        bp.add_url_rule(rule + ".<fmt>", endpoint=view.__name__ + "_twin", view_func=twin)
        TABLES.append(entry)
        return view

    return deco


def document(bp: Blueprint, rule: str, *, summary: str = "", description: str = "",
             params: Sequence[str] = ()) -> Callable[[View], View]:
    """Register the `.json` twin of the page at `rule`; the view returns the JSON body as a dict
    (or a Response, passed on). Without a summary it is left out of the OpenAPI description."""
    entry = Output(rule, DOCUMENT_FORMATS, summary, description, params=tuple(params), listed=bool(summary))

    def deco(view: View) -> View:
        @wraps(view)
        def twin(fmt: str, **kwargs: str) -> object:
            if fmt not in entry.formats:
                return unknown_format(entry.formats)
            result = view(**kwargs)
            return jsonify(result) if isinstance(result, dict) else result

        bp.add_url_rule(rule + ".<fmt>", endpoint=view.__name__ + "_document", view_func=twin)
        DOCUMENTS.append(entry)
        return view

    return deco
