"""Early-warning flags, computed at build time, kept in a restricted store (docs/early-warning.md,
docs/decisions/0005-restricted-flags-store.md).

For each rule record the build can evaluate (proposed, approved or published) and each metric
it reads, the rule's method runs over the metric's observations; each firing becomes a flag
(`lacat:Flag`) about one council, one period and one metric, linked to the rule version and the
observations behind it. A flag is a prompt for questions, not a judgement: there is no score
and no ranking of councils.

Where flags go:
- always into the restricted store `var/restricted/{build id}/`: a checkpoint of the catalogue as
  the earlier steps built it, plus graph/rules and graph/flags, readable only by the service's
  user. Only the analysts' pages open it; it is never the store the public endpoint, linked-data
  documents, dumps or downloads read.
- into the public catalogue only when LACAT_FLAGS_PUBLIC is true, and then only the flags of
  published rules (and those rules).

The restricted store is named by the build id, so the analysts' pages read the flags of exactly
the catalogue that is live; a build that fails later leaves an orphan that the next build removes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from catalogue.rules import (
    EVALUATED,
    METHODS,
    READING,
    SCHEMA_FILE,
    Finding,
    MetricData,
    Observation,
    RuleRecord,
    load_rules,
    rules_graph,
)
from catalogue.step import BuildContext, GraphOutput
from core.queries import iri, load_query, select
from core.settings import Settings
from core.staging import promote, prune, staging_folder
from core.store import EmbeddedStore, Store, StoreInfo
from core.uris import LACAT, SDMX_DIM, Uris, check_slug, period_uri

KEEP_RESTRICTED = 2  # the live build's restricted store and its predecessor's, like var/stores/


# The flags and learn-from steps read the same metrics from the same build: read each once.
_READ: dict[tuple[str, str], MetricData] = {}


def metric_data(store: Store, metric_uri: str, peers_cache: dict[str, dict[str, list[str]]]) -> MetricData:
    """One metric's observations, polarity, periods and similar authorities, read in a few queries
    (once per build: observations and similar authorities do not change after their steps)."""
    key = (store.info.version, metric_uri)
    if key not in _READ:
        if any(k[0] != key[0] for k in _READ):
            _READ.clear()
        _READ[key] = _metric_data(store, metric_uri, peers_cache)
    return _READ[key]


def _metric_data(store: Store, metric_uri: str, peers_cache: dict[str, dict[str, list[str]]]) -> MetricData:
    info = select(store, "flags-metric", metric=iri(metric_uri))
    higher = next((r["higherIsBetter"] for r in info if "higherIsBetter" in r), None)
    periods = sorted({r["periodKey"] for r in info})
    method = next((r["method"] for r in info if "method" in r), None)
    decimals = next((r["decimals"] for r in info if "decimals" in r), None)
    mads: dict[str, tuple[Decimal, Decimal]] = {
        r["observation"].value: (Decimal(r["mad"].value), Decimal(r["mads"].value))
        for r in store.select(_query("flags-medians"), {"metric": iri(metric_uri)})}
    observations: dict[tuple[str, str], Observation] = {}
    # Only councils: England totals (loaded against the England area) are not flagged.
    councils = metric_uri.split("/id/metric/", 1)[0] + "/id/authority/"
    for r in store.select(_query("flags-observations"), {"metric": iri(metric_uri)}):
        if not r["authority"].value.startswith(councils):
            continue
        uri = r["observation"].value
        mad, distance = mads.get(uri, (None, None))
        obs = Observation(uri, r["authority"].value, r["periodKey"].value, Decimal(r["value"].value), mad, distance)
        observations[(obs.authority, obs.period)] = obs
    peers: dict[str, list[str]] = {}
    if method:
        if method not in peers_cache:
            table: dict[str, list[str]] = {}
            for r in select(store, "flags-peers", method=iri(method)):
                table.setdefault(r["authority"], []).append(r["peer"])
            peers_cache[method] = table
        peers = peers_cache[method]
    return MetricData(metric_uri, higher if isinstance(higher, bool) else None, periods, observations, peers,
                      decimals if isinstance(decimals, int) else None)


def _query(name: str) -> str:
    return load_query(name)


def evaluate(store: Store, rules: list[RuleRecord], uris: Uris) -> dict[str, list[Finding]]:
    """rule slug -> findings, for every rule the build evaluates."""
    cache: dict[str, MetricData] = {}
    peers_cache: dict[str, dict[str, list[str]]] = {}
    out: dict[str, list[Finding]] = {}
    for rule in rules:
        if rule.status not in EVALUATED:
            continue
        method = METHODS[rule.query]
        findings: list[Finding] = []
        data = []
        for slug in rule.metrics:
            m = uris.metric(slug)
            if m not in cache:
                cache[m] = metric_data(store, m, peers_cache)
            d = cache[m]
            if rule.adverse and d.higher_is_better is None:
                # The rule says which side is adverse for a metric with no polarity (e.g. reserves).
                d = replace(d, higher_is_better=rule.adverse == "lower")
            data.append(d)
        if method.arity == 2:
            findings.extend(method.evaluate(data[0], data[1], rule.parameters))
        else:
            for d in data:
                findings.extend(method.evaluate(d, rule.parameters))
        out[rule.slug] = sorted(findings, key=lambda f: (f.authority, f.period, f.metric))
    return out


def _code(authority_uri: str) -> str:
    return authority_uri.rsplit("/", 1)[-1]


def _slug(metric_uri: str) -> str:
    return metric_uri.rsplit("/", 1)[-1]


def flags_graph(rules: list[RuleRecord], findings: dict[str, list[Finding]], uris: Uris) -> Graph:
    """graph/flags: one lacat:Flag per finding, linked to the rule version and its evidence."""
    g = Graph()
    g.bind("lacat", LACAT)
    by_slug = {r.slug: r for r in rules}
    collection = URIRef(uris.flags())
    g.add((collection, RDF.type, LACAT.FlagCollection))
    g.add((collection, RDFS.label, Literal("Early-warning flags", lang="en")))
    g.add((collection, RDFS.comment, Literal(
        f"{READING} Each flag records that an early-warning rule fired for a council in a period, with the "
        "rule version and the observations behind it. Flags are not added up, scored or ranked.", lang="en")))
    for slug, items in findings.items():
        rule = by_slug[slug]
        version = URIRef(uris.rule_version(slug, rule.version))
        for f in items:
            node = URIRef(uris.flag(slug, rule.version, _slug(f.metric), _code(f.authority), f.period))
            g.add((collection, LACAT.member, node))
            g.add((node, RDF.type, LACAT.Flag))
            g.add((node, RDFS.label, Literal(f"{rule.data['label']}: {_code(f.authority)}, {_slug(f.metric)}, "
                                             f"{f.period}", lang="en")))
            g.add((node, RDFS.comment, Literal(READING, lang="en")))
            g.add((node, LACAT.rule, URIRef(uris.rule(slug))))
            g.add((node, LACAT.ruleVersion, version))
            g.add((node, LACAT.flaggedAuthority, URIRef(f.authority)))
            g.add((node, LACAT.metric, URIRef(f.metric)))
            g.add((node, SDMX_DIM.refPeriod, URIRef(period_uri(f.period))))
            g.add((node, LACAT.periodKey, Literal(f.period)))
            g.add((node, LACAT.detail, Literal(f.detail, lang="en")))
            g.add((node, LACAT.flaggedObservation, URIRef(f.evidence[0])))
            for obs in f.evidence:
                g.add((node, LACAT.triggeredBy, URIRef(obs)))
            g.add((node, DCTERMS.created, Literal(str(rule.data["changes"][-1]["date"]), datatype=XSD.date)))
    return g


# --- The restricted store ------------------------------------------------------------------------


def restricted_path(settings: Settings, version: str) -> Path:
    return settings.restricted_dir / check_slug(version, "build id")


def open_restricted(settings: Settings, version: str) -> EmbeddedStore | None:
    """The restricted store of a build, read-only, or None if that build has none."""
    path = restricted_path(settings, version)
    if not path.is_dir():
        return None
    info = StoreInfo(path=str(path), version=version, built_at=path.stat().st_mtime)
    return EmbeddedStore(ox.Store.read_only(str(path)), info)


def write_restricted(ctx: BuildContext, graphs: list[tuple[str, Graph]]) -> Path:
    """A checkpoint of what the build has loaded so far, plus the restricted graphs."""
    assert ctx.writer is not None
    settings = ctx.settings
    root = settings.restricted_dir
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    final = restricted_path(settings, ctx.writer.build_id)
    tmp = staging_folder(root, final.name, create=False)
    ctx.writer.store.flush()
    # A RocksDB checkpoint hard-links the store's files: a copy of the catalogue in a second, without
    # rewriting hundreds of thousands of quads.
    ctx.writer.store.backup(str(tmp))
    store = ox.Store(str(tmp))
    for name, graph in graphs:
        node = ox.NamedNode(name)
        if store.contains_named_graph(node):
            store.remove_graph(node)
        store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=node)
    store.flush()
    del store
    promote(tmp, overwrite=True)
    # A restricted store lives as long as the catalogue store of its build.
    live = {p.name for p in settings.stores_dir.iterdir()} if settings.stores_dir.is_dir() else set()
    prune(root, keep={final.name}, recent=0, still_needed=lambda p: p.name in live)
    return final


# --- The build step ------------------------------------------------------------------------------


def flags_step(ctx: BuildContext) -> list[GraphOutput]:
    """Evaluate the early-warning rules; flags go to the restricted store (and to the public
    catalogue only when LACAT_FLAGS_PUBLIC allows, for published rules)."""
    settings = ctx.settings
    metric_slugs = {r.slug for r in ctx.metric_records}
    rules = load_rules(settings.records_dir, metric_slugs)
    findings = evaluate(ctx.reader(), rules, ctx.uris)
    for rule in rules:
        n = len(findings.get(rule.slug, []))
        state = f"{n} flag(s)" if rule.status in EVALUATED else f"not evaluated ({rule.status})"
        ctx.log(f"      {rule.slug} v{rule.version}: {state}")
    rules_uri, flags_uri = ctx.graph("rules"), ctx.graph("flags")
    path = write_restricted(ctx, [(rules_uri, rules_graph(rules, ctx.uris)),
                                  (flags_uri, flags_graph(rules, findings, ctx.uris))])
    ctx.log(f"      restricted store {path.parent.name}/{path.name}")
    if not settings.flags_public:
        return []
    published = [r for r in rules if r.status == "published"]
    public = {r.slug: findings.get(r.slug, []) for r in published}
    sources = [r.path for r in rules] + [settings.records_dir / "rules" / SCHEMA_FILE]
    return [
        GraphOutput(rules_uri, rules_graph(published, ctx.uris), sources=sources, label="early-warning rules"),
        GraphOutput(flags_uri, flags_graph(published, public, ctx.uris), sources=sources,
                    label="early-warning flags", shacl=False),
    ]
