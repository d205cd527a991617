"""Every minted URI dereferences: /id/... -> 303 -> /doc/..., which negotiates HTML or RDF.

Page modules register an HTML view per kind of resource (`@html_view("authority")`); the RDF
formats come from one CONSTRUCT query (sparql/queries/describe.rq) for every kind.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, redirect, request

from core.queries import construct, iri
from core.uris import PREFIXES
from web.conneg import BY_SUFFIX, RDF_FORMATS, Format, negotiate, negotiated, not_acceptable, rdf_response, split_suffix
from web.current import get_store, settings

bp = Blueprint("linked_data", __name__)

HtmlView = Callable[[str], Response | str]
_HTML_VIEWS: dict[str, HtmlView] = {}


def html_view(kind: str) -> Callable[[HtmlView], HtmlView]:
    """Register the HTML page for /doc/{kind}/{rest}; the view receives `rest` (suffix removed)."""

    def deco(fn: HtmlView) -> HtmlView:
        _HTML_VIEWS[kind] = fn
        return fn

    return deco


def alternates(doc_path: str) -> list[dict[str, str]]:
    """<link rel=alternate> entries for a document path like 'authority/BIR'."""
    return [{"href": f"/doc/{doc_path}.{f.suffix}", "type": f.media_type} for f in RDF_FORMATS]


@bp.route("/id/<path:path>")
def identifier(path: str):
    response = redirect(f"/doc/{path}", code=303)
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/doc/<path:path>")
def document(path: str):
    bare, fmt = split_suffix(path)
    if fmt is None:
        fmt = negotiate(request.accept_mimetypes)
        if fmt is None:
            return not_acceptable()
    kind, _, rest = bare.partition("/")
    if not rest:
        abort(404)
    if fmt.rdf is None:
        view = _HTML_VIEWS.get(kind)
        if view is None:
            abort(404)
        result = view(rest)
        response = result if isinstance(result, Response) else Response(result, mimetype="text/html")
    else:
        response = rdf_document(settings().base_uri + "id/" + bare, fmt)
    return negotiated(response, f"/doc/{bare}")


def rdf_document(uri: str, fmt: Format) -> Response:
    return rdf_response(construct(get_store(), "describe", resource=iri(uri)), fmt, PREFIXES)


__all__ = ["bp", "html_view", "alternates", "rdf_document", "BY_SUFFIX"]
