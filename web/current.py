"""The current request's store and settings, for views (the app factory, web/app.py, puts them on
the Flask app)."""

from __future__ import annotations

from flask import current_app, g

from core.settings import Settings
from core.store import Store

SETTINGS_KEY = "LACAT_SETTINGS"
STORE_KEY = "lacat.store"


def get_store() -> Store:
    """The live store for this request (one consistent version for the whole request)."""
    if "lacat_store" not in g:
        g.lacat_store = current_app.extensions[STORE_KEY].current()
    return g.lacat_store


def settings() -> Settings:
    return current_app.config[SETTINGS_KEY]
