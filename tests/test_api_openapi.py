"""The OpenAPI 3 description at /api/openapi.json matches what the JSON and CSV twins return."""

from __future__ import annotations

import csv
import io

import jsonschema

EXAMPLES = {
    "/metrics.{fmt}": "/metrics.{fmt}",
    "/doc/metric/{slug}/values.{fmt}": "/doc/metric/defra-household-recycling-rate/values.{fmt}",
    "/compare/{slug}/{code}.{fmt}": "/compare/defra-household-recycling-rate/TRF.{fmt}",
    "/combined-authorities.{fmt}": "/combined-authorities.{fmt}?metric=defra-household-recycling-rate",
    "/authorities.{fmt}": "/authorities.{fmt}?type=MD",
    "/search.{fmt}": "/search.{fmt}?q=manchester",
    "/similar-authorities.{fmt}": "/similar-authorities.{fmt}",
    "/frameworks.{fmt}": "/frameworks.{fmt}",
    "/doc/framework-edition/{edition}/metrics.{fmt}": "/doc/framework-edition/lof-2026-02-first-edition/metrics.{fmt}",
    "/doc/framework-edition/{edition}/outcome/{number}/metrics.{fmt}":
        "/doc/framework-edition/lof-2026-02-first-edition/outcome/3/metrics.{fmt}",
    "/frameworks/diff.{fmt}": "/frameworks/diff.{fmt}?from=lof-2025-07-draft&to=lof-2026-02-first-edition",
}
DOCUMENTS = {"/learn-from/{metric}.{fmt}"}


def test_openapi_document_describes_every_twin(client) -> None:
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = r.get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == set(EXAMPLES) | DOCUMENTS
    for template, example in EXAMPLES.items():
        op = doc["paths"][template]["get"]
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        body = client.get(example.format(fmt="json")).get_json()
        jsonschema.validate(body, schema)
        assert body["items"], example
        columns = list(schema["properties"]["items"]["items"]["properties"])
        assert list(body["items"][0]) == columns
        text = client.get(example.format(fmt="csv")).get_data(as_text=True)
        header = next(csv.reader(io.StringIO(text)))
        assert header == columns, template
        names = {p["name"] for p in op["parameters"]}
        assert {"page", "page_size"} <= names


def test_authorities_twin_filters_like_the_page(client) -> None:
    body = client.get("/authorities.json?type=MD&region=E12000002").get_json()
    codes = {i["code"] for i in body["items"]}
    assert "TRF" in codes and "MAN" in codes and all(i["type"] == "MD" for i in body["items"])
    r = client.get("/authorities.csv?status=all&page_size=10")
    assert r.mimetype == "text/csv" and 'rel="next"' in r.headers["Link"]
    assert "page=2" in r.headers["Link"]
