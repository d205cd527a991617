"""DCAT editions a harvester can find, with their time span and a page; ended metrics stay listed.

ckanext-dcat and data.gov.uk's harvester read the datasets a catalogue lists with dcat:dataset; a
dataset only a series points at is never seen. The FE skills files are academic years (August to
July, as the ONS ELS files state with periods like 2019-08-01/P1Y)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH, XSD

from catalogue.datasets import load_dataset_records, load_metric_records
from catalogue.dcat import catalogue_graph
from core.uris import DCAT, Uris
from tests.helpers import official_shapes

LACAT = "https://w3id.org/lacat/def#"
FE = "fe-skills-achievements-per-100000"


@pytest.fixture(scope="module")
def served(app) -> Graph:
    r = app.test_client().get("/catalogue.ttl")
    assert r.status_code == 200
    return Graph().parse(data=r.data, format="turtle")


def test_every_edition_is_listed_by_the_catalogue(served: Graph, settings) -> None:
    cat = URIRef(settings.base_uri + "id/catalogue")
    editions = set(served.subjects(DCAT.inSeries, None))
    metric_editions = {e for e in editions if "/id/dataset/metric-" in str(e)}
    records = [m for m in load_metric_records(settings.records_dir) if m.published]
    assert len(metric_editions) == sum(len(m.periods) for m in records) >= 129
    assert len(editions) >= 135  # with the Single Data List's yearly editions
    unlisted = sorted(str(e) for e in editions if (cat, DCAT.dataset, e) not in served)
    assert unlisted == []


def _span(g: Graph, dataset: URIRef) -> tuple[str, str]:
    node = g.value(dataset, DCTERMS.temporal)
    assert node is not None, f"{dataset} has no temporal coverage"
    return str(g.value(node, DCAT.startDate)), str(g.value(node, DCAT.endDate))


def test_academic_year_editions_cover_august_to_july(served: Graph, settings) -> None:
    ed = URIRef(settings.base_uri + f"id/dataset/metric-{FE}/edition/AY2019-20")
    assert (ed, DCAT.version, Literal("AY2019-20")) in served
    assert _span(served, ed) == ("2019-08-01", "2020-07-31")
    fy = URIRef(settings.base_uri + "id/dataset/metric-defra-household-recycling-rate/edition/2016-17")
    assert _span(served, fy) == ("2016-04-01", "2017-03-31")
    # Every yearly edition of a dataset (frameworks' editions are versions of a text, not years of data).
    missing = [str(e) for e in served.subjects(DCAT.inSeries, None)
               if "/edition/" in str(e) and "/id/dataset/" in str(e) and served.value(e, DCTERMS.temporal) is None]
    assert missing == []


@pytest.mark.parametrize("path", [f"/doc/dataset/metric-{FE}/edition/AY2019-20",
                                  "/doc/dataset/metric-defra-household-recycling-rate/edition/2016-17",
                                  "/doc/dataset/single-data-list/edition/2022-23"])
def test_edition_pages_answer(client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, path
    assert "edition" in r.get_data(as_text=True).lower() or path.rsplit("/", 1)[-1] in r.get_data(as_text=True)
    assert client.get(path + ".ttl").status_code == 200


def _ended_catalogue(tmp_path: Path, settings) -> tuple[Graph, Uris]:
    """The catalogue graph as a build makes it from records where one metric was retired and one
    superseded (lacat metric retire writes exactly these fields)."""
    records = tmp_path / "records"
    shutil.copytree(settings.records_dir, records)
    for slug, extra in (("asc7-workforce-turnover-rate", {"status": "retired", "retired_on": "2026-06-30"}),
                        ("oflog-household-waste-recycling-rate",
                         {"status": "superseded", "retired_on": "2026-07-01",
                          "replaced_by": "defra-household-recycling-rate"})):
        path = records / "metrics" / f"{slug}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(extra)
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    uris = Uris(settings.base_uri)
    metrics = load_metric_records(records)
    g = catalogue_graph(uris, load_dataset_records(records, settings.sources_dir), metrics, settings.sources_dir,
                        {m.slug: None for m in metrics})
    return g, uris


def test_retired_and_superseded_metrics_stay_with_their_end_date(tmp_path: Path, settings, store) -> None:
    g, uris = _ended_catalogue(tmp_path, settings)
    cat = URIRef(uris.catalogue())
    retired = URIRef(uris.metric_dataset("asc7-workforce-turnover-rate"))
    superseded = URIRef(uris.metric_dataset("oflog-household-waste-recycling-rate"))
    for ds, day in ((retired, "2026-06-30"), (superseded, "2026-07-01")):
        assert (cat, DCAT.dataset, ds) in g
        assert (ds, RDF.type, DCAT.Dataset) in g
        assert (ds, URIRef(LACAT + "retiredOn"), Literal(day, datatype=XSD.date)) in g
        # No data package is made for an ended metric, so none is offered; the SPARQL distribution stays.
        downloads = [str(u) for d in g.objects(ds, DCAT.distribution) for u in g.objects(d, DCAT.downloadURL)]
        assert downloads == []
        assert len(list(g.objects(ds, DCAT.distribution))) == 1
        editions = [e for e in g.subjects(DCTERMS.isPartOf, ds)]
        assert editions and all((cat, DCAT.dataset, e) in g for e in editions)
    assert (superseded, DCTERMS.isReplacedBy, URIRef(uris.metric_dataset("defra-household-recycling-rate"))) in g
    assert "Retired on 2026-06-30" in str(g.value(retired, DCTERMS.description))
    # Served, the catalogue comes with the Single Data List graph its source datasets point into.
    sdl = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{settings.base_uri}graph/sdl> {{ ?s ?p ?o }} }}")
    g.parse(data=ox.serialize(sdl, format=ox.RdfFormat.N_TRIPLES), format="nt")
    conforms, report, text = validate(g, shacl_graph=official_shapes(), inference="none")
    assert conforms and list(report.subjects(SH.resultSeverity, SH.Violation)) == [], text[:3000]
