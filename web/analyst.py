"""Pages for signed-in Oflog analysts: sign-in, the early-warning flags, their evidence and rules.

Flags are read from the restricted store of the live build (catalogue/flags.py), never from the
public store, so nothing here can make the public endpoint or documents show them. Every page
except sign-in needs a signed-in account; every form carries a CSRF token; every view of a flag
page and every sign-in is written to the audit log (web/auth.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
)

from catalogue.flags import open_restricted
from catalogue.rules import READING
from core.queries import iri, select
from core.store import EmbeddedStore
from core.uris import Uris, check_slug
from web.auth import CSRF_FIELD, Accounts, AuditLog, csrf_token, csrf_valid, secret_key
from web.current import get_store
from web.current import settings as get_settings
from web.outputs import document
from web.per_build import per_build

bp = Blueprint("analyst", __name__)

SESSION_COOKIE = "lacat_analyst"


@bp.record_once
def _configure(state: Any) -> None:
    """Session settings for the whole app (only these pages use the session)."""
    app: Flask = state.app
    settings = app.config["LACAT_SETTINGS"]
    if not app.secret_key:
        app.secret_key = secret_key(settings)
    app.config.update(
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies or settings.base_uri.startswith("https://"),
        # The cookie goes only to the analysts' pages: public pages stay cookie-free and cacheable.
        SESSION_COOKIE_PATH="/analyst",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )
    app.extensions["lacat.accounts"] = Accounts(settings)
    app.extensions["lacat.audit"] = AuditLog(settings)
    app.extensions["lacat.restricted"] = {}
    app.jinja_env.globals["csrf_field"] = CSRF_FIELD


def _accounts() -> Accounts:
    return current_app.extensions["lacat.accounts"]


def _audit() -> AuditLog:
    return current_app.extensions["lacat.audit"]


def _client() -> str:
    # The address the connection came from. Behind a reverse proxy, configure the proxy to pass
    # the client address (and wrap the app with werkzeug's ProxyFix) so limits apply per client.
    return request.remote_addr or "unknown"


def current_account() -> str | None:
    """The signed-in account, or None (also when the account was removed or its password reset)."""
    name = session.get("account")
    if not name:
        return None
    since = float(session.get("since", 0))
    if time.time() - since > get_settings().session_hours * 3600:
        return None
    if _accounts().session_version(name) != session.get("sv"):
        return None
    return name


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.args.get("format") == "json"


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            if _wants_json():
                return jsonify({"error": "sign in to see early-warning flags"}), 401
            return redirect("/analyst/login?" + urlencode({"next": request.full_path.rstrip("?")}))
        return view(*args, **kwargs)

    return wrapper


@bp.before_request
def _csrf() -> Response | None:
    if request.method == "POST" and not csrf_valid(session, request.form.get(CSRF_FIELD)):
        return Response("The form has expired or did not come from this site. Go back, reload the page "
                        "and try again.\n", status=400, mimetype="text/plain")
    return None


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers.add("Vary", "Cookie")
    return response


@bp.context_processor
def _template_values() -> dict[str, Any]:
    return {"csrf_token": csrf_token(session) if request.path.startswith("/analyst") else "",
            "analyst": current_account(), "reading": READING}


# ---------------------------------------------------------------------------------------------
# Signing in and out


def _safe_next(target: str | None) -> str:
    """Only a path under /analyst/ on this site: never an open redirect."""
    if target and target.startswith("/analyst/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/analyst/flags"


@bp.route("/analyst")
@bp.route("/analyst/")
def index() -> Response:
    return redirect("/analyst/flags")


@bp.route("/analyst/login", methods=["GET", "POST"])
def login() -> Any:
    next_path = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_account():
            return redirect(next_path)
        return render_template("login.html", title="Sign in", next=next_path, error="", name="")
    name = (request.form.get("name") or "").strip().lower()[:128]
    password = request.form.get("password") or ""
    result = _accounts().sign_in(name, password, _client())
    known = _accounts().exists(name)
    _audit().write("sign-in", outcome="success" if result.ok else "failure", reason=result.reason,
                   account=name if known else None, unknown_account=not known, client=_client())
    if result.ok:
        session.clear()  # a fresh session (and CSRF token) at every sign-in
        session.permanent = True
        session.update({"account": name, "sv": result.session_version, "since": time.time()})
        csrf_token(session)
        return redirect(next_path)
    if result.reason in ("account-locked", "client-limited"):
        error = "Too many failed attempts. Wait a while and try again, or ask an administrator to unlock the account."
        html = render_template("login.html", title="Sign in", next=next_path, error=error, name=name)
        return Response(html, status=429, headers={"Retry-After": str(result.retry_after)})
    error = "Enter a correct account name and password."
    return Response(render_template("login.html", title="Sign in", next=next_path, error=error, name=name),
                    status=401)


@bp.route("/analyst/logout", methods=["POST"])
def logout() -> Response:
    account = current_account()
    if account:
        _audit().write("sign-out", account=account, client=_client())
    session.clear()
    return redirect("/analyst/login")


# ---------------------------------------------------------------------------------------------
# Flags


def restricted_store() -> EmbeddedStore | None:
    """The restricted store of the live build (opened once per build per process)."""
    version = get_store().info.version
    cache: dict[str, EmbeddedStore] = current_app.extensions["lacat.restricted"]
    if version not in cache:
        store = open_restricted(get_settings(), version)
        if store is None:
            return None
        cache.clear()  # the previous build's store is no longer live
        cache[version] = store
    return cache[version]


def _flag_rows(store: EmbeddedStore) -> list[dict[str, Any]]:
    """Every flag of the build with its council's type and region; a build's flags never change,
    so they are read once per build per process."""
    def read() -> list[dict[str, Any]]:
        places = {r["authority"]: r for r in select(store, "flags-authorities")}
        rows = select(store, "flags-list")
        for r in rows:
            r["status"] = r["statusConcept"].rsplit("/", 1)[-1]
            place = places.get(r["authority"], {})
            for key in ("typeCode", "typeLabel", "region", "regionLabel"):
                r[key] = place.get(key, "")
        return rows

    return per_build("flag-rows", store, read)


def _view(page: str, **fields: Any) -> None:
    _audit().write("view", page=page, account=current_account(), client=_client(), **fields)


def _uris() -> Uris:
    return Uris(get_settings().base_uri)


def _flag_path(row: dict[str, Any]) -> str:
    base = get_settings().base_uri + "id/flag/"
    return "/analyst/flags/" + row["flag"][len(base):]


def _rule_path(rule_version: str) -> str:
    base = get_settings().base_uri + "id/rule/"
    return "/analyst/rules/" + rule_version[len(base):]


def _local(uri: str) -> str:
    """A catalogue URI as the path of its page on this site (/id/... -> /doc/...)."""
    return _uris().page_path(uri)


def _options(rows: list[dict[str, Any]], key: str, label: str) -> list[dict[str, str]]:
    seen = {r[key]: r[label] for r in rows if r.get(key)}
    return [{"value": k, "text": v} for k, v in sorted(seen.items(), key=lambda kv: kv[1])]


@bp.route("/analyst/flags")
# JSON for signed-in analysts only: left out of the public API description.
@document(bp, "/analyst/flags")
@signed_in
def flags() -> Any:
    store = restricted_store()
    filters = {k: request.args.get(k, "") for k in ("rule", "region", "type")}
    _view("flags", filters={k: v for k, v in filters.items() if v}, format="json" if _wants_json() else "html")
    if store is None:
        if _wants_json():
            return jsonify({"error": "this catalogue build has no early-warning flags"}), 503
        return render_template("analyst.html", title="Early-warning flags", rows=[], groups=[], total=0,
                               missing=True, rules=[], regions=[], types=[], filters=filters), 503
    rows = [dict(r) for r in _flag_rows(store)]
    options = {"rules": _options(rows, "rule", "ruleLabel"), "regions": _options(rows, "region", "regionLabel"),
               "types": _options(rows, "typeCode", "typeLabel")}
    shown = [r for r in rows
             if (not filters["rule"] or r["rule"] == filters["rule"])
             and (not filters["region"] or r.get("region") == filters["region"])
             and (not filters["type"] or r["typeCode"] == filters["type"])]
    for r in shown:
        r["href"] = _flag_path(r)
        r["ruleHref"] = _rule_path(r["ruleVersion"])
        r["observationHref"] = _local(r["observation"])
        r["authorityHref"] = _local(r["authority"])
    if _wants_json():
        keys = ("flag", "rule", "ruleLabel", "ruleVersion", "version", "status", "authority", "code",
                "authorityLabel", "typeCode", "region", "regionLabel", "metric", "metricLabel", "periodKey",
                "detail", "observation")
        return jsonify({"reading": READING, "filters": filters,
                        "flags": [{k: r.get(k) for k in keys} for r in shown]})
    # Grouped by council in name order: a list to read, not a ranking, and no totals per council.
    groups: list[dict[str, Any]] = []
    for r in shown:
        if not groups or groups[-1]["authority"] != r["authority"]:
            groups.append({"authority": r["authority"], "label": r["authorityLabel"], "code": r["code"],
                           "href": r["authorityHref"], "type": r["typeLabel"], "region": r.get("regionLabel", ""),
                           "flags": []})
        groups[-1]["flags"].append(r)
    return render_template("analyst.html", title="Early-warning flags", groups=groups, total=len(shown),
                           missing=False, filters=filters, **options)


@bp.route("/analyst/flags/<rule>/<int:version>/<metric>/<code>/<period>")
@signed_in
def flag(rule: str, version: int, metric: str, code: str, period: str) -> Any:
    for part, what in ((rule, "rule"), (metric, "metric"), (code, "authority code"), (period, "period")):
        try:
            check_slug(part, what)
        except ValueError:
            abort(404)
    store = restricted_store()
    if store is None:
        abort(404)
    uri = _uris().flag(rule, version, metric, code, period)
    rows = select(store, "flags-flag", flag=iri(uri))
    if not rows:
        abort(404)
    _view("flag", flag=uri)
    head = rows[0]
    for r in rows:
        r["observationHref"] = _local(r["observation"])
    return render_template("analyst_flag.html", title=f"Flag: {head['ruleLabel']}", flag=head, evidence=rows,
                           rule_href=_rule_path(head["ruleVersion"]), authority_href=_local(head["authority"]),
                           metric_href=_local(head["metric"]))


@bp.route("/analyst/rules/<rule>/version/<int:version>")
@signed_in
def rule_version(rule: str, version: int) -> Any:
    try:
        check_slug(rule, "rule")
    except ValueError:
        abort(404)
    store = restricted_store()
    if store is None:
        abort(404)
    uri = _uris().rule_version(rule, version)
    rows = select(store, "flags-rule-version", ruleVersion=iri(uri))
    if not rows:
        abort(404)
    _view("rule", rule_version=uri)
    head = rows[0]
    parameters = {r["parameterName"]: r for r in rows if r.get("parameterName")}
    metrics = {r["metric"]: r["metricLabel"] for r in rows if r.get("metric")}
    caveats = [r["caveat"] for r in select(store, "flags-rule-caveats", ruleVersion=iri(uri))]
    return render_template("analyst_rule.html", title=head["label"], rule=head,
                           parameters=sorted(parameters.values(), key=lambda p: p["parameterName"]),
                           metrics=[{"label": v, "href": _local(k)} for k, v in sorted(metrics.items(),
                                                                                         key=lambda kv: kv[1])],
                           caveats=sorted(caveats),
                           flags_href="/analyst/flags?" + urlencode({"rule": head["rule"]}))
