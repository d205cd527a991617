"""Every kind of resource dereferences: /id -> 303 -> /doc, in HTML and four RDF syntaxes by
Accept header and by suffix; the RDF parses with rdflib and describes the requested URI.
Also 406, Vary, alternates, /sitemap.xml and the VoID description."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import rdflib

from core.uris import VOID

RESOURCES = [
    "metric/defra-household-recycling-rate",
    "metric/defra-household-recycling-rate/version/1",
    "observation/defra-household-recycling-rate/TRF/2023-24",
    "observation/net-additional-dwellings-per-1000-stock/E92000001/2023-24",
    "dataset/defra-env18-household-recycling",
    "area/E92000001",
    "area/E12000002",
    "sdl-collection/082-00",
    "authority/TRF",
    "authority/GMCA",
    "catalogue",
]
RDF = {"ttl": ("text/turtle", "turtle"), "jsonld": ("application/ld+json", "json-ld"),
       "nt": ("application/n-triples", "nt"), "rdf": ("application/rdf+xml", "xml")}


def follow(client, path: str, accept: str):
    """Follow redirects by hand, checking each is a 303 or 301 and varies on Accept where it negotiates."""
    r = client.get(path, headers={"Accept": accept})
    hops = 0
    while r.status_code in (301, 303) and hops < 4:
        path = r.headers["Location"].replace("http://localhost", "")
        r = client.get(path, headers={"Accept": accept})
        hops += 1
    return r


@pytest.mark.parametrize("resource", RESOURCES)
def test_id_redirects_with_303(client, resource: str) -> None:
    r = client.get("/id/" + resource, headers={"Accept": "text/turtle"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/doc/" + resource)
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("suffix", list(RDF))
def test_rdf_by_accept_and_suffix(client, settings, resource: str, suffix: str) -> None:
    media, fmt = RDF[suffix]
    uri = rdflib.URIRef(settings.base_uri + "id/" + resource)
    r = follow(client, "/id/" + resource, media)
    assert r.status_code == 200 and r.mimetype == media, (resource, media)
    graph = rdflib.Graph().parse(data=r.data, format=fmt)
    assert (uri, None, None) in graph, f"{resource} as {media} does not describe {uri}"
    if resource != "catalogue":
        by_suffix = client.get(f"/doc/{resource}.{suffix}")
        assert by_suffix.status_code == 200 and by_suffix.mimetype == media
        assert "Accept" in by_suffix.headers["Vary"]
        assert len(rdflib.Graph().parse(data=by_suffix.data, format=fmt)) == len(graph)


@pytest.mark.parametrize("resource", RESOURCES)
def test_html_with_alternates(client, resource: str) -> None:
    r = follow(client, "/id/" + resource, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    for media, _ in RDF.values():
        assert re.search(rf'<link rel="alternate" type="{re.escape(media)}" href="[^"]+">', page), (resource, media)


@pytest.mark.parametrize("resource", [r for r in RESOURCES if r != "catalogue"])
def test_unsupported_type_is_406(client, resource: str) -> None:
    r = client.get("/doc/" + resource, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "Accept" in r.headers.get("Vary", "Accept")


def test_unknown_resources_are_404(client) -> None:
    for path in ("/doc/metric/nope", "/doc/metric/nope.ttl", "/doc/observation/defra-household-recycling-rate/TRF/1800",
                 "/doc/area/E99999999", "/doc/metric/defra-household-recycling-rate/version/0.ttl"):
        assert client.get(path).status_code == 404, path


def test_sitemap_lists_pages_of_every_kind(client, settings) -> None:
    r = client.get("/sitemap.xml")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [e.text for e in ET.fromstring(r.data).findall("s:url/s:loc", ns)]
    base = settings.base_uri
    for path in ("metrics", "doc/metric/defra-household-recycling-rate", "doc/authority/TRF",
                 "doc/area/E92000001", "doc/dataset/defra-env18-household-recycling", "frameworks",
                 "doc/framework-edition/lof-2026-02-first-edition/outcome/3"):
        assert base + path in locs
    assert len(locs) == len(set(locs))


def test_void_description(client, settings) -> None:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle" and "Accept" in r.headers["Vary"]
    g = rdflib.Graph().parse(data=r.data, format="turtle")
    ds = next(g.subjects(rdflib.RDF.type, VOID.Dataset))
    assert (ds, VOID.sparqlEndpoint, rdflib.URIRef(settings.base_uri + "sparql")) in g
    assert str(g.value(ds, VOID.uriSpace)) == settings.base_uri + "id/"
    assert int(g.value(ds, VOID.triples)) > 100_000
    subsets = list(g.objects(ds, VOID.subset))
    assert len(subsets) >= 5
    assert sum(int(g.value(s, VOID.triples)) for s in subsets) == int(g.value(ds, VOID.triples))
    jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("resource,page", [("similarity-method/lower-tier", "/about#similar"),
                                           ("neighbour/lower-tier/TRF/1", "/doc/authority/TRF#metrics")])
def test_method_and_neighbour_resources(client, settings, resource: str, page: str) -> None:
    # Their RDF is the data; in a browser they lead to the page that explains or shows them.
    uri = rdflib.URIRef(settings.base_uri + "id/" + resource)
    for suffix, (media, fmt) in RDF.items():
        r = client.get(f"/doc/{resource}.{suffix}")
        assert r.status_code == 200 and r.mimetype == media
        assert (uri, None, None) in rdflib.Graph().parse(data=r.data, format=fmt)
    r = client.get("/doc/" + resource, headers={"Accept": "text/html"})
    assert r.status_code == 303 and r.headers["Location"].endswith(page)
