"""The DCAT catalogue: DCAT-AP 3.0.1 conformance of /catalogue, content negotiation, the dataset
records, the department -> collection -> dataset -> metric -> package chain, and the finder."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from markupsafe import escape
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from catalogue.datasets import load_dataset_records, load_metric_records, parse_dataset_record
from catalogue.dcat import check_links
from catalogue.reports import REPORTS
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from core.uris import DCAT
from tests.helpers import official_shapes

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "dcat-ap"
LACAT = "https://w3id.org/lacat/def#"



@pytest.fixture(scope="module")
def catalogue_graph(client_module) -> Graph:
    r = client_module.get("/catalogue.ttl")
    assert r.status_code == 200
    return Graph().parse(data=r.data, format="turtle")


@pytest.fixture(scope="module")
def client_module(app):
    return app.test_client()


def test_catalogue_conforms_to_dcat_ap_3(catalogue_graph: Graph) -> None:
    conforms, report, text = validate(catalogue_graph, shacl_graph=official_shapes(), inference="none")
    violations = list(report.subjects(SH.resultSeverity, SH.Violation))
    assert conforms, text[:3000]
    assert violations == []


def test_catalogue_holds_sources_metrics_sdl_and_service(catalogue_graph: Graph, settings) -> None:
    g = catalogue_graph
    base = settings.base_uri
    cat = URIRef(base + "id/catalogue")
    sdl = URIRef(base + "id/catalogue/single-data-list")
    assert (cat, RDF.type, DCAT.Catalog) in g
    assert (cat, DCAT.catalog, sdl) in g
    sources = set(g.subjects(RDF.type, URIRef(LACAT + "SourceDataset")))
    records = list((PROJECT_ROOT / "catalogue/records/datasets").glob("*.yaml"))
    assert len(sources) == len(records) >= 14
    collections = set(g.subjects(RDF.type, URIRef(LACAT + "SdlCollection")))
    assert len(collections) == 148
    assert all((sdl, DCAT.dataset, c) in g for c in collections)
    service = URIRef(base + "id/service/sparql")
    assert (service, RDF.type, URIRef("http://www.w3.org/ns/dcat#DataService")) in g
    assert (service, URIRef("http://www.w3.org/ns/dcat#endpointURL"), URIRef(base + "sparql")) in g
    metrics = [m for m in load_metric_records(settings.records_dir) if m.published]
    metric_datasets = set(g.subjects(RDF.type, URIRef(LACAT + "MetricDataset")))
    assert len(metric_datasets) == len(metrics)
    series = set(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/dcat#DatasetSeries")))
    sdl_series = URIRef(base + "id/dataset-series/single-data-list")
    assert sdl_series in series
    editions = set(g.subjects(URIRef("http://www.w3.org/ns/dcat#inSeries"), sdl_series))
    assert len(editions) == 6
    ed = URIRef(base + "id/dataset/single-data-list/edition/2022-23")
    assert str(g.value(ed, DCTERMS.issued)) == "2022-05-06"


def test_waste_source_links_to_wastedataflow(catalogue_graph: Graph, settings) -> None:
    ds = URIRef(settings.base_uri + "id/dataset/oflog-waste-metrics")
    coll = URIRef(settings.base_uri + "id/sdl-collection/082-00")
    assert (ds, DCTERMS.source, coll) in catalogue_graph
    assert (coll, DCTERMS.identifier, Literal("082-00")) in catalogue_graph
    # No licence is claimed where the source states none.
    assert catalogue_graph.value(ds, DCTERMS.license) is None
    assert catalogue_graph.value(ds, DCTERMS.rights) is not None


@pytest.mark.parametrize("media,parse_as", [
    ("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
])
def test_catalogue_by_accept_header(client, media: str, parse_as: str) -> None:
    r = client.get("/catalogue", headers={"Accept": media})
    assert r.status_code == 200
    assert r.mimetype == media
    assert "Accept" in r.headers["Vary"]
    g = Graph().parse(data=r.data, format=parse_as)
    assert len(g) > 5000


@pytest.mark.parametrize("suffix,media", [
    ("ttl", "text/turtle"), ("jsonld", "application/ld+json"), ("nt", "application/n-triples"),
    ("rdf", "application/rdf+xml"), ("html", "text/html"),
])
def test_catalogue_by_suffix(client, suffix: str, media: str) -> None:
    r = client.get(f"/catalogue.{suffix}")
    assert r.status_code == 200
    assert r.mimetype == media


def test_catalogue_html_and_unacceptable(client) -> None:
    r = client.get("/catalogue", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "Data catalogue" in r.get_data(as_text=True)
    assert client.get("/catalogue", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/catalogue.exe").status_code == 404
    assert client.get("/id/catalogue").status_code == 303


def test_every_source_slug_has_a_valid_record(settings) -> None:
    text = (PROJECT_ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    section = text.split("## Source dataset slugs", 1)[1].split("##", 1)[0]
    slugs = set(re.findall(r"`([a-z0-9-]+)`", section))
    records = {r.slug: r for r in load_dataset_records(settings.records_dir, settings.sources_dir)}
    assert len(slugs) >= 14
    assert slugs <= set(records)
    for r in records.values():
        assert r.origin["commit"] and r.contact_url and r.landing_page
        for f in r.files:
            assert (settings.sources_dir / f).is_file(), f


def test_record_problems_name_file_and_field(tmp_path: Path, settings) -> None:
    src = PROJECT_ROOT / "catalogue/records/datasets/oflog-waste-metrics.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    data["licence"] = "public-domain"
    data["sdl"][0]["ref"] = "82-0"
    data["files"] = ["oflog/not-there.csv"]
    bad = tmp_path / "records" / "datasets" / "oflog-waste-metrics.yaml"
    bad.parent.mkdir(parents=True)
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        parse_dataset_record(bad, settings.sources_dir)
    messages = [str(p) for p in exc.value.problems]
    assert any("datasets/oflog-waste-metrics.yaml" in m and "field 'licence'" in m for m in messages)
    assert any("field 'sdl[1].ref'" in m for m in messages)
    assert any("field 'files'" in m and "not-there.csv" in m for m in messages)


def test_unknown_sdl_reference_stops_the_build(settings) -> None:
    records = load_dataset_records(settings.records_dir, settings.sources_dir)
    with open(settings.sources_dir / "single-data-list" / "sdl_collections.csv", encoding="utf-8") as fh:
        refs = {row["ref"] for row in csv.DictReader(fh)}
    assert check_links(records, [], refs) == []
    problems = [str(p) for p in check_links(records, [], refs - {"082-00"})]
    assert sorted(p.split("records/", 1)[1] for p in problems) == [
        "datasets/defra-env18-household-recycling.yaml, field 'sdl[1].ref': SDL reference 082-00 is not on the "
        "loaded Single Data List [sdl-ref-known]",
        "datasets/defra-la-collected-waste.yaml, field 'sdl[1].ref': SDL reference 082-00 is not on the loaded "
        "Single Data List [sdl-ref-known]",
        "datasets/oflog-waste-metrics.yaml, field 'sdl[1].ref': SDL reference 082-00 is not on the loaded "
        "Single Data List [sdl-ref-known]",
    ]


def test_sdl_chain_is_one_query(store, settings) -> None:
    query = (PROJECT_ROOT / "sparql" / "examples" / "sdl-chain.rq").read_text(encoding="utf-8")
    rows = store.select(query)
    chains = {(r["departmentName"].value, r["ref"].value, r["datasetTitle"].value, r["metric"].value,
               r["package"].value) for r in rows}
    assert chains
    base = settings.base_uri
    waste = {c for c in chains if c[1] == "082-00"}
    assert {c[0] for c in waste} == {"Department for Environment, Food and Rural Affairs"}
    waste_metrics = {m.slug for m in load_metric_records(settings.records_dir) if m.published
                     and any(s.dataset in ("oflog-waste-metrics", "defra-env18-household-recycling", "defra-la-collected-waste")
                            for s in m.sources)}
    assert {c[3] for c in waste} == {base + "id/metric/" + s for s in waste_metrics}
    assert all(c[4] == base + "downloads/metric/" + c[3].rsplit("/", 1)[1] + ".zip" for c in chains)
    # The carers' survey feeds only the carers' measures, not every adult social care metric.
    carers = {c[3].rsplit("/", 1)[1] for c in chains if c[1] == "140-00"}
    assert carers and all(s.startswith(("asc1-", "asc4-")) for s in carers)


def test_report_queries_in_docs_match_the_served_ones() -> None:
    for rep in REPORTS:
        served = (PROJECT_ROOT / "sparql" / "queries" / f"{rep.query}.rq").read_text(encoding="utf-8")
        documented = (PROJECT_ROOT / "docs" / "reports" / f"{rep.name}.rq").read_text(encoding="utf-8")
        assert served == documented, rep.name


def _titles(html: str) -> list[str]:
    return re.findall(r'<li class="lacat-result" data-kind="(\w+)">\s*<h2[^>]*><a class="govuk-link" href="([^"]+)"',
                      html)


def test_department_user_finds_every_dataset_and_the_metrics_using_it(client, settings) -> None:
    """A DEFRA user ticks their department and sees each DEFRA dataset and return, and the metrics."""
    r = client.get("/datasets")
    html = r.get_data(as_text=True)
    assert 'name="department" type="checkbox" value="defra"' in html
    r = client.get("/datasets?department=defra")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    found = {href for _, href in _titles(html)}
    rows = list(csv.DictReader(open(settings.sources_dir / "single-data-list" / "sdl_collections.csv",
                                    encoding="utf-8")))
    defra_refs = {row["ref"] for row in rows if row["department"].split("/")[0] == "DEFRA"}
    assert len(defra_refs) == 14
    assert {f"/doc/sdl-collection/{ref}" for ref in defra_refs} <= found
    records = load_dataset_records(settings.records_dir, settings.sources_dir)
    defra_sources = {r.slug for r in records
                     if r.publisher.sdl_code == "DEFRA" or any(link.ref in defra_refs for link in r.sdl)}
    assert defra_sources == {"defra-env18-household-recycling", "oflog-waste-metrics", "defra-la-collected-waste"}
    assert {f"/doc/dataset/{s}" for s in defra_sources} <= found
    for m in load_metric_records(settings.records_dir):
        if m.published and any(s.dataset in defra_sources for s in m.sources):
            assert str(escape(m.title)) in html
    assert "/doc/dataset/oflog-asc-data" not in found


def test_datasets_text_search_and_facets(client) -> None:
    html = client.get("/datasets?q=WasteDataFlow").get_data(as_text=True)
    assert "/doc/sdl-collection/082-00" in html
    html = client.get("/datasets?kind=source&theme=EDUC").get_data(as_text=True)
    found = {href for _, href in _titles(html)}
    assert found == {"/doc/dataset/ons-els-fe-skills-achievements", "/doc/dataset/ons-els-fe-skills-participation",
                     "/doc/dataset/ons-els-ks2-expected-standard", "/doc/dataset/ons-els-gcse-english-maths-age-19",
                     "/doc/dataset/ons-els-persistent-absence", "/doc/dataset/ons-els-early-years-foundation-stage"}
    html = client.get("/datasets?sdl_status=not-from-an-sdl-return&kind=metric").get_data(as_text=True)
    assert {k for k, _ in _titles(html)} == {"metric"}
    html = client.get("/datasets?q=%3Cscript%3E").get_data(as_text=True)
    assert "<script>" not in html.split("</header>", 1)[1].split("<script type=\"module\"")[0]


def test_dataset_pages(client) -> None:
    html = client.get("/doc/dataset/oflog-asc-data").get_data(as_text=True)
    for ref in ("135-00", "140-00", "260-00", "142-00"):
        assert f"/doc/sdl-collection/{ref}" in html
    assert "No licence stated" in html or "no licence file" in html
    assert "16628da1e26909e5d88de993585959d7633f7df1" in html
    assert client.get("/doc/dataset/no-such-dataset").status_code == 404
    assert client.get("/doc/dataset/..%2Fetc").status_code == 404
    r = client.get("/doc/dataset/oflog-asc-data", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and b"082-00" not in r.data and b"sdl-collection/140-00" in r.data
