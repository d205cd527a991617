"""`lacat build`: sources and records -> RDF graphs -> validated new store -> atomic switch.

Each step returns named graphs. Steps run in order against a new store beside the live one;
later steps may query what earlier steps loaded (e.g. metrics look up which authorities existed).
Nothing becomes live until every step and every validation has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from catalogue.pipeline import CHECKS, STEPS
from catalogue.step import BuildContext, BuildFailed, Check, GraphOutput, Step, sha256_file
from catalogue.triples import TripleBuffer
from core.problems import SourceError, display_name
from core.settings import Settings
from core.store import StoreWriter
from core.uris import LACAT, Uris


def serialise_output(out: GraphOutput) -> bytes:
    """N-Triples bytes of a step's graph, whichever form the step produced."""
    if isinstance(out.graph, Graph):
        return out.graph.serialize(format="nt", encoding="utf-8")
    triples = out.graph.to_oxigraph() if isinstance(out.graph, TripleBuffer) else out.graph
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def _provenance(ctx: BuildContext, build_id: str) -> GraphOutput:
    g = Graph()
    activity = URIRef(ctx.uris.build(build_id))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDF.type, LACAT.Build))
    g.add((activity, LACAT.buildId, Literal(build_id)))
    g.add((activity, LACAT.baseUri, Literal(ctx.uris.base, datatype=XSD.anyURI)))
    g.add((activity, RDFS.label, Literal(f"Catalogue build {build_id}")))
    g.add((activity, PROV.startedAtTime, Literal(ctx.started, datatype=XSD.dateTime)))
    seen: set[Path] = set()
    for out in ctx.outputs:
        graph_uri = URIRef(out.name)
        g.add((graph_uri, PROV.wasGeneratedBy, activity))
        for src in out.sources:
            entity = URIRef(ctx.uris.source_file(src))
            g.add((graph_uri, PROV.wasDerivedFrom, entity))
            if src in seen:
                continue
            seen.add(src)
            g.add((entity, RDF.type, PROV.Entity))
            g.add((entity, RDFS.label, Literal(display_name(src))))
            g.add((entity, LACAT.sha256, Literal(sha256_file(src))))
            g.add((entity, DCTERMS.extent, Literal(src.stat().st_size, datatype=XSD.integer)))
            g.add((activity, PROV.used, entity))
    return GraphOutput(ctx.graph("provenance"), g, label="provenance")


def run_build(
    settings: Settings,
    steps: list[Step] | None = None,
    checks: list[Check] | None = None,
    publish: bool = True,
    log: Callable[[str], None] = print,
    before_publish: Callable[[BuildContext], None] | None = None,
) -> str:
    """Run every step, validate, and (if `publish`) switch the live catalogue. Returns the build id.

    `before_publish` runs on the new store after every check has passed; if it raises, the build
    stops and nothing is published (`lacat build` uses it to make the data packages)."""
    steps = STEPS if steps is None else steps
    checks = CHECKS if checks is None else checks
    now = datetime.now(UTC)
    build_id = now.strftime("%Y%m%dT%H%M%S%fZ")
    ctx = BuildContext(settings=settings, uris=Uris(settings.base_uri), log=log, started=now.isoformat())
    ctx.writer = StoreWriter(settings, build_id)
    t0 = time.perf_counter()
    try:
        for i, step in enumerate(steps, 1):
            name = step.__name__.removesuffix("_step")
            t = time.perf_counter()
            log(f"[{i}/{len(steps)}] {name} ...")
            produced = step(ctx)
            for out in produced:
                ctx.writer.replace_graph(out.name, serialise_output(out))
                ctx.outputs.append(out)
            triples = sum(len(o.graph) for o in produced)
            log(f"      {len(produced)} graph(s), {triples:,} triples in {time.perf_counter() - t:.1f}s")
        prov = _provenance(ctx, build_id)
        ctx.writer.replace_graph(prov.name, serialise_output(prov))
        ctx.outputs.append(prov)
        failures = _run_checks(ctx, checks)
        if failures:
            raise BuildFailed("\n".join(failures))
        if before_publish is not None:
            before_publish(ctx)
        if publish:
            ctx.writer.publish()
        else:
            ctx.writer.abandon()
    except (SourceError, BuildFailed):
        ctx.writer.abandon()
        raise
    except BaseException:
        ctx.writer.abandon()
        raise
    total = sum(len(o.graph) for o in ctx.outputs)
    log(f"{'built' if publish else 'validated'} catalogue {build_id}: {len(ctx.outputs)} graphs, "
        f"{total:,} triples in {time.perf_counter() - t0:.1f}s")
    return build_id


def _run_checks(ctx: BuildContext, checks: list[Check]) -> list[str]:
    """Run every check at once, and return a message for each that failed.

    They only read, and they are independent: the Data Cube and report checks are SPARQL, which
    pyoxigraph evaluates without holding the GIL, so they run on another core while pyshacl
    (pure Python) works; together they take about as long as the slowest alone. Every check runs
    even if another fails, so a maintainer sees all the problems of a build at once."""
    def timed(check: Check) -> tuple[list[str], float]:
        t = time.perf_counter()
        return check(ctx), time.perf_counter() - t

    ctx.log("checks " + ", ".join(c.__name__ for c in checks) + " ...")
    failures = []
    with ThreadPoolExecutor(max_workers=max(1, len(checks)), thread_name_prefix="check") as pool:
        futures = [(check.__name__, pool.submit(timed, check)) for check in checks]
        for name, future in futures:
            problems, seconds = future.result()
            if problems:
                shown = "\n".join(f"  - {p}" for p in problems[:50])
                more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
                failures.append(f"validation '{name}' failed with {len(problems)} problem(s):\n{shown}{more}")
            else:
                ctx.log(f"      {name} passed in {seconds:.1f}s")
    return failures
