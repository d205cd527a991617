"""A lean path for SPARQL protocol queries, in front of Flask's routing.

A DESCRIBE of one resource takes about 0.1 ms in the engine, but Flask's machinery around it
(request and app contexts, routing, the session, the after-request hooks) cost about 0.4 ms more
per request, most of the gap to the Oxigraph server (docs/scaling.md). This WSGI middleware
answers GET and POST /sparql query requests in a result format itself, with the functions the
route uses: sparql.protocol's request parsing and negotiation, sparql.guard, and
web.sparql_endpoint.answer_query with the route's CORS and security headers. A GET and a direct
POST are read by sparql.protocol.read_plain from the raw WSGI values (a werkzeug Request, its
args, form and values cost about 0.04 ms a request); a form POST is still read through a
werkzeug Request. So the answer is the route's, every query is still checked by the guard, and a
query not proved cheap still runs in an isolated worker with its hard time limit.

Everything else goes to Flask unchanged, the body put back as it came: the query page and its
HTML table, the service description, OPTIONS and other methods, a POST without a length, and any
request refused before its query runs (a protocol or guard error, an unreadable store), so every
error response is still made in one place.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable, Iterable
from functools import lru_cache

from flask import Flask
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import HTTP_STATUS_CODES, parse_accept_header
from werkzeug.wrappers import Request

from core.settings import Settings
from core.store import StoreUnavailable
from sparql.guard import check
from sparql.protocol import choose_format, read_plain, read_query
from web.current import SETTINGS_KEY, STORE_KEY
from web.security import headers as security_headers
from web.sparql_endpoint import CORS, Reply, answer_query

PATH = "/sparql"

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

_STATUS = {code: f"{code} {name.upper()}" for code, name in HTTP_STATUS_CODES.items()}
_AFTER = (*CORS, ("Vary", "Accept"))  # the route's CORS hook, before the security headers


@lru_cache(maxsize=256)
def _format(form: str, asked: str | None, accept: str | None, method: str) -> str:
    """choose_format, once per distinct (form, ?format=, Accept, method): clients send the same few
    Accept headers, and parsing and matching one cost more than a small query."""
    return choose_format(form, asked, parse_accept_header(accept, MIMEAccept), method)


class SparqlLane:
    """WSGI middleware over a Flask app's `wsgi_app`, installed by web.app.create_app."""

    def __init__(self, app: Flask) -> None:
        self.flask: WSGIApp = app.wsgi_app
        self.settings: Settings = app.config[SETTINGS_KEY]
        self.live = app.extensions[STORE_KEY]
        # Flask's own request limits, which a plain werkzeug request does not read from the app.
        self.limits = {"max_content_length": app.config.get("MAX_CONTENT_LENGTH"),
                       "max_form_memory_size": app.config.get("MAX_FORM_MEMORY_SIZE", 500_000),
                       "max_form_parts": app.config.get("MAX_FORM_PARTS", 1000)}
        self.answered = 0  # requests answered here, without Flask (for tests)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") != PATH or method not in ("GET", "POST"):
            return self.flask(environ, start_response)
        reply = self._answer(environ, method)
        if reply is None:
            return self.flask(environ, start_response)
        self.answered += 1
        # The headers the route's after-request hooks add, in their order (none is in the reply).
        start_response(_STATUS[reply.status], [*reply.headers, *_AFTER, *security_headers(secrets.token_urlsafe(16))])
        return reply.body

    def _answer(self, environ: dict, method: str) -> Reply | None:
        settings = self.settings
        body: io.BytesIO | None = None
        data = b""
        if method == "POST":
            length = environ.get("CONTENT_LENGTH") or ""
            # isascii too: str.isdigit takes "²", which int() does not.
            if not (length.isascii() and length.isdigit()) or int(length) > settings.max_query_bytes * 4:
                return None
            # Read once and put back, so that Flask reads the same bytes if it answers instead.
            data = environ["wsgi.input"].read(int(length))
            body = io.BytesIO(data)
            environ["wsgi.input"] = body
        query = None
        try:
            query, defaults, named, asked = self._read_plain(environ, method, data) \
                or self._read_request(environ, method)
            fmt = ""
            if query is not None:
                shape = check(query, settings)
                fmt = _format(shape.form, asked, environ.get("HTTP_ACCEPT"), method)
            store = self.live.current() if fmt not in ("", "html") else None
        except Exception:  # noqa: BLE001 -- whatever refuses a request, Flask's route says so, in one place
            store = None
        if store is None or query is None:
            if body is not None:
                body.seek(0)
            return None
        try:
            return answer_query(store, settings, method, query, shape, fmt, defaults, named,
                                environ.get("HTTP_IF_NONE_MATCH"), environ.get("HTTP_IF_MODIFIED_SINCE"))
        except StoreUnavailable:
            # A store lost after it was opened (a remote server gone away): the route's error
            # handler answers 503 with the page and headers every other 503 has.
            if body is not None:
                body.seek(0)
            return None

    def _read_plain(self, environ: dict, method: str, data: bytes) -> tuple | None:
        """sparql.protocol.read_plain when werkzeug would read the same request the same way: a
        POST's whole body is in `data`, within Flask's own limit and without a chunked transfer."""
        if method == "POST":
            limit = self.limits["max_content_length"]
            if "HTTP_TRANSFER_ENCODING" in environ or len(data) != int(environ["CONTENT_LENGTH"]) \
                    or (limit is not None and len(data) > limit):
                return None
        return read_plain(self.settings, method, environ.get("QUERY_STRING", ""), environ.get("CONTENT_TYPE", ""),
                          data)

    def _read_request(self, environ: dict, method: str) -> tuple:
        """read_query, and the format asked, over a werkzeug Request (a form POST)."""
        request = Request(environ)
        for name, value in self.limits.items():
            setattr(request, name, value)
        query, defaults, named = read_query(
            self.settings, method, request.args, request.mimetype, request.mimetype_params,
            request.content_length, lambda: request.form, lambda: request.get_data(cache=False))
        return query, defaults, named, request.values.get("format") or request.values.get("output")
