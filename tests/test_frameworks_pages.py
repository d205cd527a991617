"""Outcome framework pages over the real built catalogue (Flask test client): the list, an edition,
an outcome, the changes between editions, their JSON/CSV/RDF twins and bad addresses."""

from __future__ import annotations

import csv
import io
import time

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SKOS

from core.uris import DCAT, Uris
from web.framework_data import FEdition, FMetric, FOutcome, diff

FIRST = "lof-2026-02-first-edition"
DRAFT = "lof-2025-07-draft"
OFLOG = "oflog-data-explorer"


def observation_counts(store) -> dict[str, int]:
    rows = store.select("SELECT ?id ?n WHERE { ?m a <https://w3id.org/lacat/def#Metric> ; "
                        "<http://purl.org/dc/terms/identifier> ?id ; <https://w3id.org/lacat/def#observationCount> ?n }")
    return {r["id"].value: int(r["n"].value) for r in rows}


def test_list_of_frameworks_and_its_twins(client) -> None:
    r = client.get("/frameworks")
    assert r.status_code == 200
    assert "Local Outcomes Framework" in r.text and "Oflog Local Authority Data Explorer" in r.text
    assert f'href="/doc/framework-edition/{FIRST}"' in r.text and f'href="/doc/framework-edition/{OFLOG}"' in r.text
    assert "0 of 15 stated" in r.text and "0 of 86 stated" in r.text
    assert f'/frameworks/diff?from={DRAFT}&amp;to={FIRST}' in r.text
    items = {i["edition"]: i for i in client.get("/frameworks.json").json["items"]}
    assert set(items) == {FIRST, DRAFT, OFLOG}
    assert (items[FIRST]["outcomes_listed"], items[FIRST]["metrics_listed"], items[FIRST]["previous_version"]) == \
        (4, 32, DRAFT)
    assert items[OFLOG]["status"] == "retired" and items[OFLOG]["metrics_with_figures"] == 10
    rows = list(csv.DictReader(io.StringIO(client.get("/frameworks.csv").text)))
    assert [row["edition"] for row in rows] == list(items)


def test_every_metric_row_says_whether_the_catalogue_has_figures(client, store) -> None:
    counts = observation_counts(store)
    items = client.get(f"/doc/framework-edition/{FIRST}/metrics.json").json["items"]
    assert len(items) == 32
    for item in items:
        slugs = (item["catalogue_metric"] or "").split()
        assert item["has_figures"] == any(counts.get(s, 0) > 0 for s in slugs), item["key"]
        assert item["observations"] == sum(counts.get(s, 0) for s in slugs)
        if item["has_figures"]:
            assert item["metric_page"].split() == [f"/doc/metric/{s}" for s in slugs if counts.get(s, 0) > 0]
    html = client.get(f"/doc/framework-edition/{FIRST}").text
    recycling = html.split('id="metric-household-waste-recycling-composting-reuse"')[1].split("</tr>")[0]
    assert 'data-figures="yes"' in recycling and 'href="/doc/metric/defra-household-recycling-rate"' in recycling
    assert "http://id.esd.org.uk/metricType/46" in recycling
    assert html.count('data-figures="yes"') == sum(i["has_figures"] for i in items)
    # The linked metric page exists.
    assert client.get("/doc/metric/defra-household-recycling-rate").status_code == 200


def test_outcome_page_and_twins(client) -> None:
    r = client.get(f"/doc/framework-edition/{FIRST}/outcome/3")
    assert r.status_code == 200
    assert "Homelessness and rough sleeping" in r.text and "Prevent and reduce homelessness and rough sleeping" in r.text
    assert "Number of families in B&amp;B over 6 weeks" in r.text
    assert r.text.count('<strong class="govuk-tag govuk-tag--yellow">Placeholder</strong>') == 1
    assert "No output metrics included." in r.text
    assert f'href="/doc/framework-edition/{FIRST}/outcome/4"' in r.text  # the breakdown is also under outcome 4
    rows = list(csv.DictReader(io.StringIO(client.get(f"/doc/framework-edition/{FIRST}/outcome/3/metrics.csv").text)))
    assert len(rows) == 6 and {row["source_organisation"] for row in rows} == {"MHCLG"}
    assert {row["type"] for row in rows} == {"outcome"}
    four = client.get(f"/doc/framework-edition/{FIRST}/outcome/4").text
    assert "stops part-way through this outcome" in four and "(the bundled text stops here)" in four
    one = client.get(f"/doc/framework-edition/{FIRST}/outcome/1").text
    assert "Metrics to capture LA contribution to housing supply are being considered" in one


def test_draft_and_retired_pages_say_what_is_unknown(client) -> None:
    draft = client.get(f"/doc/framework-edition/{DRAFT}").text
    assert "do not list this edition&#39;s 15 outcomes" in draft or "do not list this edition's 15 outcomes" in draft
    assert f'href="/doc/framework-edition/{FIRST}"' in draft  # later version
    oflog = client.get(f"/doc/framework-edition/{OFLOG}").text
    assert "16 December 2024" in oflog and "vague and" in oflog and "2023 to 2025" in oflog
    assert oflog.count('data-figures="yes"') == 10


def test_rdf_twins_are_skos_and_dcat(client, settings) -> None:
    uris = Uris(settings.base_uri)
    r = client.get(f"/doc/framework-edition/{FIRST}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle" and r.headers["Vary"] == "Accept"
    g = Graph().parse(data=r.data, format="turtle")
    edition = URIRef(uris.framework_edition(FIRST))
    assert (edition, RDF.type, SKOS.ConceptScheme) in g and (edition, RDF.type, DCAT.Dataset) in g
    assert (edition, DCAT.previousVersion, URIRef(uris.framework_edition(DRAFT))) in g
    assert len(list(g.objects(edition, SKOS.hasTopConcept))) == 4 + 20  # outcomes and metrics placed under none
    outcome = Graph().parse(data=client.get(f"/doc/framework-edition/{FIRST}/outcome/3.ttl").data, format="turtle")
    assert len(list(outcome.objects(URIRef(uris.framework_outcome(FIRST, 3)), SKOS.narrower))) == 6
    ident = client.get(f"/id/framework-edition/{FIRST}/outcome/3")
    assert ident.status_code == 303 and ident.headers["Location"].endswith(f"/doc/framework-edition/{FIRST}/outcome/3")


def test_changes_between_editions(client) -> None:
    r = client.get(f"/frameworks/diff?from={DRAFT}&to={FIRST}")
    assert r.status_code == 200
    items = client.get(f"/frameworks/diff.json?from={DRAFT}&to={FIRST}").json["items"]
    # The draft's outcomes are not in its bundled text: nothing can be called added.
    assert {i["change"] for i in items} == {"unknown"} and len(items) == 4 + 32
    assert r.text.count('data-change="unknown"') == 36
    rows = list(csv.DictReader(io.StringIO(client.get(f"/frameworks/diff.csv?from={DRAFT}&to={FIRST}").text)))
    assert len(rows) == 36


def _metric(key: str, label: str, **kw) -> FMetric:
    base = dict(uri="u:" + key, key=key, label=label, label_complete=True, type="outcome", availability="available",
                availability_label="Available", organisation="MHCLG", organisation_code="MHCLG", source_title="s",
                source_url="http://s", outcomes=[1], esd_types=[])
    base.update(kw)
    return FMetric(**base)  # type: ignore[arg-type]


def _edition(slug: str, outcomes: list[FOutcome], metrics: list[FMetric], stated: int | None = None) -> FEdition:
    return FEdition(uri="u:" + slug, slug=slug, title=slug, framework_slug="f", framework_title="F", version=slug,
                    issued="2026", issued_basis="", status="current", status_label="", description="", coverage="",
                    publisher="", previous="", stated_outcomes=stated, stated_metrics=None, count_basis="",
                    retired_on="", retirement_reason="", retirement_source="", retirement_source_title="",
                    in_use_from="", in_use_until="", in_use_basis="", outcomes=outcomes, metrics=metrics)


def test_diff_reports_added_removed_and_changed() -> None:
    o1 = FOutcome("u:1", 1, "housing", "Housing", "priority", "Priority", "Build homes", "", True)
    o1b = FOutcome("u:1", 1, "housing", "Housing", "priority", "Priority", "Build the homes", "", True)
    o2 = FOutcome("u:2", 2, "roads", "Roads", "contextual", "Contextual", "", "", True)
    old = _edition("a", [o1, o2], [_metric("ta", "Rate of TA"), _metric("bb", "B&B"),
                                   _metric("prs", "PRS enforcement", availability="placeholder", type="output")])
    new = _edition("b", [o1b], [_metric("ta", "Rate of TA"), _metric("prs", "PRS enforcement", type="output"),
                                _metric("rough", "Rough sleeping")])
    by = {(c.what, c.key): c for c in diff(old, new)}
    assert by[("outcome", "housing")].kind == "changed" and "Build homes → Build the homes" in by[("outcome", "housing")].detail
    assert by[("outcome", "roads")].kind == "removed"
    assert by[("metric", "ta")].kind == "unchanged"
    assert by[("metric", "bb")].kind == "removed" and by[("metric", "rough")].kind == "added"
    assert by[("metric", "prs")].kind == "changed" and by[("metric", "prs")].detail == "availability: placeholder → available"


@pytest.mark.parametrize("url", [
    "/doc/framework-edition/no-such-edition", f"/doc/framework-edition/{FIRST}/outcome/99",
    f"/doc/framework-edition/{FIRST}/outcome/0", f"/doc/framework-edition/{FIRST}/metric/no-such-metric",
    f"/doc/framework-edition/{FIRST}/outcome/x/metrics.json", f"/doc/framework-edition/{FIRST}/metrics.xlsx",
    f"/frameworks/diff?from={OFLOG}&to={FIRST}", f"/frameworks/diff?from={FIRST}&to={FIRST}",
    "/frameworks/diff?from=../etc&to=x", "/frameworks.xml", "/doc/framework/no-such-framework",
])
def test_bad_addresses_are_404(client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_pages_answer_quickly_once_warm(client) -> None:
    urls = ["/frameworks", f"/doc/framework-edition/{FIRST}", f"/doc/framework-edition/{FIRST}/outcome/3",
            f"/frameworks/diff?from={DRAFT}&to={FIRST}", f"/doc/framework-edition/{FIRST}/metrics.json"]
    for url in urls:
        client.get(url)
    for url in urls:
        best = min(_timed(client, url) for _ in range(3))
        assert best < 0.15, (url, best)


def _timed(client, url: str) -> float:
    start = time.perf_counter()
    assert client.get(url).status_code == 200
    return time.perf_counter() - start


def test_metric_page_names_the_frameworks_it_carries_figures_for(client) -> None:
    html = client.get("/doc/metric/defra-household-recycling-rate").text
    row = html.split('id="in-frameworks"')[1].split("</div>")[0]
    assert f'href="/doc/framework-edition/{FIRST}#metric-household-waste-recycling-composting-reuse"' in row
    asc = client.get("/doc/metric/asc1-carer-quality-of-life").text.split('id="in-frameworks"')[1].split("</div>")[0]
    assert "Oflog Local Authority Data Explorer" in asc and "(retired)" in asc
    assert 'id="in-frameworks"' not in client.get("/doc/metric/finance-cfr-percent-nre").text


def test_editions_are_dcat_entries_of_the_catalogue(client, settings) -> None:
    uris = Uris(settings.base_uri)
    g = Graph().parse(data=client.get("/catalogue.ttl").data, format="turtle")
    catalogue = URIRef(uris.catalogue())
    dct = "http://purl.org/dc/terms/"
    for slug in (FIRST, DRAFT, OFLOG):
        edition = URIRef(uris.framework_edition(slug))
        assert (catalogue, DCAT.dataset, edition) in g and (edition, RDF.type, DCAT.Dataset) in g
        assert g.value(edition, URIRef(dct + "publisher")) is not None
        assert g.value(edition, URIRef("http://www.w3.org/ns/dcat#inSeries")) is not None
    first = URIRef(uris.framework_edition(FIRST))
    assert g.value(first, URIRef("http://www.w3.org/ns/dcat#previousVersion")) == URIRef(uris.framework_edition(DRAFT))
    assert str(g.value(first, URIRef(dct + "issued"))) == "2026-02-09"
    series = URIRef(uris.framework("local-outcomes-framework"))
    assert (catalogue, DCAT.dataset, series) in g and len(list(g.objects(series, DCAT.hasVersion))) == 2
