"""Discovery pages: the DCAT catalogue (/catalogue), the datasets finder (/datasets), dataset and
Single Data List collection pages, the SDL list (/sdl) and the rationalisation reports (/reports).

Every page reads the store through named queries (sparql/queries/*.rq) with bound parameters.
The datasets finder filters in Python: the catalogue holds a few hundred datasets at most (one
per source, metric and SDL collection), so one fixed query and an in-memory filter stay cheap
and keep user input out of SPARQL altogether.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, abort, get_template_attribute, redirect, render_template, request
from markupsafe import Markup

from catalogue.reports import BY_NAME, REPORTS, run_report
from core import periods
from core.queries import construct, iri, select
from core.store import Store
from core.uris import PREFIXES, Uris
from web import structured_data
from web.conneg import BY_SUFFIX, RDF_FORMATS, negotiate, negotiated, not_acceptable, rdf_response
from web.current import get_store, settings
from web.linked_data import alternates, html_view
from web.per_build import per_build

bp = Blueprint("catalogue_pages", __name__)

# An edition is named by its period key (core/periods.py): 2016-17, AY2019-20, 2023.
# A dataset slug, or a slug and the period key of one of its editions (core/periods.py reads the key).
_DATASET_PATH = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]{0,120})(/edition/(?P<period>[A-Za-z0-9-]{4,12}))?$")
_REF = re.compile(r"^\d{3}-\d{2}$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,120}$")
KIND_LABELS = {"source": "Source dataset", "metric": "Metric dataset", "sdl": "Single Data List collection"}


def _base() -> str:
    return settings().base_uri


def _uris() -> Uris:
    return Uris(_base())


def _tail(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


# ---------------------------------------------------------------------------------------------
# /catalogue: the DCAT catalogue as HTML and every RDF format


def _catalogue_rdf(suffix: str | None) -> Response:
    fmt = BY_SUFFIX.get(suffix) if suffix else negotiate(request.accept_mimetypes)
    if fmt is None:
        return not_acceptable("/catalogue is available as")
    if fmt.rdf is None:
        response = Response(catalogue_html(), mimetype="text/html")
    else:
        triples = restore_datatypes(construct(get_store(), "catalogue-graph",
                                              catalogue_graph=iri(_base() + "graph/catalogue"),
                                              sdl_graph=iri(_base() + "graph/sdl")))
        response = rdf_response(triples, fmt, PREFIXES)
    return negotiated(response, "/catalogue")


_BYTE_SIZE = ox.NamedNode("http://www.w3.org/ns/dcat#byteSize")
_NON_NEGATIVE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")


def restore_datatypes(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Oxigraph stores xsd:nonNegativeInteger as xsd:integer (it normalises literals on load,
    oxigraph/oxigraph#526); DCAT requires dcat:byteSize as xsd:nonNegativeInteger, so the datatype
    the build wrote is restored on the way out."""
    out = []
    for t in triples:
        if t.predicate == _BYTE_SIZE and isinstance(t.object, ox.Literal):
            t = ox.Triple(t.subject, t.predicate, ox.Literal(t.object.value, datatype=_NON_NEGATIVE))
        out.append(t)
    return out


@bp.route("/catalogue")
def catalogue():
    return _catalogue_rdf(None)


@bp.route("/catalogue.<suffix>")
def catalogue_suffix(suffix: str):
    if suffix not in BY_SUFFIX:
        abort(404)
    return _catalogue_rdf(suffix)


@bp.route("/doc/catalogue")
def catalogue_doc():
    return redirect("/catalogue", code=303)


@html_view("catalogue")
def catalogue_view(rest: str):
    if rest == "single-data-list":
        return redirect("/sdl", code=303)
    abort(404)


def catalogue_html() -> str:
    items = _dataset_items()
    counts = Counter(i.kind for i in items)
    sources = [i for i in items if i.kind == "source"]
    metrics = [i for i in items if i.kind == "metric"]
    return render_template(
        "catalogue.html", title="Data catalogue", counts=counts, sources=sources, metrics=metrics,
        alternates=[{"href": f"/catalogue.{f.suffix}", "type": f.media_type} for f in RDF_FORMATS],
        formats=RDF_FORMATS, base=_base(),
        schema_org=structured_data.catalogue(_base(), [(i.uri, i.title) for i in sources + metrics]),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Data catalogue"}],
    )


# ---------------------------------------------------------------------------------------------
# /datasets: faceted finder


@dataclass
class Item:
    uri: str
    kind: str
    title: str
    identifier: str = ""
    description: str = ""
    publisher: str = ""
    frequency: str = ""
    status: str = ""
    departments: dict[str, str] = field(default_factory=dict)  # slug -> name
    themes: dict[str, str] = field(default_factory=dict)  # EU code -> label
    service_areas: set[str] = field(default_factory=set)
    collections: dict[str, str] = field(default_factory=dict)  # ref -> title
    metrics: dict[str, str] = field(default_factory=dict)  # metric URI -> title

    @property
    def sdl_status(self) -> str:
        if self.kind == "sdl":
            return self.status or "On the list"
        return "Comes from an SDL return" if self.collections else "Not from an SDL return"

    def facet_values(self) -> dict[str, dict[str, str]]:
        return {
            "kind": {self.kind: KIND_LABELS[self.kind]},
            "department": self.departments,
            "theme": self.themes,
            "service_area": {s: s.replace("-", " ").capitalize() for s in self.service_areas},
            "sdl_status": {_slug(self.sdl_status): self.sdl_status},
            "frequency": {_slug(self.frequency): self.frequency} if self.frequency else {},
        }

    def matches(self, text: str) -> bool:
        hay = " ".join([self.title, self.identifier, self.description, self.publisher,
                        " ".join(self.collections), " ".join(self.collections.values()),
                        " ".join(self.metrics.values())]).casefold()
        return all(word in hay for word in text.casefold().split())


FACETS = [
    ("department", "Department or publisher"),
    ("kind", "Type"),
    ("theme", "Theme"),
    ("service_area", "Service area"),
    ("sdl_status", "Single Data List status"),
    ("frequency", "Frequency"),
]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _dataset_items() -> list[Item]:
    store = get_store()
    return per_build("dataset-items", store, lambda: _read_dataset_items(store))


def _listed(store: Store, items: dict[str, Item], query: str) -> Iterator[tuple[Item, dict[str, object]]]:
    for r in select(store, query):
        item = items.get(str(r["ds"]))
        if item is not None:
            yield item, r


def _read_dataset_items(store: Store) -> list[Item]:
    items: dict[str, Item] = {}
    for r in select(store, "catalogue-datasets"):
        uri = str(r["ds"])
        item = items.get(uri)
        if item is None:
            item = items[uri] = Item(uri, str(r["kind"]), str(r["title"]), str(r.get("identifier", "")),
                                     str(r.get("description", "")), str(r.get("publisherName", "")),
                                     str(r.get("frequency", "")), str(r.get("status", "")))
        if r.get("serviceArea"):
            item.service_areas.add(str(r["serviceArea"]))
        # The project's own agent publishes metric datasets; their departments come from the returns.
        if r.get("dept") and item.kind != "metric":
            item.departments[_tail(str(r["dept"]))] = str(r["deptName"])
    # The other facets, each read by its own query, are added to the datasets already listed.
    for item, r in _listed(store, items, "catalogue-dataset-themes"):
        item.themes[_tail(str(r["theme"]))] = str(r["themeLabel"])
    for item, r in _listed(store, items, "catalogue-dataset-collections"):
        item.collections[str(r["ref"])] = str(r["collectionTitle"])
        if r.get("dept"):
            item.departments[_tail(str(r["dept"]))] = str(r["deptName"])
    for item, r in _listed(store, items, "catalogue-dataset-metrics"):
        item.metrics[str(r["metric"])] = str(r["metricTitle"])
        if r.get("serviceArea"):
            item.service_areas.add(str(r["serviceArea"]))
    return sorted(items.values(), key=lambda i: (["source", "metric", "sdl"].index(i.kind), i.identifier, i.title))


def _finder() -> tuple[list[tuple[Item, dict[str, dict[str, str]]]], dict[str, dict[str, str]]]:
    """Each item with its facet values, and every facet's options, once per build: a request only
    filters and counts (working them out for every item on every request was most of the page)."""
    def compute() -> tuple[list[tuple[Item, dict[str, dict[str, str]]]], dict[str, dict[str, str]]]:
        pairs = [(item, item.facet_values()) for item in _dataset_items()]
        options: dict[str, dict[str, str]] = {key: {} for key, _ in FACETS}
        for _, values in pairs:
            for key, _ in FACETS:
                options[key].update(values[key])
        return pairs, options

    return per_build("dataset-facets", get_store(), compute)


def rendered_results() -> dict[str, Markup]:
    """Each dataset's entry in the finder's results, rendered once per build: the entries do not
    depend on the request, only which of them are shown."""
    def render() -> dict[str, Markup]:
        result = get_template_attribute("partials/dataset-result.html", "result")
        return {item.uri: result(item, KIND_LABELS) for item in _dataset_items()}

    return per_build("dataset-results", get_store(), render)


@bp.route("/datasets")
def datasets():
    pairs, all_options = _finder()
    q = request.args.get("q", "").strip()[:200]
    chosen = {key: set(request.args.getlist(key)) for key, _ in FACETS}
    results = [(item, values) for item, values in pairs if (not q or item.matches(q))
               and all(not sel or sel & set(values[key]) for key, sel in chosen.items())]
    facets = []
    for key, label in FACETS:
        options = all_options[key]
        counts: Counter[str] = Counter()
        for _, values in results:
            counts.update(values[key].keys())
        facets.append({
            "key": key, "label": label,
            "options": sorted(({"value": v, "label": lab, "count": counts.get(v, 0), "checked": v in chosen[key]}
                               for v, lab in options.items()), key=lambda o: o["label"].casefold()),
        })
    active = [(key, v, dict((o["value"], o["label"]) for f in facets if f["key"] == key for o in f["options"])
               .get(v, v)) for key, sel in chosen.items() for v in sorted(sel)]
    return render_template("datasets.html", title="Find datasets", items=[i for i, _ in results], total=len(pairs), q=q,
                           facets=facets, active=active, rendered=rendered_results(),
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Datasets"}])


@html_view("organisation")
def organisation_view(rest: str):
    if not _SLUG.match(rest):
        abort(404)
    return redirect(f"/datasets?department={rest}", code=303)


# ---------------------------------------------------------------------------------------------
# Dataset pages


def _about(uri: str, parameter: str, page: str, *more: str) -> tuple[dict[str, object], list[list[dict[str, object]]]]:
    """The page query's row for one resource (404 when the catalogue does not describe it) and the
    rows of the page's other queries, all bound to the same resource."""
    store = get_store()
    rows = select(store, page, **{parameter: iri(uri)})
    if not rows or not rows[0].get("title"):
        abort(404)
    return rows[0], [select(store, name, **{parameter: iri(uri)}) for name in more]


@html_view("dataset")
def dataset_view(rest: str):
    path = _DATASET_PATH.match(rest)
    if not path:
        abort(404)
    slug, period = path.group("slug"), path.group("period")
    if period and periods.kind_of(period) is None:
        abort(404)
    uri = _uris().dataset_edition(slug, period) if period else _uris().dataset(slug)
    d, (distributions, collections, uses) = _about(uri, "ds", "dataset-page", "dataset-distributions",
                                                   "dataset-collections", "dataset-uses")
    return render_template(
        "dataset.html", title=d["title"], d=d, distributions=distributions, collections=collections,
        used_by=[u for u in uses if u["direction"] == "used-by"], uses=[u for u in uses if u["direction"] == "uses"],
        uri=uri, alternates=alternates("dataset/" + rest),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Datasets", "href": "/datasets"}, {"text": d["title"]}],
    )


# ---------------------------------------------------------------------------------------------
# The Single Data List


@bp.route("/sdl")
def sdl_list():
    store = get_store()
    rows = select(store, "sdl-collections")
    sections: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        sections[str(r["section"])].append(r)
    principles = select(store, "sdl-principles")
    unlinked = select(store, "sdl-catalogue-changes")
    order = ["Central government departments", "Central government's arm's length bodies",
             "Other independent public bodies", "Other Independent bodies",
             "Other public bodies not part of the single data list", "not stated (changes page only)"]
    ordered = sorted(sections.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    return render_template("sdl.html", title="The Single Data List", sections=ordered, total=len(rows),
                           principles=principles, unlinked=unlinked,
                           alternates=alternates("catalogue/single-data-list"),
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Datasets", "href": "/datasets"},
                                        {"text": "Single Data List"}])


@html_view("sdl-collection")
def sdl_collection_view(rest: str):
    if not _REF.match(rest):
        abort(404)
    uri = _uris().sdl_collection(rest)
    c, (changes, uses) = _about(uri, "collection", "sdl-collection", "sdl-collection-changes", "sdl-collection-uses")
    return render_template(
        "sdl_collection.html", title=f"{c['ref']} {c['title']}", c=c, changes=changes,
        sources=[u for u in uses if u["kind"] == "source"], metrics=[u for u in uses if u["kind"] == "metric"],
        uri=uri, alternates=alternates("sdl-collection/" + rest),
        schema_org=structured_data.sdl_collection(c, uri, _base()),
        breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Single Data List", "href": "/sdl"}, {"text": c["ref"]}],
    )


# ---------------------------------------------------------------------------------------------
# Rationalisation reports


@bp.route("/reports")
def reports_index():
    return render_template("reports.html", title="Data landscape reports", reports=REPORTS,
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Reports"}])


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet programs run cells that start with these characters as formulas.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


@bp.route("/reports/<name>")
def report(name: str):
    if name.endswith(".csv"):
        return report_csv(name.removesuffix(".csv"))
    rep = BY_NAME.get(name)
    if rep is None:
        abort(404)
    rows = run_report(get_store(), rep)
    summary = None
    if name == "year-on-year":
        summary = sorted(Counter((r["year"], r["changeType"]) for r in rows).items())
    return render_template("report.html", title=rep.title, report=rep, rows=rows, summary=summary,
                           query=f"docs/reports/{rep.name}.rq",
                           breadcrumbs=[{"text": "Home", "href": "/"}, {"text": "Reports", "href": "/reports"},
                                        {"text": rep.title}])


def report_csv(name: str) -> Response:
    rep = BY_NAME.get(name)
    if rep is None:
        abort(404)
    rows = run_report(get_store(), rep)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for _, heading in rep.columns])
    for r in rows:
        writer.writerow([_cell(r.get(var)) for var, _ in rep.columns])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{rep.name}.csv"'
    return response
