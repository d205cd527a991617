"""What the explorer pages know about metrics, authorities and observations, read from the store.

Observation and median URIs are minted (core/uris.py), so a page computes the URIs of exactly
the figures it shows and fetches them in a VALUES block (sparql/queries/explorer-observations.rq):
the cost of a page depends on what it shows, never on how many observations the store holds
(DESIGN.md section 1). The small, fixed lists (metrics, authorities) are read once per catalogue
version and kept in memory.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from catalogue.comparison import GROUP_TYPES
from core.figures import figure
from core.queries import load_query, select
from core.store import Store, terms_to_python
from core.uris import Uris
from ingest.observations import ENGLAND_GSS, period_bounds, period_sort_key
from web.per_build import per_build, rows_per_build

# URIs per query: keeps each query text bounded whatever a page asks for, while a council page
# (every metric's periods for one council, about 1,200 URIs with 45 metrics) stays one round trip.
VALUES_CHUNK = 2000
_EMPTY_VALUES = re.compile(r"VALUES \?(\w+) \{ \}")


def select_values(store: Store, name: str, var: str, uris: Iterable[str],
                  **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, object]]:
    """Run a named query whose `VALUES ?var { }` block is filled with the given IRIs.

    Each IRI goes through pyoxigraph's NamedNode (which rejects anything that is not an IRI) and is
    written by its own serialiser, so no text from a request can change the query's shape.
    """
    text = load_query(name)
    if f"VALUES ?{var} {{ }}" not in text:
        raise KeyError(f"query {name} has no empty VALUES block for ?{var}")
    unique = list(dict.fromkeys(uris))
    rows: list[dict[str, object]] = []
    for start in range(0, len(unique), VALUES_CHUNK):
        block = " ".join(str(ox.NamedNode(u)) for u in unique[start:start + VALUES_CHUNK])
        query = text.replace(f"VALUES ?{var} {{ }}", f"VALUES ?{var} {{ {block} }}", 1)
        rows.extend(terms_to_python(store.select(query, dict(bindings) or None)))
    return rows


def sort_periods(periods: Iterable[str]) -> list[str]:
    return sorted(set(periods), key=period_sort_key)


@dataclass
class Metric:
    uri: str
    slug: str
    label: str
    short_label: str
    definition: str
    service_area: str
    service_area_label: str
    unit: str
    unit_label: str
    polarity: str
    polarity_label: str
    latest_period: str
    version: str
    status_label: str
    observation_count: int
    missing_count: int
    method: str | None
    metric_type_label: str
    decimal_places: int | None = None  # the source's precision (record field); None: shown as stored
    tiers: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    periods: list[str] = field(default_factory=list)

    @property
    def percent(self) -> bool:
        return self.unit.endswith("/PERCENT")

    @property
    def unit_text(self) -> str:
        return "Per cent" if self.percent else self.unit_label

    def applies_to(self, type_code: str) -> bool:
        return type_code in self.tiers

    def group_of(self, type_code: str) -> str | None:
        """The comparison group an authority type is compared within for this metric.

        The build compares an authority in several groups within the first group its record
        lists; the order of groups is not kept in RDF, so pages read each observation's own
        lacat:comparedWith and use this only to pick which medians to show."""
        for group in ("lower-tier", "upper-tier", "combined"):
            if group in self.groups and type_code in GROUP_TYPES[group]:
                return group
        return None

    def format(self, value: object) -> str:
        """A value as the page shows it: at the precision its source publishes, % for percentages."""
        if value is None:
            return "no value"
        text = figure(value, self.decimal_places) if self.decimal_places is not None else str(value)  # type: ignore[arg-type]
        return text + "%" if self.percent else text


@dataclass
class Authority:
    uri: str
    code: str
    label: str
    type_code: str
    type_label: str
    region: str
    region_label: str
    gss: str
    start: str
    until: str

    @property
    def current(self) -> bool:
        return not self.until or self.until >= date.today().isoformat()


class Catalogue:
    """Metrics and authorities of one catalogue version, read once."""

    def __init__(self, store: Store, uris: Uris) -> None:
        self.uris = uris
        self.metrics: dict[str, Metric] = {}
        for r in select(store, "explorer-metrics"):
            slug = str(r["slug"])
            if slug in self.metrics:
                continue
            self.metrics[slug] = Metric(
                uri=str(r["metric"]), slug=slug, label=str(r["label"]), short_label=str(r.get("shortLabel") or r["label"]),
                definition=str(r["definition"]), service_area=str(r["serviceArea"]),
                service_area_label=str(r["serviceAreaLabel"]), unit=str(r["unit"]),
                unit_label=str(r.get("unitLabel") or r["unit"].rsplit("/", 1)[-1]),  # type: ignore[union-attr]
                polarity=str(r["polarity"]), polarity_label=str(r["polarityLabel"]),
                latest_period=str(r["latestPeriod"]), version=str(r.get("version") or ""),
                status_label=str(r.get("statusLabel") or ""), observation_count=int(r.get("observationCount") or 0),
                missing_count=int(r.get("missingCount") or 0), method=r.get("method"),  # type: ignore[arg-type]
                metric_type_label=str(r.get("metricTypeLabel") or ""),
                decimal_places=int(r["decimals"]) if "decimals" in r else None,  # type: ignore[arg-type]
            )
        by_uri = {m.uri: m for m in self.metrics.values()}
        periods: dict[str, list[str]] = defaultdict(list)
        for r in select(store, "explorer-metric-facets"):
            m = by_uri.get(str(r["metric"]))
            if m is None:
                continue
            if r["kind"] == "tier":
                m.tiers.add(str(r["value"]))
            elif r["kind"] == "group":
                m.groups.add(str(r["value"]))
            else:
                periods[m.slug].append(str(r["value"]))
        for slug, ps in periods.items():
            self.metrics[slug].periods = sort_periods(ps)
        self.authorities: dict[str, Authority] = {}
        for r in select(store, "authority-list"):
            code = str(r["code"])
            self.authorities.setdefault(code, Authority(
                uri=str(r["authority"]), code=code, label=str(r["label"]), type_code=str(r["typeCode"]),
                type_label=str(r["typeLabel"]), region=str(r.get("region") or ""),
                region_label=str(r.get("regionLabel") or ""), gss=str(r.get("gss") or ""),
                start=str(r.get("from") or ""), until=str(r.get("until") or "")))

    def metrics_by_area(self) -> list[tuple[str, str, list[Metric]]]:
        """(service area notation, label, metrics) in label order."""
        areas: dict[str, tuple[str, list[Metric]]] = {}
        for m in self.metrics.values():
            areas.setdefault(m.service_area, (m.service_area_label, []))[1].append(m)
        return [(k, lab, sorted(ms, key=lambda m: m.label.casefold()))
                for k, (lab, ms) in sorted(areas.items(), key=lambda kv: kv[1][0])]

    def candidates(self, metric: Metric, period: str) -> list[Authority]:
        """Authorities whose observation of `metric` in `period` may exist: every authority of the
        metric's tiers that was operating at some point of the period."""
        return [a for a in self.authorities.values() if metric.applies_to(a.type_code) and operating(a, period)]

    def obs_uri(self, metric: Metric, code: str, period: str) -> str:
        return self.uris.observation(metric.slug, code, period)

    def england_uri(self, metric: Metric, period: str) -> str:
        return self.uris.observation(metric.slug, ENGLAND_GSS, period)

    def median_uri(self, metric: Metric, group: str, period: str) -> str:
        return self.uris.median(metric.slug, group, period)


def operating(a: Authority, period: str) -> bool:
    """Whether the authority was operating at some point of the period."""
    start, end = _bounds(period)
    return not (a.start and a.start > end) and not (a.until and a.until < start)


@functools.cache
def _bounds(period: str) -> tuple[str, str]:
    start, end = period_bounds(period)
    return start.isoformat(), end.isoformat()


def catalogue(store: Store, uris: Uris) -> Catalogue:
    """The Catalogue of the store's build (read once per build and base URI)."""
    return per_build("explorer-catalogue", store, lambda: Catalogue(store, uris), uris.base)


@dataclass
class Obs:
    uri: str
    value: float | None
    missing: bool = False
    reason: str = ""
    band: str = ""
    band_label: str = ""
    mads: float | None = None
    median: str = ""
    status: str = ""
    beyond: bool = False
    lower: float | None = None  # 95% confidence interval, where the source gives one
    upper: float | None = None


LACAT_NS = "https://w3id.org/lacat/def#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_QB_DATASET = "http://purl.org/linked-data/cube#dataSet"


def _notation(uri: object) -> str:
    return str(uri).rsplit("/", 1)[-1]


def observations(store: Store, uris: Iterable[str]) -> dict[str, Obs]:
    """The observations (with value) and missing observations among `uris`, with their bands."""
    triples: dict[str, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    for r in select_values(store, "explorer-observations", "obs", uris):
        triples[str(r["obs"])][str(r["p"])].append(r["o"])
    out: dict[str, Obs] = {}
    for uri, po in triples.items():
        missing = LACAT_NS + "MissingObservation" in [str(x) for x in po.get(_RDF_TYPE, [])]
        cube = po.get(_QB_DATASET)
        if not cube and not missing:
            continue  # not an observation (or not one of ours)
        # The measure property is the metric itself, whose cube is {metric}/cube.
        value = None
        if cube:
            measure = po.get(str(cube[0])[: -len("/cube")])
            value = float(measure[0]) if measure else None  # type: ignore[arg-type]
        first = {p: vs[0] for p, vs in po.items()}
        out[uri] = Obs(
            uri=uri, value=value, missing=missing, reason=str(first.get(LACAT_NS + "statusReason") or ""),
            band=_notation(first[LACAT_NS + "band"]) if LACAT_NS + "band" in first else "",
            band_label=str(first.get(LACAT_NS + "bandLabel") or ""),
            mads=float(first[LACAT_NS + "madsFromMedian"]) if LACAT_NS + "madsFromMedian" in first else None,  # type: ignore[arg-type]
            median=str(first.get(LACAT_NS + "comparedWith") or ""),
            status=_notation(first[LACAT_NS + "observationStatus"]) if LACAT_NS + "observationStatus" in first else "",
            beyond=bool(first.get(LACAT_NS + "beyondTemplate")),
            lower=float(first[LACAT_NS + "lowerBound95"]) if LACAT_NS + "lowerBound95" in first else None,  # type: ignore[arg-type]
            upper=float(first[LACAT_NS + "upperBound95"]) if LACAT_NS + "upperBound95" in first else None)  # type: ignore[arg-type]
    return out


@dataclass
class Median:
    uri: str
    value: float
    mad: float | None
    count: int
    period: str
    group: str


def medians(store: Store, uris: Iterable[str]) -> dict[str, Median]:
    triples: dict[str, dict[str, object]] = defaultdict(dict)
    for r in select_values(store, "explorer-medians", "median", uris):
        triples[str(r["median"])].setdefault(str(r["p"]), r["o"])
    out = {}
    for uri, po in triples.items():
        if LACAT_NS + "median" not in po:
            continue
        mad = po.get(LACAT_NS + "medianAbsoluteDeviation")
        out[uri] = Median(uri, float(po[LACAT_NS + "median"]), float(mad) if mad is not None else None,  # type: ignore[arg-type]
                          int(po.get(LACAT_NS + "authorityCount") or 0),  # type: ignore[call-overload]
                          str(po.get(LACAT_NS + "periodKey") or ""),
                          _notation(po.get(LACAT_NS + "comparisonGroup") or ""))
    return out


def neighbours(store: Store, authority_uri: str) -> dict[str, list[tuple[str, str]]]:
    """Similar authorities per method URI: [(code, label)] nearest first."""
    return per_build("neighbours", store, lambda: _all_neighbours(store)).get(authority_uri, {})


def _all_neighbours(store: Store) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Every authority's similar authorities, per method, nearest first (6,735 links: one query per build)."""
    ranked: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
    for r in rows_per_build(store, "explorer-neighbours"):
        ranked[str(r["authority"])][str(r["method"])].append((int(r["rank"]), str(r["other"])))  # type: ignore[call-overload]
    out: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for authority, by_method in ranked.items():
        prefix = authority.rsplit("/", 1)[0] + "/"
        out[authority] = {method: [(u[len(prefix):], "") for _, u in sorted(items)] for method, items in by_method.items()}
    return out


def rank_text(value: float, others: list[float], polarity: str) -> str:
    """Where a value sits among others, in words that respect polarity: "higher than 140 of 150"."""
    higher = sum(1 for v in others if value > v)
    lower = sum(1 for v in others if value < v)
    n = len(others)
    if polarity == "lower":
        return f"lower than {lower} of {n}" if lower >= higher else f"higher than {higher} of {n}"
    return f"higher than {higher} of {n}" if higher >= lower else f"lower than {lower} of {n}"


def summary_stats(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}
