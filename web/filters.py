"""Jinja filters for showing data: numbers, dates and local links for catalogue URIs."""

from __future__ import annotations

from datetime import date

from flask import Flask

from core import periods
from core.uris import Uris


def register(app: Flask) -> None:
    uris = Uris(app.config["LACAT_SETTINGS"].base_uri)

    @app.template_filter("local")
    def local(uri: str | None) -> str:
        """A catalogue URI as a link on this site (to its document); other URIs unchanged."""
        if not uri:
            return ""
        return uris.page_path(uri)

    @app.template_filter("number")
    def number(value: object, places: int | None = None) -> str:
        if value is None or value == "":
            return "–"
        if isinstance(value, (int, float)):
            if places is not None:
                return f"{value:,.{places}f}"
            if isinstance(value, int) or float(value).is_integer():
                return f"{int(value):,}"
            return f"{value:,.1f}"
        return str(value)

    @app.template_filter("period")
    def period(value: object) -> str:
        """A period key as a page names it (core.periods.label); text that is not a key unchanged."""
        text = str(value or "")
        try:
            return periods.label(text)
        except ValueError:
            return text

    @app.template_filter("sentence")
    def sentence(value: object) -> str:
        """The first letter in capitals and nothing else changed (Jinja's capitalize lowercases the
        rest, which turned the period key AY2019-20 into 'ay2019-20')."""
        text = str(value or "")
        return text[:1].upper() + text[1:]

    @app.template_filter("nicedate")
    def nicedate(value: object) -> str:
        if not value:
            return ""
        try:
            d = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return f"{d.day} {d:%B %Y}"
