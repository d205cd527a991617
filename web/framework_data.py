"""The outcome frameworks as the pages show them, read from the store once per live build.

Four queries (sparql/queries/frameworks-*.rq) give every edition, its sources, outcomes and metrics,
with each metric's catalogue metric and observation count, so whether the catalogue has figures for
a framework metric follows whatever set of metrics the build loaded. `diff` compares two editions
by the keys of their outcomes and metrics; where an edition's list is not known (the bundled text
does not show it), the comparison says so instead of reporting additions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.queries import iri, select
from core.store import Store
from core.uris import Uris
from web.per_build import per_build


@dataclass
class CatalogueLink:
    """A catalogue metric a framework metric is mapped to, with how many values the build loaded."""

    slug: str
    label: str
    observations: int


@dataclass
class FMetric:
    uri: str
    key: str
    label: str
    label_complete: bool
    type: str  # "outcome", "output" or "" (unknown)
    availability: str
    availability_label: str
    organisation: str  # "" when no source names it
    organisation_code: str
    source_title: str
    source_url: str
    outcomes: list[int]
    esd_types: list[str]
    note: str = ""
    notation: str = ""
    catalogue: list[CatalogueLink] = field(default_factory=list)

    @property
    def with_figures(self) -> list[CatalogueLink]:
        return [c for c in self.catalogue if c.observations > 0]

    @property
    def has_figures(self) -> bool:
        return bool(self.with_figures)

    @property
    def observations(self) -> int:
        return sum(c.observations for c in self.catalogue)


@dataclass
class FOutcome:
    uri: str
    number: int
    key: str
    label: str
    kind: str
    kind_label: str
    ambition: str
    statement: str
    complete: bool
    metrics: list[FMetric] = field(default_factory=list)

    @property
    def with_figures(self) -> int:
        return sum(m.has_figures for m in self.metrics)


@dataclass
class FEdition:
    uri: str
    slug: str
    title: str
    framework_slug: str
    framework_title: str
    version: str
    issued: str
    issued_basis: str
    status: str
    status_label: str
    description: str
    coverage: str
    publisher: str
    previous: str  # slug, "" for the first
    stated_outcomes: int | None
    stated_metrics: int | None
    count_basis: str
    retired_on: str
    retirement_reason: str
    retirement_source: str
    retirement_source_title: str
    in_use_from: str
    in_use_until: str
    in_use_basis: str
    sources: list[dict[str, str]] = field(default_factory=list)
    outcomes: list[FOutcome] = field(default_factory=list)
    metrics: list[FMetric] = field(default_factory=list)
    next: str = ""  # slug of the edition that revises this one

    @property
    def unplaced(self) -> list[FMetric]:
        return [m for m in self.metrics if not m.outcomes]

    @property
    def with_figures(self) -> int:
        return sum(m.has_figures for m in self.metrics)

    def outcome(self, number: int) -> FOutcome | None:
        return next((o for o in self.outcomes if o.number == number), None)


@dataclass
class Frameworks:
    editions: dict[str, FEdition]

    def by_framework(self) -> list[tuple[str, str, list[FEdition]]]:
        groups: dict[str, list[FEdition]] = {}
        for e in self.editions.values():
            groups.setdefault(e.framework_slug, []).append(e)
        # Frameworks in use first, retired ones after; the newest edition first within each.
        ordered = sorted(groups.items(), key=lambda kv: (all(e.status == "retired" for e in kv[1]), kv[0]))
        return [(slug, es[0].framework_title, sorted(es, key=lambda e: e.issued, reverse=True)) for slug, es in ordered]


def _text(row: dict[str, object], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _slug(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def load(store: Store, uris: Uris) -> Frameworks:
    graphs = {"frameworks_graph": iri(uris.graph("frameworks"))}
    concepts = {str(r["concept"]): (str(r["notation"]), str(r["label"]))
                for r in select(store, "frameworks-concepts", ontology_graph=iri(uris.graph("ontology")))}

    def notation(row: dict[str, object], key: str) -> str:
        return concepts.get(_text(row, key), ("", ""))[0]

    def label(row: dict[str, object], key: str) -> str:
        return concepts.get(_text(row, key), ("", "Unknown"))[1]

    editions: dict[str, FEdition] = {}
    for r in select(store, "frameworks-editions", **graphs):
        e = FEdition(
            uri=_text(r, "edition"), slug=_text(r, "slug"), title=_text(r, "title"),
            framework_slug=_text(r, "frameworkSlug"), framework_title=_text(r, "frameworkTitle"),
            version=_text(r, "version"), issued=_text(r, "issued"), issued_basis=_text(r, "issuedBasis"),
            status=notation(r, "statusConcept"), status_label=label(r, "statusConcept"),
            description=_text(r, "description"), coverage=_text(r, "coverage"), publisher=_text(r, "publisherName"),
            previous=_slug(_text(r, "previous")) if r.get("previous") else "",
            stated_outcomes=int(str(r["statedOutcomes"])) if r.get("statedOutcomes") is not None else None,
            stated_metrics=int(str(r["statedMetrics"])) if r.get("statedMetrics") is not None else None,
            count_basis=_text(r, "countBasis"), retired_on=_text(r, "retiredOn"),
            retirement_reason=_text(r, "retirementReason"), retirement_source=_text(r, "retirementSource"),
            retirement_source_title=_text(r, "retirementSourceTitle"), in_use_from=_text(r, "inUseFrom"),
            in_use_until=_text(r, "inUseUntil"), in_use_basis=_text(r, "inUseBasis"))
        editions[e.uri] = e
    for r in select(store, "frameworks-sources", **graphs):
        e = editions.get(_text(r, "edition"))
        if e is not None:
            e.sources.append({"url": _text(r, "url"), "title": _text(r, "title"), "bundled": "yes" if r.get("file")
                              else ""})
    for r in select(store, "frameworks-outcomes", **graphs):
        e = editions.get(_text(r, "edition"))
        if e is not None:
            e.outcomes.append(FOutcome(_text(r, "outcome"), int(str(r["number"])), _text(r, "key"), _text(r, "label"),
                                       notation(r, "kindConcept"), label(r, "kindConcept"), _text(r, "ambition"),
                                       _text(r, "statement"), bool(r.get("complete"))))
    # One row per outcome and LG Inform type of a metric: grouped here.
    metrics: dict[str, FMetric] = {}
    for r in select(store, "frameworks-metrics", metrics_graph=iri(uris.graph("metrics")), **graphs):
        if _text(r, "edition") not in editions:
            continue
        m = metrics.get(_text(r, "metric"))
        if m is None:
            m = FMetric(
                uri=_text(r, "metric"), key=_text(r, "key"), label=_text(r, "label"),
                label_complete=bool(r.get("complete")), type=notation(r, "typeConcept"),
                availability=notation(r, "availabilityConcept"), availability_label=label(r, "availabilityConcept"),
                organisation=_text(r, "orgName"), organisation_code=_text(r, "orgCode"),
                source_title=_text(r, "sourceTitle"), source_url=_text(r, "sourceUrl"), outcomes=[], esd_types=[],
                note=_text(r, "note"), notation=_text(r, "notation"))
            metrics[m.uri] = m
            editions[_text(r, "edition")].metrics.append(m)
        slug = _text(r, "catalogueSlug")
        if slug and slug not in {c.slug for c in m.catalogue}:
            m.catalogue.append(CatalogueLink(slug, _text(r, "catalogueLabel"), int(str(r.get("observations") or 0))))
        if r.get("number") is not None and int(str(r["number"])) not in m.outcomes:
            m.outcomes.append(int(str(r["number"])))
        esd = _text(r, "esd").rsplit("/", 1)[-1]
        if esd and esd not in m.esd_types:
            m.esd_types.append(esd)
    by_slug = {e.slug: e for e in editions.values()}
    for e in by_slug.values():
        for m in e.metrics:
            m.outcomes.sort()
            m.esd_types.sort(key=int)
            m.catalogue.sort(key=lambda c: c.slug)
            for n in m.outcomes:
                outcome = e.outcome(n)
                if outcome is not None:
                    outcome.metrics.append(m)
        e.metrics.sort(key=lambda m: (m.outcomes[:1] or [10**6], m.type != "outcome", m.notation, m.label))
        for o in e.outcomes:
            o.metrics.sort(key=lambda m: (m.type != "outcome", m.label))
        if e.previous in by_slug:
            by_slug[e.previous].next = e.slug
    return Frameworks(by_slug)


def frameworks(store: Store, uris: Uris) -> Frameworks:
    return per_build("frameworks", store, lambda: load(store, uris), uris.base)


# --- Comparing two editions ------------------------------------------------------------------------


@dataclass
class Change:
    kind: str  # "added", "removed", "changed", "unchanged", "unknown"
    what: str  # "outcome" or "metric"
    key: str
    label: str
    detail: str = ""
    href: str = ""


METRIC_FIELDS = (("label", "wording"), ("type", "type"), ("availability", "availability"),
                 ("organisation", "data source"), ("outcomes", "outcomes"))
OUTCOME_FIELDS = (("label", "name"), ("number", "number"), ("kind", "kind"), ("ambition", "ambition"))


def _fields_changed(old: object, new: object, fields: tuple[tuple[str, str], ...]) -> str:
    parts = []
    for attr, name in fields:
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            parts.append(f"{name}: {a or 'unknown'} → {b or 'unknown'}")
    return "; ".join(parts)


def diff(old: FEdition, new: FEdition) -> list[Change]:
    """What changed from `old` to `new`. An edition whose bundled text lists no outcomes (and states
    some) is unknown, not empty: its counterpart's entries are 'unknown', never 'added'."""
    out: list[Change] = []
    old_unknown = not old.outcomes and bool(old.stated_outcomes)
    new_unknown = not new.outcomes and bool(new.stated_outcomes)
    olds = {o.key: o for o in old.outcomes}
    news = {o.key: o for o in new.outcomes}
    for key, o in news.items():
        href = f"/doc/framework-edition/{new.slug}/outcome/{o.number}"
        if key in olds:
            detail = _fields_changed(olds[key], o, OUTCOME_FIELDS)
            out.append(Change("changed" if detail else "unchanged", "outcome", key, o.label, detail, href))
        else:
            out.append(Change("unknown" if old_unknown else "added", "outcome", key, o.label,
                              "not listed by the earlier edition's bundled text" if old_unknown else "", href))
    for key, o in olds.items():
        if key not in news:
            out.append(Change("unknown" if new_unknown else "removed", "outcome", key, o.label, "",
                              f"/doc/framework-edition/{old.slug}/outcome/{o.number}"))
    oldm = {m.key: m for m in old.metrics}
    newm = {m.key: m for m in new.metrics}
    old_known = not old_unknown or bool(old.metrics)
    for key, m in newm.items():
        if key in oldm:
            detail = _fields_changed(oldm[key], m, METRIC_FIELDS)
            out.append(Change("changed" if detail else "unchanged", "metric", key, m.label, detail))
        else:
            out.append(Change("added" if old_known else "unknown", "metric", key, m.label,
                              "" if old_known else "not listed by the earlier edition's bundled text"))
    for key, m in oldm.items():
        if key not in newm:
            out.append(Change("unknown" if new_unknown else "removed", "metric", key, m.label))
    return out
