"""Serves front-end packages installed from npm into node_modules/ (never committed)."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from core.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "node_modules"

bp = Blueprint("assets", __name__)

# Only these package folders are exposed, each under a fixed URL prefix.
_MOUNTS = {
    "govuk": VENDOR_DIR / "govuk-frontend" / "dist" / "govuk",
    "yasgui": VENDOR_DIR / "@zazuko" / "yasgui" / "build",
    "vega": VENDOR_DIR / "vega" / "build",
    "vega-lite": VENDOR_DIR / "vega-lite" / "build",
    "vega-embed": VENDOR_DIR / "vega-embed" / "build",
    "axe-core": VENDOR_DIR / "axe-core",
}


@bp.route("/vendor/<mount>/<path:filename>")
def vendor(mount: str, filename: str):
    root = _MOUNTS.get(mount)
    if root is None:
        abort(404)
    # send_from_directory refuses paths that escape root.
    return send_from_directory(root, filename, max_age=86400)


@bp.route("/assets/<path:filename>")
def govuk_assets(filename: str):
    """GOV.UK Frontend's CSS refers to its fonts and images under /assets/."""
    return send_from_directory(_MOUNTS["govuk"] / "assets", filename, max_age=86400)
