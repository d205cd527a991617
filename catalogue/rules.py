"""Early-warning rules: reviewed records (catalogue/records/rules/{slug}.yaml) -> RDF, and the
methods that evaluate them.

A rule names the metrics it reads, its thresholds (parameters) and its evidence query,
sparql/queries/rules/{query}.rq. The evidence query is the rule's definition in SPARQL: bound to
a metric, an authority and a period (and the thresholds), it returns the observations behind a
flag and what was found, or nothing when the rule does not fire. The build evaluates the same
definition in Python (`METHODS`), because evaluating the queries for every authority and period
takes minutes where one pass over the observations takes a second; tests check that both agree
(docs/early-warning.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from core.problems import Problem, SourceError, display_name
from core.queries import PREFIX_BLOCK
from core.uris import DCAT, LACAT, Uris, concept
from core.yaml_records import Record, line_of, read_records, schema_validator

RULES_DIR = "rules"
SCHEMA_FILE = "rule.schema.json"
QUERY_DIR = Path(__file__).resolve().parent.parent / "sparql" / "queries" / "rules"

# Statuses whose flags the build computes; draft rules are still being written and retired rules
# are kept for the record only.
EVALUATED = frozenset({"proposed", "approved", "published"})
READING = "A prompt for questions, not a judgement."


class RuleRecord(Record):
    @property
    def version(self) -> int:
        return int(self.data["version"])

    @property
    def status(self) -> str:
        return self.data["status"]

    @property
    def query(self) -> str:
        return self.data["query"]

    @property
    def metrics(self) -> list[str]:
        return list(self.data["metrics"])

    @property
    def adverse(self) -> str | None:
        """For metrics without a polarity: the side the rule treats as adverse ('lower' or 'higher')."""
        return self.data.get("adverse")

    @property
    def parameters(self) -> dict[str, Decimal]:
        return {p["name"]: Decimal(str(p["value"])) for p in self.data["parameters"]}



def query_text(name: str) -> str:
    """sparql/queries/rules/{name}.rq with the project's prefixes declared."""
    path = QUERY_DIR / f"{name}.rq"
    if path.parent != QUERY_DIR or not path.is_file():
        raise KeyError(f"no such rule query: {name}")
    return PREFIX_BLOCK + path.read_text(encoding="utf-8")


def _projected(text: str) -> set[str]:
    """Variables a query's SELECT clause names, for the check that every parameter is bindable
    (pyoxigraph substitutes only projected variables)."""
    head = text.split("WHERE", 1)[0]
    head = head[head.upper().find("SELECT"):]
    names: set[str] = set()
    depth = 0
    previous = ""
    for token in head.replace("(", " ( ").replace(")", " ) ").split():
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token.startswith("?") and (depth == 0 or previous.upper() == "AS"):
            names.add(token[1:])
        previous = token
    return names


def load_rules(records_dir: Path, metric_slugs: set[str] | None = None) -> list[RuleRecord]:
    """Every rule record, validated; raises SourceError naming file, line and field."""
    folder = records_dir / RULES_DIR
    good, problems = read_records(sorted(folder.glob("*.yaml")), schema_validator(folder / SCHEMA_FILE), "rule")
    rules: list[RuleRecord] = []
    for path, data, node in good:
        rule = RuleRecord(path, data)
        problems.extend(_record_rules(rule, node, metric_slugs))
        rules.append(rule)
    if problems:
        raise SourceError(problems)
    return rules


def _record_rules(rule: RuleRecord, node: yaml.Node, metric_slugs: set[str] | None) -> list[Problem]:
    """Checks a JSON Schema cannot express."""
    name = display_name(rule.path)
    data = rule.data
    out: list[Problem] = []

    def problem(message: str, path: list[Any], field: str, check: str) -> None:
        out.append(Problem(name, message, line_of(node, path), field, check))

    if rule.slug != rule.path.stem:
        problem(f"slug {rule.slug!r} must equal the file name {rule.path.stem!r}", ["slug"], "slug",
                "slug-matches-file")
    versions = [c["version"] for c in data["changes"]]
    if rule.version not in versions or max(versions) != rule.version:
        problem(f"version {rule.version} must be the latest entry in changes (latest {max(versions)})",
                ["version"], "version", "version-in-changes")
    if rule.status == "published" and "approval" not in data:
        problem("a published rule needs an approval (by, on)", ["status"], "approval", "published-needs-approval")
    if rule.status == "retired" and "replaced_by" in data and data["replaced_by"] == rule.slug:
        problem("a rule cannot replace itself", ["replaced_by"], "replaced_by", "replaced-by-other")
    for i, slug in enumerate(rule.metrics):
        if metric_slugs is not None and slug not in metric_slugs:
            problem(f"metric {slug!r} has no record in catalogue/records/metrics/", ["metrics", i], f"metrics.{i}",
                    "metric-exists")
    if rule.query not in METHODS:
        problem(f"no evaluation method for query {rule.query!r} (known: {', '.join(sorted(METHODS))})",
                ["query"], "query", "query-known")
        return out
    try:
        text = query_text(rule.query)
    except KeyError:
        problem(f"no query file sparql/queries/rules/{rule.query}.rq", ["query"], "query", "query-exists")
        return out
    method = METHODS[rule.query]
    if method.arity == 2 and len(rule.metrics) != 2:
        problem(f"query {rule.query} reads exactly two metrics: the high one, then the low one", ["metrics"],
                "metrics", "metric-count")
    names = [p["name"] for p in data["parameters"]]
    for i, pname in enumerate(names):
        if pname not in method.parameters:
            problem(f"query {rule.query} takes no parameter {pname!r} (it takes {', '.join(method.parameters)})",
                    ["parameters", i, "name"], f"parameters.{i}.name", "parameter-known")
    for pname in method.parameters:
        if pname not in names:
            problem(f"query {rule.query} needs a value for parameter {pname!r}", ["parameters"], "parameters",
                    "parameter-given")
    projected = _projected(text)
    extra = ("higher",) if rule.adverse else ()
    for var in ("metric", "authority", "periodKey", "evidence", "detail", *method.parameters, *method.metric_vars,
                *extra):
        if var not in projected:
            problem(f"sparql/queries/rules/{rule.query}.rq must project ?{var}", ["query"], "query",
                    "query-projects")
    return out


# --- Rules as RDF --------------------------------------------------------------------------------


def rules_graph(rules: list[RuleRecord], uris: Uris) -> Graph:
    """graph/rules: each rule, and its current version with rationale, thresholds and query."""
    g = Graph()
    g.bind("lacat", LACAT)
    for rule in rules:
        d = rule.data
        r = URIRef(uris.rule(rule.slug))
        v = URIRef(uris.rule_version(rule.slug, rule.version))
        g.add((r, RDF.type, LACAT.EarlyWarningRule))
        g.add((r, RDFS.label, Literal(d["label"], lang="en")))
        g.add((r, DCTERMS.identifier, Literal(rule.slug)))
        g.add((r, LACAT.currentVersion, v))
        g.add((r, LACAT.lifecycleStatus, concept("rule-lifecycle", rule.status)))
        if d.get("replaced_by"):
            g.add((r, DCTERMS.isReplacedBy, URIRef(uris.rule(d["replaced_by"]))))
        for change in d["changes"]:
            g.add((r, SKOS.changeNote, Literal(f"Version {change['version']} ({change['date']}): {change['note']}",
                                               lang="en")))
        g.add((v, RDF.type, LACAT.RuleVersion))
        g.add((v, DCTERMS.isVersionOf, r))
        g.add((v, DCAT.version, Literal(str(rule.version))))
        g.add((v, RDFS.label, Literal(f"{d['label']} (version {rule.version})", lang="en")))
        g.add((v, LACAT.rationale, Literal(d["rationale"].strip(), lang="en")))
        g.add((v, LACAT.reading, Literal(d["reading"].strip(), lang="en")))
        g.add((v, RDFS.comment, Literal(READING, lang="en")))
        g.add((v, LACAT.lifecycleStatus, concept("rule-lifecycle", rule.status)))
        g.add((v, LACAT.evidenceQuery, Literal(query_text(rule.query))))
        g.add((v, LACAT.evidenceQueryName, Literal(f"sparql/queries/rules/{rule.query}.rq")))
        for slug in rule.metrics:
            g.add((v, LACAT.readsMetric, URIRef(uris.metric(slug))))
        for caveat in d["caveats"]:
            g.add((v, LACAT.caveat, Literal(caveat, lang="en")))
        for p in d["parameters"]:
            node = URIRef(uris.rule_parameter(rule.slug, rule.version, p['name']))
            g.add((v, LACAT.parameter, node))
            g.add((node, RDF.type, LACAT.RuleParameter))
            g.add((node, LACAT.parameterName, Literal(p["name"])))
            g.add((node, RDF.value, parameter_literal(p["value"])))
            g.add((node, RDFS.label, Literal(p["label"], lang="en")))
        change = next(c for c in d["changes"] if c["version"] == rule.version)
        g.add((v, DCTERMS.issued, Literal(str(change["date"]), datatype=XSD.date)))
        g.add((v, SKOS.changeNote, Literal(change["note"], lang="en")))
        if rule.version > 1:
            g.add((v, URIRef(str(DCAT) + "previousVersion"), URIRef(uris.rule_version(rule.slug, rule.version - 1))))
        if d.get("approval"):
            a = d["approval"]
            g.add((v, LACAT.approvedBy, Literal(a["by"])))
            g.add((v, LACAT.approvedOn, Literal(str(a["on"]), datatype=XSD.date)))
    return g


def parameter_literal(value: int | float) -> Literal:
    """Integers bind as xsd:integer and other numbers as xsd:decimal, as the queries compare them."""
    if isinstance(value, int):
        return Literal(str(value), datatype=XSD.integer)
    return Literal(str(Decimal(str(value))), datatype=XSD.decimal)


# --- Evaluation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    uri: str
    authority: str  # authority URI
    period: str  # period key
    value: Decimal
    mad: Decimal | None  # England MAD of the observation's comparison group and period
    mads: Decimal | None = None  # distance from that England median in MADs (lacat:madsFromMedian)


@dataclass(frozen=True)
class MetricData:
    """What one metric's rule evaluation needs, read from the catalogue in one pass."""

    uri: str
    higher_is_better: bool | None
    periods: list[str]  # covered period keys, ascending
    observations: dict[tuple[str, str], Observation]  # (authority URI, period key) -> observation
    peers: dict[str, list[str]]  # authority URI -> similar authority URIs (the metric's method)
    decimal_places: int | None = None  # the precision the source publishes (texts round to it)


@dataclass(frozen=True)
class Finding:
    """One firing of a rule: the flagged authority and period, the observations behind it."""

    metric: str
    authority: str
    period: str
    evidence: tuple[str, ...]  # the flagged period's observation first
    detail: str


def _fmt(x: Decimal) -> str:
    """A decimal as SPARQL's STR() writes it (no exponent, no trailing zeros)."""
    text = format(x.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


def _adverse(higher: bool, later: Decimal, earlier: Decimal) -> bool:
    return later < earlier if higher else later > earlier


def sustained_adverse_trend(data: MetricData, params: dict[str, Decimal]) -> list[Finding]:
    """Three consecutive adverse moves over four consecutive covered periods, moving at least
    minMads England MADs in all (sparql/queries/rules/sustained-adverse-trend.rq)."""
    if data.higher_is_better is None:
        return []
    higher = data.higher_is_better
    found = []
    keys = data.periods
    authorities = sorted({a for a, _ in data.observations})
    for i in range(3, len(keys)):
        run = keys[i - 3:i + 1]
        for authority in authorities:
            obs = [data.observations.get((authority, k)) for k in run]
            if any(o is None for o in obs):
                continue
            o0, o1, o2, o3 = obs
            if not (_adverse(higher, o1.value, o0.value) and _adverse(higher, o2.value, o1.value)
                    and _adverse(higher, o3.value, o2.value)):
                continue
            if o3.mad is None or o3.mad <= 0 or abs(o3.value - o0.value) < params["minMads"] * o3.mad:
                continue
            moved = (abs(o3.value - o0.value) / o3.mad * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 10
            detail = (f"{'Fell' if higher else 'Rose'} in each of three consecutive periods: "
                      + ", ".join(f"{o.period} {_fmt(o.value)}" for o in obs)
                      + f" (a move of {_fmt(moved)} England MADs).")
            found.append(Finding(data.uri, authority, o3.period, (o3.uri, o2.uri, o1.uri, o0.uri), detail))
    return found


def lowest_decile_of_similar(data: MetricData, params: dict[str, Decimal]) -> list[Finding]:
    """Fewer than `share` of the similar authorities with a value in the period are as bad or worse
    (sparql/queries/rules/lowest-decile-of-similar.rq)."""
    if data.higher_is_better is None:
        return []
    higher = data.higher_is_better
    found = []
    for (authority, period), obs in sorted(data.observations.items()):
        values = [data.observations[(p, period)].value for p in data.peers.get(authority, [])
                  if (p, period) in data.observations]
        n = len(values)
        if n < params["minPeers"]:
            continue
        as_bad = sum(1 for v in values if (v <= obs.value if higher else v >= obs.value))
        if not as_bad < params["share"] * n:
            continue
        detail = (f"Value {_fmt(obs.value)} in {period}: {as_bad} of {n} similar authorities with a value were as "
                  f"{'low' if higher else 'high'} or {'lower' if higher else 'higher'}.")
        found.append(Finding(data.uri, authority, period, (obs.uri,), detail))
    return found


def fall_over_two_periods(data: MetricData, params: dict[str, Decimal]) -> list[Finding]:
    """Two consecutive period-on-period percentage changes compound to a fall of at least maxFall
    per cent (sparql/queries/rules/fall-over-two-periods.rq)."""
    found = []
    keys = data.periods
    for i in range(1, len(keys)):
        k0, k1 = keys[i - 1], keys[i]
        for (authority, period), later in sorted(data.observations.items()):
            if period != k1 or (authority, k0) not in data.observations:
                continue
            earlier = data.observations[(authority, k0)]
            change = ((1 + earlier.value / 100) * (1 + later.value / 100) - 1) * 100
            if change > -params["maxFall"]:
                continue
            shown = (change * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 10
            detail = (f"Changed by {_fmt(earlier.value)}% in {k0} and {_fmt(later.value)}% in {k1}: "
                      f"{_fmt(shown)}% over the two periods.")
            found.append(Finding(data.uri, authority, k1, (later.uri, earlier.uri), detail))
    return found


def high_and_low(high: MetricData, low: MetricData, params: dict[str, Decimal]) -> list[Finding]:
    """In one period, `high` at least minMads England MADs above its median and `low` at least
    minMads below its own (sparql/queries/rules/high-and-low.rq)."""
    found = []
    for (authority, period), h in sorted(high.observations.items()):
        lo = low.observations.get((authority, period))
        if lo is None or h.mads is None or lo.mads is None:
            continue
        if h.mads >= params["minMads"] and lo.mads <= -params["minMads"]:
            detail = (f"In {period}: {_fmt(h.value)} ({_fmt(h.mads)} England MADs above the median) with "
                      f"{_fmt(lo.value)} ({_fmt(lo.mads)} MADs below).")
            found.append(Finding(high.uri, authority, period, (h.uri, lo.uri), detail))
    return found


@dataclass(frozen=True)
class Method:
    evaluate: Callable[..., list[Finding]]
    parameters: tuple[str, ...]
    arity: int = 1  # metrics per evaluation: 1 = each metric of the rule in turn, 2 = a pair
    metric_vars: tuple[str, ...] = ()  # further metric variables the query binds, after ?metric


METHODS: dict[str, Method] = {
    "sustained-adverse-trend": Method(sustained_adverse_trend, ("minMads",)),
    "lowest-decile-of-similar": Method(lowest_decile_of_similar, ("share", "minPeers")),
    "fall-over-two-periods": Method(fall_over_two_periods, ("maxFall",)),
    "high-and-low": Method(high_and_low, ("minMads",), arity=2, metric_vars=("lowMetric",)),
}


def bindings(rule: RuleRecord, uris: Uris | None = None) -> dict[str, Literal | URIRef]:
    """The rule's thresholds (and direction, and further metrics) as terms for its evidence query."""
    out: dict[str, Literal | URIRef] = {p["name"]: parameter_literal(p["value"]) for p in rule.data["parameters"]}
    if rule.adverse:
        out["higher"] = Literal(rule.adverse == "lower")
    method = METHODS[rule.query]
    if uris is not None:
        for var, slug in zip(method.metric_vars, rule.metrics[1:], strict=False):
            out[var] = URIRef(uris.metric(slug))
    return out


def lifecycle_concept(status: str) -> URIRef:
    return concept("rule-lifecycle", status)
