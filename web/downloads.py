"""Data package downloads: /downloads (index) and the package files under it.

Paths (docs/data-packages.md), also used by the metric, council and combined authority pages and by
the DCAT distributions (catalogue/dcat_metrics.py):

- /downloads/catalogue.zip, /downloads/catalogue.xlsx, /downloads/catalogue/{file}
- /downloads/{kind}/{id}.zip | .xlsx | .csv (the observations), kind metric, authority or
  combined-authority; /downloads/{kind}/{id}/{file} (datapackage.json, CSVs, CSVW metadata, report)

Nothing in a request names a file directly: the kind comes from a fixed table, the id must be a
valid slug and a package of the live index, the file one the index lists for that package; only then
is it served, with send_from_directory, from the live packages folder.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, send_from_directory

from core.uris import check_slug
from datapackages.publish import current_folder, read_index
from web.current import settings
from web.outputs import unknown_format

bp = Blueprint("downloads", __name__)

KINDS = {"metric": "metric", "authority": "authority", "combined-authority": "combined-authority"}
MEDIA = {
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
}


def _index() -> dict[str, Any] | None:
    return read_index(settings())


def _entry(kind: str, ident: str) -> dict[str, Any]:
    index = _index()
    if index is None:
        abort(404)
    try:
        check_slug(ident, "package id")
    except ValueError:
        abort(404)
    for entry in index["packages"]:
        if entry["kind"] == kind and entry["id"] == ident:
            return entry
    abort(404)


def _send(relpath: str, download_name: str):
    folder = current_folder(settings())
    if folder is None:
        abort(404)
    suffix = "." + relpath.rsplit(".", 1)[-1]
    mimetype = MEDIA.get(suffix, "application/octet-stream")
    if relpath.endswith(".csv-metadata.json"):
        mimetype = "application/csvm+json"
    response = send_from_directory(folder, relpath, mimetype=mimetype, as_attachment=suffix in (".zip", ".xlsx"),
                                   download_name=download_name, max_age=300)
    if suffix == ".csv":
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _package_file(entry: dict[str, Any], name: str):
    # Only a file the index lists for this package: the request never chooses a path.
    if name not in entry["files"]:
        abort(404)
    return _send(f"{entry['folder']}/{name}", name)


def _whole(entry: dict[str, Any], fmt: str):
    if fmt == "zip":
        return _send(entry["zip"], f"lacat-{entry['zip'].replace('/', '-')}")
    if fmt == "xlsx":
        return _package_file(entry, entry["xlsx"])
    if fmt == "csv":
        return _send(f"{entry['folder']}/observations.csv", f"lacat-{entry['folder'].replace('/', '-')}.csv")
    if fmt == "ttl" and entry["kind"] == "metric":
        # The metric's RDF is its linked-data document; the DCAT Turtle distribution points here.
        return redirect(f"/doc/metric/{entry['id']}.ttl", code=303)
    return unknown_format(("zip", "xlsx", "csv", "ttl") if entry["kind"] == "metric" else ("zip", "xlsx", "csv"))


@bp.route("/downloads")
def index():
    idx = _index()
    groups: dict[str, list[dict[str, Any]]] = {"catalogue": [], "metric": [], "combined-authority": [],
                                               "authority": []}
    for entry in (idx or {}).get("packages", []):
        groups.setdefault(entry["kind"], []).append(entry)
    for entries in groups.values():
        entries.sort(key=lambda e: e["title"])
    return render_template("downloads.html", title="Download the data", index=idx, groups=groups,
                           breadcrumbs=[{"text": "Home", "href": "/"}])


@bp.route("/downloads/catalogue.<fmt>")
def catalogue_whole(fmt: str):
    return _whole(_entry("catalogue", "catalogue"), fmt)


@bp.route("/downloads/catalogue/<name>")
def catalogue_file(name: str):
    return _package_file(_entry("catalogue", "catalogue"), name)


@bp.route("/downloads/<kind>/<name>")
def package_whole(kind: str, name: str):
    if kind not in KINDS or "." not in name:
        abort(404)
    ident, fmt = name.rsplit(".", 1)
    return _whole(_entry(KINDS[kind], ident), fmt)


@bp.route("/downloads/<kind>/<ident>/<name>")
def package_file(kind: str, ident: str, name: str):
    if kind not in KINDS:
        abort(404)
    return _package_file(_entry(KINDS[kind], ident), name)


def package_available(kind: str, ident: str) -> bool:
    """Whether the live packages include this one (for download links on other pages)."""
    idx = _index()
    return bool(idx) and any(e["kind"] == kind and e["id"] == ident for e in idx["packages"])
