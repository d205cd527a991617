"""The Flask app factory: settings and the live store on the app, the template loaders, filters,
every blueprint (listed in BLUEPRINTS), security headers and error pages."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, Flask, render_template
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from core import allocator
from core.settings import Settings
from core.store import LiveStore, StoreUnavailable
from web import (
    analyst,
    api,
    assets,
    catalogue_pages,
    downloads,
    filters,
    framework_pages,
    geography_pages,
    history,
    learn_from,
    linked_data,
    metric_page,
    metric_versions,
    metrics_pages,
    pages,
    search_pages,
    security,
    similar_pages,
    sparql_endpoint,
    sparql_lane,
)
from web.current import SETTINGS_KEY, STORE_KEY

log = logging.getLogger("lacat.web")

# Every blueprint of the site, in the order Flask matches their routes.
BLUEPRINTS: list[Blueprint] = [
    assets.bp,
    pages.bp,
    linked_data.bp,
    sparql_endpoint.bp,
    metrics_pages.bp,
    metric_page.bp,
    metric_versions.bp,
    search_pages.bp,
    catalogue_pages.bp,
    downloads.bp,
    api.bp,
    history.bp,
    analyst.bp,
    learn_from.bp,
    geography_pages.bp,
    similar_pages.bp,
    framework_pages.bp,
]


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    allocator.resolve(settings.query_allocator)  # a setting naming nothing installed fails here, not per query
    app = Flask("web", static_folder=str(Path(__file__).parent / "static"), static_url_path="/static")
    app.config[SETTINGS_KEY] = settings
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_query_bytes * 4, 64 * 1024)
    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.extensions[STORE_KEY] = LiveStore(settings)

    filters.register(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    security.install(app)
    # SPARQL protocol queries are answered before Flask's routing (web/sparql_lane.py).
    app.wsgi_app = sparql_lane.SparqlLane(app)  # type: ignore[method-assign]

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
