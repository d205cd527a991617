"""Version history of each metric with what changed, and the catalogue-wide change log with its
Atom feed (new metrics, new versions of a definition, retirements and new data releases).

Everything comes from the store (graph/metric-history, catalogue/lifecycle/): the record text of
each published version is stored with it, so the differences are computed here with difflib and
rendered by autoescaping templates.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from xml.etree import ElementTree as ET

import yaml
from flask import Blueprint, Response, abort, render_template

from catalogue.lifecycle.versions import changed_fields
from core.queries import iri, select
from core.uris import Uris
from core.yaml_text import load_yaml
from web.current import get_store, settings
from web.per_build import rows_per_build

bp = Blueprint("history", __name__)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")
ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 200


@dataclass
class DiffLine:
    kind: str  # "add", "remove", "context" or "hunk"
    text: str


@dataclass
class Version:
    n: int
    uri: str
    label: str
    issued: str
    note: str
    sha256: str
    text: str
    definition: str = ""
    changed: list[str] = field(default_factory=list)
    diff: list[DiffLine] = field(default_factory=list)


def text_diff(old: str, new: str) -> list[DiffLine]:
    """A line diff of two record texts with three lines of context, as typed lines for the page."""
    out = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            out.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            out.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            out.append(DiffLine("remove", line[1:]))
        else:
            out.append(DiffLine("context", line[1:]))
    return out


def metric_versions(metric_uri: str) -> list[Version]:
    rows = select(get_store(), "history-metric-versions", metric=iri(metric_uri))
    versions = [Version(int(r["n"]), str(r["version"]), str(r["label"]), str(r.get("issued") or ""),  # type: ignore[arg-type]
                        str(r.get("note") or ""), str(r["sha"]), str(r["text"]), str(r["definition"]))
                for r in rows]
    for prev, cur in zip(versions, versions[1:], strict=False):
        cur.diff = text_diff(prev.text, cur.text)
        try:
            cur.changed = changed_fields(load_yaml(prev.text), load_yaml(cur.text))
        except yaml.YAMLError:
            cur.changed = []
    return versions


@bp.route("/doc/metric/<slug>/history")
def metric_history(slug: str):
    if not SLUG.match(slug):
        abort(404)
    uris = Uris(settings().base_uri)
    metric_uri = uris.metric(slug)
    found = select(get_store(), "history-metric", metric=iri(metric_uri))
    if not found:
        abort(404)
    m = found[0]
    versions = metric_versions(metric_uri)
    return render_template(
        "history.html", title=f"{m['label']}: version history", m=m, slug=slug, versions=list(reversed(versions)),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Metrics", "href": "/metrics"},
                     {"text": str(m["label"]), "href": f"/doc/metric/{slug}"}, {"text": "Version history"}])


@dataclass
class Change:
    kind: str  # "new-metric", "new-version", "retired", "data-release"
    on: str  # YYYY-MM-DD
    title: str
    summary: str
    href: str  # page on this site
    ident: str  # permanent identifier of the event (Atom id)


def changes() -> list[Change]:
    """Every change the catalogue knows of, newest first."""
    store = get_store()
    base = settings().base_uri
    out: list[Change] = []
    for r in rows_per_build(store, "history-versions"):
        n = int(r["n"])  # type: ignore[arg-type]
        slug, label = str(r["slug"]), str(r["metricLabel"])
        note = str(r.get("note") or "")
        if n == 1:
            out.append(Change("new-metric", str(r["issued"])[:10], f"New metric: {label}", note,
                              f"/doc/metric/{slug}", str(r["version"])))
        else:
            out.append(Change("new-version", str(r["issued"])[:10], f"{label}: version {n}", note,
                              f"/doc/metric/{slug}/history#version-{n}", str(r["version"])))
    for r in rows_per_build(store, "history-retirements"):
        other = r.get("replacedBySlug")
        summary = f"Superseded by {other}." if other else "No longer published or updated; past figures stay."
        out.append(Change("retired", str(r["retiredOn"])[:10], f"Retired: {r['label']}", summary,
                          f"/doc/metric/{r['slug']}", f"{r['metric']}#retired"))
    releases: dict[tuple[str, str], list[dict[str, object]]] = {}
    for r in rows_per_build(store, "history-releases"):
        releases.setdefault((str(r["dataset"]), str(r["retrieved"])[:10]), []).append(r)
    for (dataset, on), rows in releases.items():
        title = str(rows[0].get("datasetTitle") or dataset.rsplit("/", 1)[-1])
        files = sorted(str(r.get("fileLabel") or r["file"]) for r in rows)
        href = Uris(base).page_path(dataset)
        out.append(Change("data-release", on, f"New data: {title}",
                          f"{len(files)} source file(s) loaded: {', '.join(files)}.", href,
                          f"{dataset}#release-{on}"))
    out.sort(key=lambda c: (c.on, c.kind != "new-metric", c.title), reverse=True)
    return out


KIND_LABELS = {"new-metric": "New metric", "new-version": "New version", "retired": "Retired",
               "data-release": "Data release"}


@bp.route("/changes")
def change_log():
    return render_template("changes.html", title="Changes to the catalogue", changes=changes(),
                           kinds=KIND_LABELS,
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Changes"}])


def _rfc3339(day: str) -> str:
    try:
        return date.fromisoformat(day).isoformat() + "T00:00:00Z"
    except ValueError:
        return "1970-01-01T00:00:00Z"


def atom_feed(items: list[Change], base: str) -> bytes:
    """An Atom 1.0 document (RFC 4287) of the changes; ElementTree escapes every text."""
    ET.register_namespace("", ATOM)

    def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        e = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            e.text = text
        return e

    feed = ET.Element(f"{{{ATOM}}}feed")
    el(feed, "id", base + "changes")
    el(feed, "title", "Local government performance catalogue: changes")
    el(feed, "subtitle", "New metrics, new versions of metric definitions, retirements and new data releases.")
    el(feed, "updated", max((_rfc3339(c.on) for c in items), default="1970-01-01T00:00:00Z"))
    el(feed, "link", rel="self", type="application/atom+xml", href=base + "changes.atom")
    el(feed, "link", rel="alternate", type="text/html", href=base + "changes")
    author = el(feed, "author")
    el(author, "name", "Local government performance catalogue")
    for c in items[:FEED_ENTRIES]:
        entry = el(feed, "entry")
        el(entry, "id", c.ident)
        el(entry, "title", c.title)
        el(entry, "updated", _rfc3339(c.on))
        el(entry, "published", _rfc3339(c.on))
        el(entry, "link", rel="alternate", type="text/html", href=base + c.href.lstrip("/"))
        el(entry, "category", term=c.kind, label=KIND_LABELS[c.kind])
        el(entry, "summary", c.summary or c.title)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


@bp.route("/changes.atom")
def change_feed():
    body = atom_feed(changes(), settings().base_uri)
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=300"})
