"""graph/frameworks in the built catalogue: editions as versioned concept schemes, outcomes and
metrics as concepts, links to the catalogue's metrics, and the shapes that guard them."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from catalogue.framework_graph import edition_graph
from catalogue.frameworks import load_frameworks
from catalogue.ontology_step import load_ontology, load_shapes
from catalogue.shacl_check import shacl_problems
from core.settings import PROJECT_ROOT
from core.uris import DCAT, LACAT, Uris

PREFIXES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX lacat: <https://w3id.org/lacat/def#>
"""


def values(store, query: str, **bindings: URIRef) -> list[dict[str, str]]:
    # The union default graph repeats a triple held by two graphs (an edition is in graph/frameworks
    # and in graph/catalogue), so every query here is DISTINCT.
    # The IRIs bound here are minted by the project, so writing them into the query text is safe.
    query = query.replace("SELECT ", "SELECT DISTINCT ", 1)
    for name, value in bindings.items():
        query = re.sub(rf"\?{name}\b", f"<{value}>", query)
    return [{k: v.value for k, v in row.items()} for row in store.select(PREFIXES + query)]


def test_editions_are_versioned_schemes_in_one_series(store, settings) -> None:
    uris = Uris(settings.base_uri)
    rows = values(store, """
        SELECT ?edition ?version ?issued ?previous ?status WHERE {
          ?series a lacat:OutcomeFramework ; dcterms:identifier "local-outcomes-framework" ; dcat:hasVersion ?edition .
          ?edition a skos:ConceptScheme , dcat:Dataset ; dcat:inSeries ?series ; dcat:version ?version ;
                   dcterms:issued ?issued ; lacat:editionStatus/skos:notation ?status .
          OPTIONAL { ?edition dcat:previousVersion ?previous }
        } ORDER BY ?issued""")
    assert [(r["version"], r["issued"], r["status"]) for r in rows] == [
        ("draft (July 2025)", "2025-07", "superseded"), ("first edition", "2026-02-09", "current")]
    assert rows[1]["previous"] == uris.framework_edition("lof-2025-07-draft") == rows[0]["edition"]
    assert "previous" not in rows[0]


def test_outcome_3_and_its_metrics(store, settings) -> None:
    uris = Uris(settings.base_uri)
    outcome = uris.framework_outcome("lof-2026-02-first-edition", 3)
    facts = values(store, """SELECT ?label ?kind ?ambition ?complete WHERE {
        ?o skos:prefLabel ?label ; lacat:outcomeKind/skos:notation ?kind ; lacat:ambition ?ambition ;
           lacat:metricListComplete ?complete ; skos:topConceptOf ?scheme }""", o=URIRef(outcome))
    assert facts == [{"label": "Homelessness and rough sleeping", "kind": "priority",
                      "ambition": "Prevent and reduce homelessness and rough sleeping", "complete": "true"}]
    metrics = values(store, """SELECT ?label ?type ?availability ?org WHERE {
        ?m lacat:measuresOutcome ?o ; skos:broader ?o ; skos:prefLabel ?label ;
           lacat:frameworkMetricType/skos:notation ?type ; lacat:availability/skos:notation ?availability ;
           lacat:dataSourceOrganisation ?org }
        ORDER BY ?label""", o=URIRef(outcome))
    assert len(metrics) == 6 and {m["type"] for m in metrics} == {"outcome"} and {m["org"] for m in metrics} == {uris.organisation("mhclg")}
    assert [m["availability"] for m in metrics].count("placeholder") == 1
    assert "Number of families in B&B over 6 weeks" in {m["label"] for m in metrics}
    # The cohort breakdown is listed under outcome 4 as well, as the page says.
    outcome4 = uris.framework_outcome("lof-2026-02-first-edition", 4)
    shared = values(store, "SELECT ?m WHERE { ?m lacat:measuresOutcome ?a , ?b }", a=URIRef(outcome), b=URIRef(outcome4))
    assert [r["m"].rsplit("/", 1)[-1] for r in shared] == ["duties-prevented-or-relieved-multiple-disadvantage"]


def test_unknowns_are_left_out_not_filled(store, settings) -> None:
    uris = Uris(settings.base_uri)
    cut = URIRef(uris.framework_metric("lof-2026-02-first-edition",
                                       "substance-use-treatment-multiple-disadvantage-progress"))
    rows = values(store, """SELECT ?complete ?availability (COUNT(?org) AS ?orgs) (COUNT(?type) AS ?types) WHERE {
        ?m lacat:labelComplete ?complete ; lacat:availability/skos:notation ?availability .
        OPTIONAL { ?m lacat:dataSourceOrganisation ?org } OPTIONAL { ?m lacat:frameworkMetricType ?type }
        } GROUP BY ?complete ?availability""", m=cut)
    assert rows == [{"complete": "false", "availability": "unknown", "orgs": "0", "types": "1"}]
    draft = values(store, """SELECT ?outcomes (COUNT(?o) AS ?listed) WHERE {
        ?e lacat:statedOutcomeCount ?outcomes ; lacat:coverageNote ?note . OPTIONAL { ?e skos:hasTopConcept ?o }
        } GROUP BY ?outcomes""", e=URIRef(uris.framework_edition("lof-2025-07-draft")))
    assert draft == [{"outcomes": "15", "listed": "0"}]


def test_exact_match_and_catalogue_links(store, settings) -> None:
    uris = Uris(settings.base_uri)
    ks2 = URIRef(uris.framework_metric("lof-2026-02-first-edition", "ks2-reading-writing-maths"))
    assert values(store, "SELECT ?esd WHERE { ?m skos:exactMatch ?esd }", m=ks2) == [
        {"esd": "http://id.esd.org.uk/metricType/6080"}]
    recycling = URIRef(uris.framework_metric("lof-2026-02-first-edition", "household-waste-recycling-composting-reuse"))
    rows = values(store, """SELECT ?metric ?dataset ?count WHERE {
        ?fm lacat:catalogueMetric ?metric ; lacat:figuresIn ?dataset .
        ?metric lacat:observationCount ?count ; lacat:inFrameworkEdition ?fm .
        ?dataset a dcat:Dataset ; dcterms:subject ?metric }""", fm=recycling)
    assert rows == [{"metric": uris.metric("defra-household-recycling-rate"),
                     "dataset": uris.metric_dataset("defra-household-recycling-rate"), "count": rows[0]["count"]}]
    assert int(rows[0]["count"]) > 2000


def test_oflog_scheme_is_retired_with_its_reason(store, settings) -> None:
    uris = Uris(settings.base_uri)
    rows = values(store, """SELECT ?on ?reason ?source ?start ?end (COUNT(DISTINCT ?m) AS ?metrics) WHERE {
        ?e lacat:retiredOn ?on ; lacat:retirementReason ?reason ; lacat:retirementSource ?source ;
           lacat:editionStatus/skos:notation "retired" ;
           dcterms:temporal [ dcat:startDate ?start ; dcat:endDate ?end ] .
        ?m skos:inScheme ?e ; lacat:catalogueMetric ?metric } GROUP BY ?on ?reason ?source ?start ?end""",
                  e=URIRef(uris.framework_edition("oflog-data-explorer")))
    assert len(rows) == 1
    r = rows[0]
    assert (r["on"], r["start"], r["end"], r["metrics"]) == ("2024-12-16", "2023", "2025", "10")
    assert "vague and broad remit" in r["reason"]
    assert r["source"].endswith("/closure-of-the-office-for-local-government-oflog")


def test_bundled_page_text_has_provenance(store) -> None:
    rows = values(store, """SELECT ?file ?origin ?retrieved ?licence WHERE {
        ?e prov:wasDerivedFrom ?file . ?file prov:hadPrimarySource ?origin ; lacat:retrieved ?retrieved ;
        dcterms:license ?licence ; lacat:sha256 ?sha } ORDER BY ?file""".replace(
        "SELECT", "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT"))
    lof = [r for r in rows if "--lof--" in r["file"]]
    assert len(lof) == 6
    assert {r["retrieved"] for r in lof} == {"2026-12-03"}
    assert {r["licence"] for r in lof} == {"http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}


def test_shapes_reject_an_edition_without_coverage_or_a_mapping_without_basis(settings) -> None:
    uris = Uris(settings.base_uri)
    editions = {e.slug: e for e in load_frameworks(PROJECT_ROOT / "catalogue" / "records")}
    g = Graph()
    sources = PROJECT_ROOT / "ingest" / "sources"
    for slug in ("lof-2026-02-first-edition", "lof-2025-07-draft"):
        edition_graph(g, uris, editions[slug], set(), sources)
    assert shacl_problems(g + load_ontology(), load_shapes()) == []
    # Now with the mapping to a catalogue metric (typed as the metrics step types it).
    edition_graph(g, uris, editions["lof-2026-02-first-edition"], {"defra-household-recycling-rate"}, sources)
    scheme = URIRef(uris.framework_edition("lof-2026-02-first-edition"))
    g.remove((scheme, LACAT.coverageNote, None))
    g.remove((None, LACAT.mappingBasis, None))
    g.add((scheme, DCAT.previousVersion, URIRef(uris.framework_edition("lof-2024-unknown"))))
    g.add((URIRef(uris.framework_outcome("lof-2026-02-first-edition", 1)), LACAT.ambition,
           Literal("a second ambition", lang="en")))
    g.set((scheme, URIRef("http://purl.org/dc/terms/issued"), Literal("9 February 2026", datatype=XSD.string)))
    problems = "\n".join(p for p in shacl_problems(g + load_ontology(), load_shapes())
                          if not p.startswith(uris.metric("")))
    assert "what its sources show" in problems
    assert "basis of the mapping" in problems
    assert str(SKOS.ConceptScheme) not in problems  # the edition itself is still typed right
    assert problems.count(str(scheme)) >= 3  # coverage, previous version, issued
    assert uris.framework_outcome("lof-2026-02-first-edition", 1) in problems


def test_leeds_example_counts_the_values_leeds_has(store) -> None:
    """sparql/examples/framework-outcome-figures-for-leeds.rq against a direct count per metric."""
    text = (PROJECT_ROOT / "sparql" / "examples" / "framework-outcome-figures-for-leeds.rq").read_text(encoding="utf-8")
    rows = [{k: v.value for k, v in r.items()} for r in store.select(text)]
    # One row per framework metric and catalogue metric it maps to (a metric may map to several).
    assert len({r["frameworkMetric"] for r in rows}) == 6
    for r in rows:
        metric = r.get("catalogueMetric")
        if metric is None:
            assert r["leedsValues"] == "0"
            continue
        direct = values(store, """SELECT (COUNT(?obs) AS ?n) WHERE {
            ?m lacat:cube ?cube . ?obs <http://purl.org/linked-data/cube#dataSet> ?cube ;
            <http://purl.org/linked-data/sdmx/2009/dimension#refArea> ?leeds .
            ?leeds dcterms:identifier "LDS" ; a lacat:LocalAuthority }""", m=URIRef(metric))
        assert r["leedsValues"] == direct[0]["n"], metric


def test_a_framework_metric_split_by_the_catalogue_links_every_part(settings) -> None:
    """One framework metric (healthy life expectancy, split by male and female) may map to several
    catalogue metrics; only the ones the build loaded are linked."""
    uris = Uris(settings.base_uri)
    edition = {e.slug: e for e in load_frameworks(PROJECT_ROOT / "catalogue" / "records")}["lof-2026-02-first-edition"]
    hle = next(m for m in edition.metrics if m.key == "healthy-life-expectancy-at-birth")
    hle.catalogue_metrics = ["hle-female", "hle-male", "hle-not-loaded"]
    hle.mapping_basis = "test"
    g = Graph()
    edition_graph(g, uris, edition, {"hle-female", "hle-male"}, PROJECT_ROOT / "ingest" / "sources")
    node = URIRef(uris.framework_metric(edition.slug, hle.key))
    assert set(g.objects(node, LACAT.catalogueMetric)) == {URIRef(uris.metric("hle-female")), URIRef(uris.metric("hle-male"))}
    assert set(g.objects(node, LACAT.figuresIn)) == {URIRef(uris.metric_dataset("hle-female")),
                                                     URIRef(uris.metric_dataset("hle-male"))}
    assert len(list(g.objects(node, LACAT.mappingBasis))) == 1
    assert set(g.objects(node, SKOS.exactMatch)) == {URIRef("http://id.esd.org.uk/metricType/3155"),
                                                     URIRef("http://id.esd.org.uk/metricType/3156")}
