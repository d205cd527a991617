"""What each package holds, read from the store with the named queries sparql/queries/packages-*.rq.

Everything is read once per packaging run (a few queries over the whole catalogue, ~30 s) and then
split per package in Python: binding ?area per council made each query take about as long as the
whole catalogue's, which for ~400 packages would take half an hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from core import periods
from core.queries import iri, load_query
from core.store import Row, Store
from core.uris import UNIT_CONCEPTS, UNIT_URIS, Uris, check_slug
from datapackages.schemas import UNIT_RANGES
from ingest.observations import period_sort_key

OGL_URI = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CC_BY_URI = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_NAMES = {OGL_URI: "OGL-UK-3.0", CC_BY_URI: "CC-BY-4.0"}
COMBINED_TYPES = frozenset({"COMB", "SRA"})
_UNIT_NOTATION = {uri: notation for notation, uri in UNIT_URIS.items()}


class PackagingError(Exception):
    """The store cannot be packaged (or a package failed validation); nothing was published."""


def _v(row: Row, key: str) -> str:
    term = row.get(key)
    return term.value if term is not None else ""


def notation(uri: str) -> str:
    """The last segment of a concept URI: .../comparison-band/much-better -> much-better."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def unit_notation(uri: str) -> str:
    if uri in _UNIT_NOTATION:
        return _UNIT_NOTATION[uri]
    prefix = UNIT_CONCEPTS
    if uri.startswith(prefix):
        return uri[len(prefix):]
    raise PackagingError(f"unit {uri} has no notation known to the packager (core.uris.UNIT_URIS)")


def period_span(period: str) -> tuple[date, date]:
    """First and last day of a period key (core.periods reads every kind)."""
    return periods.bounds(period)


@dataclass
class Source:
    slug: str
    title: str
    landing: str
    publisher: str
    licence: str  # licence URI, or '' when the source states none
    licence_label: str
    rights: str

    def attribution(self) -> str:
        who = self.publisher or self.title
        if self.licence == OGL_URI:
            return (f"{self.title} ({who}): contains public sector information licensed under the Open Government "
                    "Licence v3.0.")
        if self.licence == CC_BY_URI:
            return f"{self.title} © {who}, licensed under Creative Commons Attribution 4.0 (CC BY 4.0)."
        return f"{self.title} ({who}): {self.rights or 'no licence stated by the source.'}"


@dataclass
class Metric:
    uri: str
    row: dict[str, str]  # the metrics table row
    caveats: list[str]
    sources: list[Source]
    decimal_places: int | None = None  # the precision the source publishes (spreadsheets show it)

    @property
    def slug(self) -> str:
        return self.row["metric"]


@dataclass
class Content:
    """Everything the packages are made from, as read from one store."""

    base: str
    version: str
    created: str  # ISO date-time the build started
    metrics: dict[str, Metric]  # by URI, in slug order
    authorities: dict[str, dict[str, str]]  # by URI: the authorities table row
    memberships: list[dict[str, str]]  # memberships table rows
    observations: list[dict[str, str]]  # observations table rows, with "_metric" and "_area" URIs
    england: list[dict[str, str]]
    geography_sources: list[Source] = field(default_factory=list)

    @property
    def created_date(self) -> str:
        return self.created[:10]


def _source(row: Row) -> Source:
    return Source(slug=_v(row, "slug"), title=_v(row, "title"), landing=_v(row, "landing"),
                  publisher=_v(row, "publisher"), licence=_v(row, "licence"), licence_label=_v(row, "licenceLabel"),
                  rights=_v(row, "rights"))


def _period_key(row: dict[str, str]) -> tuple:
    return period_sort_key(row["period"])


def read_content(store: Store, base: str) -> Content:
    """Read the whole catalogue's package content from the store."""
    builds = store.select(load_query("packages-build"))
    if not builds:
        raise PackagingError("the store has no lacat:Build with a build id: it was not made by 'lacat build'")
    version, created = _v(builds[0], "id"), _v(builds[0], "started")

    caveats: dict[str, list[str]] = {}
    for r in store.select(load_query("packages-metric-caveats")):
        caveats.setdefault(_v(r, "metric"), []).append(_v(r, "caveat"))
    sources: dict[str, dict[str, Source]] = {}
    for r in store.select(load_query("packages-metric-sources")):
        sources.setdefault(_v(r, "metric"), {}).setdefault(_v(r, "slug"), _source(r))
    metrics: dict[str, Metric] = {}
    for r in store.select(load_query("packages-metrics")):
        uri, slug = _v(r, "metric"), _v(r, "slug")
        check_slug(slug, "metric slug")
        unit_uri = _v(r, "unit")
        version_text = _v(r, "version") or "1"
        metrics[uri] = Metric(uri, {
            "metric": slug, "code": _v(r, "code"), "label": _v(r, "label"), "definition": _v(r, "definition"),
            "unit": unit_notation(unit_uri), "unit_uri": unit_uri, "polarity": notation(_v(r, "polarity")),
            "service_area": notation(_v(r, "serviceArea")), "metric_type": notation(_v(r, "metricType")),
            "version": version_text, "modified": _v(r, "modified"), "latest_period": _v(r, "latest"),
            "methodology": _v(r, "methodology"), "uri": uri,
        }, caveats.get(uri, []), [sources[uri][k] for k in sorted(sources.get(uri, {}))],
            int(_v(r, "decimals")) if _v(r, "decimals") else None)
    metrics = dict(sorted(metrics.items(), key=lambda kv: kv[1].slug))

    authorities: dict[str, dict[str, str]] = {}
    for r in store.select(load_query("packages-authorities")):
        uri = _v(r, "authority")
        authorities[uri] = {
            "authority_code": check_slug(_v(r, "code"), "authority code"), "gss_code": _v(r, "gss"),
            "name": _v(r, "name"), "authority_type": notation(_v(r, "type")),
            "authority_type_label": _v(r, "typeLabel"), "region_gss_code": _v(r, "regionGss"),
            "region_name": _v(r, "regionName"), "operational_from": _v(r, "from"),
            "operational_until": _v(r, "until"), "uri": uri,
        }
    memberships = []
    for r in store.select(load_query("packages-memberships")):
        ca, member = _v(r, "ca"), _v(r, "member")
        if ca not in authorities or member not in authorities:
            raise PackagingError(f"membership of {member} in {ca} names an authority the store does not describe")
        memberships.append({"combined_authority_code": authorities[ca]["authority_code"],
                            "member_code": authorities[member]["authority_code"],
                            "member_from": _v(r, "from"), "member_until": _v(r, "until"),
                            "_ca": ca, "_member": member})

    observations = []
    for r in store.select(load_query("packages-observations")):
        metric, area = _v(r, "metric"), _v(r, "area")
        auth = authorities[area]
        observations.append({
            "metric": metrics[metric].slug, "authority_code": auth["authority_code"], "gss_code": auth["gss_code"],
            "authority_name": auth["name"], "period": _v(r, "period"), "value": _v(r, "value"),
            "unit": metrics[metric].row["unit"], "status": notation(_v(r, "status")) if "status" in r else "",
            "reason": _v(r, "reason"), "comparison_group": notation(_v(r, "group")) if "group" in r else "",
            "england_median": _v(r, "median"), "mads_from_median": _v(r, "mads"),
            "band": notation(_v(r, "band")) if "band" in r else "", "_metric": metric, "_area": area,
        })
    observations.sort(key=lambda o: (o["metric"], o["authority_code"], period_sort_key(o["period"])))

    england = []
    for r in store.select(load_query("packages-england"), {"area": iri(Uris(base).area("E92000001"))}):
        metric = _v(r, "metric")
        england.append({
            "metric": metrics[metric].slug, "gss_code": "E92000001", "area_name": "England",
            "period": _v(r, "period"), "value": _v(r, "value"), "unit": metrics[metric].row["unit"],
            "status": notation(_v(r, "status")) if "status" in r else "", "reason": _v(r, "reason"),
            "_metric": metric,
        })
    england.sort(key=lambda o: (o["metric"], period_sort_key(o["period"])))

    geography = [_source(r) for r in store.select(load_query("packages-geography-sources"),
                                                  {"graph": ox.NamedNode(Uris(base).graph("geography"))})]
    return Content(base, version, created, metrics, authorities, memberships, observations, england, geography)


@dataclass
class PackageSpec:
    """One package: which observations it holds and how it is named."""

    kind: str  # metric | authority | combined-authority | catalogue
    ident: str  # metric slug, authority code, or 'catalogue'
    title: str
    description: str
    observations: list[dict[str, str]]
    england: list[dict[str, str]]
    memberships: list[dict[str, str]]
    authority_uris: list[str]  # authorities the package mentions
    metric_uris: list[str]

    @property
    def name(self) -> str:
        """Frictionless package name (lower case)."""
        return "lacat-catalogue" if self.kind == "catalogue" else f"lacat-{self.kind}-{self.ident.lower()}"

    @property
    def folder(self) -> str:
        """Folder of the package under the packages root, relative."""
        return "catalogue" if self.kind == "catalogue" else f"{self.kind}/{self.ident}"

    @property
    def stem(self) -> str:
        """File stem of the zip and workbook: the slug or code (never user input: read from the store)."""
        return "catalogue" if self.kind == "catalogue" else self.ident


def _mentioned(content: Content, observations: list[dict[str, str]], extra_areas: list[str] = ()) -> list[str]:
    seen = {o["_area"] for o in observations} | set(extra_areas)
    return sorted(seen, key=lambda u: content.authorities[u]["authority_code"])


def _metrics_of(content: Content, observations: list[dict[str, str]], england: list[dict[str, str]]) -> list[str]:
    seen = {o["_metric"] for o in observations} | {o["_metric"] for o in england}
    return [u for u in content.metrics if u in seen]


CAVEAT_NOTE = ("Data alone rarely proves how well a council performs: read each metric's caveats (the caveats "
               "table) with its figures.")


def package_specs(content: Content) -> list[PackageSpec]:
    """Every package of the catalogue, in a stable order."""
    specs: list[PackageSpec] = []
    by_metric: dict[str, list[dict[str, str]]] = {}
    by_area: dict[str, list[dict[str, str]]] = {}
    for o in content.observations:
        by_metric.setdefault(o["_metric"], []).append(o)
        by_area.setdefault(o["_area"], []).append(o)

    specs.append(PackageSpec(
        "catalogue", "catalogue", "Local government performance catalogue: every metric",
        "Every published metric for every English council in the catalogue, with England medians and bands, "
        "the councils and combined authorities, and combined authority membership over time. " + CAVEAT_NOTE,
        content.observations, content.england, content.memberships, list(content.authorities),
        list(content.metrics)))
    for uri, metric in content.metrics.items():
        obs = by_metric.get(uri, [])
        eng = [e for e in content.england if e["_metric"] == uri]
        specs.append(PackageSpec(
            "metric", metric.slug, f"{metric.row['label']}: every council",
            f"{metric.row['definition']} Values for every council the catalogue holds, with the England median "
            f"of the authorities each is compared with and its band. " + CAVEAT_NOTE,
            obs, eng, [], _mentioned(content, obs), [uri]))
    for uri, auth in content.authorities.items():
        if auth["authority_type"] in COMBINED_TYPES:
            continue
        obs = by_area.get(uri)
        if not obs:
            continue  # a council the metrics have no figures for (e.g. abolished before them) has no package
        specs.append(PackageSpec(
            "authority", auth["authority_code"], f"{auth['name']}: every metric",
            f"Every published metric the catalogue holds for {auth['name']}, with the England median of the "
            f"authorities it is compared with and its band. " + CAVEAT_NOTE,
            obs, [], [], _mentioned(content, obs), _metrics_of(content, obs, [])))
    for uri, auth in content.authorities.items():
        if auth["authority_type"] not in COMBINED_TYPES:
            continue
        members = [m for m in content.memberships if m["_ca"] == uri]
        if not members:
            continue
        obs = []
        for o in content.observations:
            start, end = period_span(o["period"])
            for m in members:
                if m["_member"] != o["_area"]:
                    continue
                # Kept when the membership overlaps the period: the council was a member for some of it.
                if (not m["member_from"] or m["member_from"] <= end.isoformat()) and \
                        (not m["member_until"] or m["member_until"] >= start.isoformat()):
                    obs.append(o)
                    break
        specs.append(PackageSpec(
            "combined-authority", auth["authority_code"], f"{auth['name']}: its members' metrics",
            f"Every published metric the catalogue holds for the councils that are or were constituent members "
            f"of {auth['name']}, for the periods they were members (the memberships table gives the dates). "
            + CAVEAT_NOTE,
            obs, [], members, _mentioned(content, obs, [uri] + [m["_member"] for m in members]),
            _metrics_of(content, obs, [])))
    return specs


def value_range(content: Content, metric_uris: list[str]) -> dict[str, float]:
    """Constraints on the value column implied by the units of the package's metrics (their union)."""
    lows, highs = [], []
    for uri in metric_uris:
        low, high = UNIT_RANGES.get(content.metrics[uri].row["unit"], (None, None))
        lows.append(low)
        highs.append(high)
    out: dict[str, float] = {}
    if lows and None not in lows:
        out["minimum"] = min(lows)  # type: ignore[type-var]
    if highs and None not in highs:
        out["maximum"] = max(highs)  # type: ignore[type-var]
    return out
