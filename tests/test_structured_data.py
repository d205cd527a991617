"""schema.org JSON-LD on council, Single Data List collection and catalogue pages (search engines
read it; dataset search engines skip a dataset without schema.org Dataset markup)."""

from __future__ import annotations

import json
import re

import pytest

BLOCK = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def blocks(client, path: str) -> list[dict]:
    r = client.get(path)
    assert r.status_code == 200, path
    return [json.loads(b) for b in BLOCK.findall(r.get_data(as_text=True))]


def test_council_page_is_a_government_organisation(client, settings) -> None:
    [org] = blocks(client, "/doc/authority/BIR")
    assert org["@context"] == "https://schema.org/" and org["@type"] == "GovernmentOrganization"
    assert org["@id"] == settings.base_uri + "id/authority/BIR"
    assert org["name"] == "Birmingham City Council"
    assert org["url"] == settings.base_uri + "doc/authority/BIR"
    ids = {i["propertyID"]: i["value"] for i in org["identifier"]}
    assert ids["local-authority-code"] == "BIR" and ids["GSS"] == "E08000025"
    assert org["location"]["name"] == "West Midlands"


def test_a_renamed_councils_former_codes_are_identifiers(client) -> None:
    [org] = blocks(client, "/doc/authority/NBL")
    former = [i["value"] for i in org["identifier"] if i["propertyID"] == "GSS (former)"]
    assert "E06000048" in former  # Northumberland's code until 2020


def test_sdl_collection_page_is_a_dataset(client, settings) -> None:
    [ds] = blocks(client, "/doc/sdl-collection/082-00")
    assert ds["@type"] == "Dataset" and ds["identifier"] == "082-00"
    assert ds["@id"] == settings.base_uri + "id/sdl-collection/082-00"
    assert ds["name"].startswith("082-00 ") and len(ds["description"]) >= 50
    assert ds["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert ds["publisher"]["name"]


def test_catalogue_page_is_a_data_catalog_of_every_dataset(client, settings) -> None:
    [cat] = blocks(client, "/catalogue")
    assert cat["@type"] == "DataCatalog" and cat["@id"] == settings.base_uri + "id/catalogue"
    names = [d["name"] for d in cat["dataset"]]
    assert any("recycling" in n.lower() for n in names)
    assert len(cat["dataset"]) >= 30 and all(d["@type"] == "Dataset" for d in cat["dataset"])


@pytest.mark.parametrize("path,kind", [("/doc/metric/defra-household-recycling-rate", "Dataset"),
                                       ("/doc/dataset/defra-env18-household-recycling", "Dataset")])
def test_existing_dataset_markup_is_kept_once(client, path: str, kind: str) -> None:
    found = blocks(client, path)
    assert [b["@type"] for b in found] == [kind]
