"""Whom to learn from, over the real built catalogue: public findings with the figures behind
them, the /learn-from page and JSON, and the partial for council pages."""

from __future__ import annotations

from statistics import median

import pytest
from flask import render_template_string

from catalogue.learn_from import THRESHOLD
from core.queries import iri, select
from core.uris import Uris
from web.learn_from import for_authority

ASC5 = "asc5-short-term-services-sequel"


@pytest.fixture(scope="module")
def uris(settings) -> Uris:
    return Uris(settings.base_uri)


def test_a_real_finding_with_the_figures_behind_it(store, uris) -> None:
    """Cheshire East's ASC5 in 2022-23 (91 in Oflog's file) against its 15 similar councils."""
    rows = {r["code"]: r for r in select(store, "learn-from-findings", metric=iri(uris.metric(ASC5)))
            if r["kind"] == "markedly-better"}
    che = rows["CHE"]
    assert (che["value"], che["periodKey"], che["peerCount"]) == (91.0, "2022-23", 15)
    # Recompute the median and MAD of the similar councils' values from the published observations.
    peers = [r["peer"] for r in store.select(
        "SELECT ?a ?m ?peer WHERE { ?a <https://w3id.org/lacat/def#hasNeighbour> ?n . "
        "?n <https://w3id.org/lacat/def#neighbour> ?peer ; <https://w3id.org/lacat/def#method> ?m }",
        {"a": iri(uris.authority("CHE")), "m": iri(uris.similarity_method("upper-tier"))})]
    values = []
    for peer in peers:
        obs = iri(uris.observation(ASC5, peer.value.rsplit("/", 1)[-1], "2022-23"))
        found = store.select("SELECT ?o ?m ?v WHERE { ?o ?m ?v }", {"o": obs, "m": iri(uris.metric(ASC5))})
        values += [float(r["v"].value) for r in found]
    m = median(values)
    mad = median(abs(v - m) for v in values)
    assert che["peerMedian"] == pytest.approx(m) and che["peerMad"] == pytest.approx(mad)
    assert (91.0 - m) / mad >= float(THRESHOLD)
    assert che["mads"] == pytest.approx(round((91.0 - m) / mad, 2))


def test_findings_respect_polarity_and_threshold(store, uris) -> None:
    for slug, higher in ((ASC5, True), ("oflog-residual-household-waste", False)):
        rows = select(store, "learn-from-findings", metric=iri(uris.metric(slug)))
        assert rows
        for r in rows:
            assert r["mads"] >= float(THRESHOLD)
            if r["kind"] == "markedly-better":
                assert (r["value"] > r["peerMedian"]) if higher else (r["value"] < r["peerMedian"])
            else:
                assert (r["value"] > 0) if higher else (r["value"] < 0)  # an improvement
                assert r["baselinePeriodKey"] < r["periodKey"]


def test_no_findings_for_metrics_without_a_direction(store, uris) -> None:
    assert select(store, "learn-from-findings", metric=iri(uris.metric("asc6-requests-resulting-in-service"))) == []


def test_learn_from_page_and_json(client) -> None:
    page = client.get(f"/learn-from/{ASC5}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Cheshire East Council" in html and "not a league table" in html
    assert "Caveats of this metric" in html
    data = client.get(f"/learn-from/{ASC5}.json").get_json()
    che = next(f for f in data["findings"] if f["code"] == "CHE" and f["kind"] == "markedly-better")
    assert che["value"] == 91.0
    assert "not a league table" in data["caveat"]
    assert client.get("/learn-from/no-such-metric").status_code == 404


def test_list_is_in_name_order_not_ranked(client) -> None:
    data = client.get(f"/learn-from/{ASC5}.json").get_json()
    for kind in ("markedly-better", "most-improved"):
        names = [f["authorityLabel"] for f in data["findings"] if f["kind"] == kind]
        assert names == sorted(names)


def test_partial_for_a_council_lists_similar_councils_that_do_better(app, store, uris) -> None:
    with app.test_request_context("/"):
        data = for_authority(store, uris.authority("BIR"), uris.metric(ASC5))
        html = render_template_string('{% include "partials/learn_from.html" %}', learn_from=data)
    rows = [r for g in data["groups"] for r in g["rows"]]
    similar = {r["neighbour"].value for r in store.select(
        "SELECT ?a ?neighbour WHERE { ?a <https://w3id.org/lacat/def#similarTo> ?neighbour }",
        {"a": iri(uris.authority("BIR"))})}
    assert rows and all(r["peer"] in similar for r in rows)
    # Coventry improved ASC5 from 66.8 (2019-20) to 75 (2022-23).
    cov = next(r for r in rows if r["peerCode"] == "COV")
    assert cov["kind"] == "most-improved" and cov["value"] == pytest.approx(8.2)
    assert "Councils like yours that do better on this" in html and "Coventry City Council" in html
