"""Whom to learn from (public, graph/learn-from): for each metric with a direction, the councils
that do markedly better than their similar authorities, and those that improved markedly more
than them over the last periods.

- markedly-better: in the metric's latest period, the council's value is better (by the metric's
  polarity) than the median of its similar authorities' values by at least 1.5 of their median
  absolute deviations (MAD, unscaled), with at least MIN_PEERS similar authorities having a value.
- most-improved: the council's change from the baseline period (the fourth-latest period the
  metric covers, or its first if it covers fewer) to the latest is better than its similar
  authorities' median change by at least 1.5 of their changes' MAD, and is itself an improvement.

1.5 MADs is the threshold of Oflog's "better than" band (catalogue/comparison.py), applied to the
similar authorities instead of England. Similar authorities are the metric's similarity method's
15 nearest neighbours (graph/similar). A finding is a pointer to whom to talk to, never a rank:
councils are listed by name, and context and data quality can explain a difference.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from catalogue.flags import metric_data
from catalogue.rules import MetricData, _fmt
from catalogue.step import BuildContext, GraphOutput
from core.figures import figure
from core.uris import LACAT, SDMX_DIM, Uris, concept, period_uri

THRESHOLD = Decimal("1.5")
MIN_PEERS = 8  # of 15: fewer similar authorities with a value make the comparison too thin
BASELINE_STEPS = 3

CAVEAT = ("Whom to learn from, not a league table: a council listed here did markedly better than councils like it "
          "on this one measure. Local context, data quality, recording practice and how similar the councils really "
          "are can explain a difference; talk to the council before drawing conclusions.")


def _mad(values: list[Decimal], centre: Decimal) -> Decimal:
    return median([abs(v - centre) for v in values])


def _round(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def findings(data: MetricData) -> list[dict[str, object]]:
    """Learn-from findings of one metric (plain dicts, for the graph and for tests). The values stay
    exact; the sentences show them at the precision the source publishes."""

    def shown(x: Decimal) -> str:
        return figure(x, data.decimal_places) if data.decimal_places is not None else _fmt(x)

    if data.higher_is_better is None or not data.periods or not data.peers:
        return []
    sign = Decimal(1) if data.higher_is_better else Decimal(-1)
    latest = data.periods[-1]
    baseline = data.periods[max(0, len(data.periods) - 1 - BASELINE_STEPS)] if len(data.periods) > 1 else None
    out: list[dict[str, object]] = []
    for authority, peers in sorted(data.peers.items()):
        obs = data.observations.get((authority, latest))
        if obs is None:
            continue
        values = [data.observations[(p, latest)].value for p in peers if (p, latest) in data.observations]
        if len(values) >= MIN_PEERS:
            m = median(values)
            d = _mad(values, m)
            if d > 0 and sign * (obs.value - m) / d >= THRESHOLD:
                score = sign * (obs.value - m) / d
                out.append({"kind": "markedly-better", "authority": authority, "period": latest, "value": obs.value,
                            "peer_median": m, "peer_mad": d, "peers": len(values), "score": _round(score),
                            "observations": [obs.uri], "baseline": None,
                            "detail": f"{shown(obs.value)} in {latest}, against a median of {shown(m)} across "
                                      f"{len(values)} similar councils ({_fmt(_round(score))} of their MADs better)."})
        if baseline is None or baseline == latest:
            continue
        base = data.observations.get((authority, baseline))
        if base is None:
            continue
        change = obs.value - base.value
        changes = [data.observations[(p, latest)].value - data.observations[(p, baseline)].value for p in peers
                   if (p, latest) in data.observations and (p, baseline) in data.observations]
        if len(changes) < MIN_PEERS or sign * change <= 0:
            continue
        mc = median(changes)
        dc = _mad(changes, mc)
        if dc > 0 and sign * (change - mc) / dc >= THRESHOLD:
            score = sign * (change - mc) / dc
            out.append({"kind": "most-improved", "authority": authority, "period": latest, "value": change,
                        "peer_median": mc, "peer_mad": dc, "peers": len(changes), "score": _round(score),
                        "observations": [obs.uri, base.uri], "baseline": baseline,
                        "detail": f"Changed by {shown(change)} from {baseline} ({shown(base.value)}) to {latest} "
                                  f"({shown(obs.value)}), against a median change of {shown(mc)} across "
                                  f"{len(changes)} similar councils."})
    return out


def _dec(x: Decimal) -> Literal:
    return Literal(_fmt(x) if "." in _fmt(x) else _fmt(x) + ".0", datatype=XSD.decimal)


def learn_from_graph(per_metric: dict[str, list[dict[str, object]]], uris: Uris) -> Graph:
    g = Graph()
    g.bind("lacat", LACAT)
    for metric, items in per_metric.items():
        slug = metric.rsplit("/", 1)[-1]
        for f in items:
            code = str(f["authority"]).rsplit("/", 1)[-1]
            node = URIRef(uris.learn_from(str(f["kind"]), slug, code, str(f["period"])))
            g.add((node, RDF.type, LACAT.LearnFromFinding))
            g.add((node, LACAT.findingKind, concept("learn-from-kind", f["kind"])))
            g.add((node, RDFS.label, Literal(f"{code}: {f['kind'].replace('-', ' ')} on {slug}, {f['period']}",
                                             lang="en")))
            g.add((node, RDFS.comment, Literal(CAVEAT, lang="en")))
            g.add((node, LACAT.metric, URIRef(metric)))
            g.add((node, SDMX_DIM.refArea, URIRef(str(f["authority"]))))
            g.add((node, SDMX_DIM.refPeriod, URIRef(period_uri(str(f["period"])))))
            g.add((node, LACAT.periodKey, Literal(str(f["period"]))))
            if f["baseline"]:
                g.add((node, LACAT.baselinePeriodKey, Literal(str(f["baseline"]))))
            g.add((node, LACAT.value, _dec(f["value"])))  # type: ignore[arg-type]
            g.add((node, LACAT.peerMedian, _dec(f["peer_median"])))  # type: ignore[arg-type]
            g.add((node, LACAT.peerMedianAbsoluteDeviation, _dec(f["peer_mad"])))  # type: ignore[arg-type]
            g.add((node, LACAT.peerCount, Literal(int(f["peers"]))))  # type: ignore[call-overload]
            g.add((node, LACAT.madsBetterThanPeers, _dec(f["score"])))  # type: ignore[arg-type]
            g.add((node, LACAT.detail, Literal(str(f["detail"]), lang="en")))
            for obs in f["observations"]:  # type: ignore[attr-defined]
                g.add((node, LACAT.observation, URIRef(obs)))
    return g


def learn_from_step(ctx: BuildContext) -> list[GraphOutput]:
    """graph/learn-from, public: computed from the observations and similar authorities."""
    records = ctx.metric_records
    reader = ctx.reader()
    peers_cache: dict[str, dict[str, list[str]]] = {}
    per_metric: dict[str, list[dict[str, object]]] = {}
    for record in records:
        if record.polarity == "neither":
            continue
        uri = ctx.uris.metric(record.slug)
        per_metric[uri] = findings(metric_data(reader, uri, peers_cache))
        kinds = [f["kind"] for f in per_metric[uri]]
        ctx.log(f"      {record.slug}: {kinds.count('markedly-better')} markedly better, "
                f"{kinds.count('most-improved')} most improved")
    return [GraphOutput(ctx.graph("learn-from"), learn_from_graph(per_metric, ctx.uris),
                        sources=[r.path for r in records], label="whom to learn from", shacl=False)]
