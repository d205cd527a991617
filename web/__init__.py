"""The thin web layer: an app factory wiring pages, linked data, downloads and the SPARQL endpoint."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, render_template
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from core.settings import PROJECT_ROOT, Settings
from core.store import LiveStore, Store, StoreUnavailable

VENDOR_DIR = PROJECT_ROOT / "node_modules"
log = logging.getLogger("lacat.web")


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__, static_folder=str(Path(__file__).parent / "static"), static_url_path="/static")
    app.config["LACAT_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_query_bytes * 4, 64 * 1024)
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions["lacat.store"] = LiveStore(settings)

    from web import filters

    filters.register(app)

    from web.assets import bp as assets_bp
    from web.linked_data import bp as ld_bp
    from web.pages import bp as pages_bp

    app.register_blueprint(assets_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(ld_bp)
    _register_optional(app)

    from web import security

    security.install(app)

    @app.errorhandler(StoreUnavailable)
    def _unavailable(exc: StoreUnavailable):
        log.error("store unavailable: %s", exc)
        return render_template("error.html", title="Service unavailable", message=str(exc)), 503

    @app.errorhandler(404)
    def _not_found(exc):
        return render_template("error.html", title="Page not found",
                               message="If you typed the web address, check it is correct."), 404

    @app.errorhandler(500)
    def _server_error(exc):
        # No stack trace or internal path ever reaches the client.
        return render_template("error.html", title="Sorry, there is a problem with the service",
                               message="Try again later."), 500

    return app


def _register_optional(app: Flask) -> None:
    """Blueprints owned by other parts of the project, registered when present."""
    import importlib

    for module in (
        "sparql.endpoint",
        "web.metrics_pages",
        "web.catalogue_pages",
        "web.downloads",
        "web.api",
        "web.history",
        "web.analyst",
        "web.learn_from",
        "web.geography_pages",
        "web.similar_pages",
        "web.framework_pages",
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        app.register_blueprint(mod.bp)


def get_store() -> Store:
    """The live store for this request (one consistent version for the whole request)."""
    from flask import current_app

    if "lacat_store" not in g:
        g.lacat_store = current_app.extensions["lacat.store"].current()
    return g.lacat_store


def settings() -> Settings:
    from flask import current_app

    return current_app.config["LACAT_SETTINGS"]

