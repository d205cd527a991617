"""Golden tests for "URI to page" (core/uris.py, the one place that maps a URI to its page): a
minted /id/ URI to its /doc/ page, another of the site's URIs to its path, any other URI as it is."""

from __future__ import annotations

import pytest

from core.uris import Uris

BASE = "https://example.org/lacat/"
uris = Uris(BASE)


@pytest.mark.parametrize(("uri", "path", "url"), [
    (BASE + "id/authority/BIR", "/doc/authority/BIR", BASE + "doc/authority/BIR"),
    (BASE + "id/observation/defra-household-recycling-rate/TRF/2022-23",
     "/doc/observation/defra-household-recycling-rate/TRF/2022-23",
     BASE + "doc/observation/defra-household-recycling-rate/TRF/2022-23"),
    (BASE + "id/metric/defra-household-recycling-rate/version/2", "/doc/metric/defra-household-recycling-rate/version/2",
     BASE + "doc/metric/defra-household-recycling-rate/version/2"),
    (BASE + "graph/catalogue", "/graph/catalogue", BASE + "graph/catalogue"),
    (BASE + "catalogue", "/catalogue", BASE + "catalogue"),
    ("http://statistics.data.gov.uk/id/statistical-geography/E08000009",
     "http://statistics.data.gov.uk/id/statistical-geography/E08000009",
     "http://statistics.data.gov.uk/id/statistical-geography/E08000009"),
    # Another host's /id/ under a longer base is not ours.
    ("https://example.org/id/authority/BIR", "https://example.org/id/authority/BIR",
     "https://example.org/id/authority/BIR"),
])
def test_uri_to_page(uri: str, path: str, url: str) -> None:
    assert uris.page_path(uri) == path
    assert uris.page_url(uri) == url


def test_id_to_doc_is_none_for_a_uri_not_minted_here() -> None:
    assert uris.id_to_doc(BASE + "graph/catalogue") is None
    assert uris.id_to_doc(BASE + "id/authority/BIR") == BASE + "doc/authority/BIR"


def test_the_local_filter_is_the_same_mapping(app) -> None:
    local = app.jinja_env.filters["local"]
    base = app.config["LACAT_SETTINGS"].base_uri
    assert local(base + "id/authority/BIR") == "/doc/authority/BIR"
    assert local(base + "sparql") == "/sparql"
    assert local("https://www.gov.uk/") == "https://www.gov.uk/"
    assert local(None) == "" and local("") == ""
