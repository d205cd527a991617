"""Security headers on every response.

The GOV.UK template has one inline script (it marks the body as JS-enabled); it carries a
per-request nonce so the Content-Security-Policy can still forbid every other inline script.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g


def _csp(nonce: str) -> str:
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def install(app: Flask) -> None:
    @app.context_processor
    def _nonce():
        return {"cspNonce": nonce()}

    @app.after_request
    def _headers(response: Response) -> Response:
        return add_headers(response, nonce())


_FIXED = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"),
          ("X-Frame-Options", "DENY")]


def headers(csp_nonce: str) -> list[tuple[str, str]]:
    """The security headers of every response (web.sparql_lane adds them outside Flask)."""
    return [("Content-Security-Policy", _csp(csp_nonce)), *_FIXED]


def add_headers(response: Response, csp_nonce: str) -> Response:
    """The security headers, unless the view set its own."""
    return set_missing(response, headers(csp_nonce))


def set_missing(response: Response, headers: list[tuple[str, str]]) -> Response:
    """`headers.setdefault` for each pair, in one pass: werkzeug finds a missing header by raising
    and catching an exception, which for a dozen headers cost more than a small SPARQL query."""
    present = {name.lower() for name in response.headers.keys()}
    for name, value in headers:
        if name.lower() not in present:
            response.headers.add(name, value)
    return response
