"""The registry of output formats (web/outputs.py): every registered table answers as JSON and CSV
with the right media types and a CSV header row, is described in /api/openapi.json, and a format it
does not offer is answered with 404 naming the ones it does."""

from __future__ import annotations

import csv
import io

import pytest

from web.outputs import DOCUMENTS, FORMATS, TABLES

FIRST = "lof-2026-02-first-edition"
DRAFT = "lof-2025-07-draft"

# One real address per registered stem: a table added to the registry must be given one here.
EXAMPLES = {
    "/metrics": "/metrics.{fmt}",
    "/doc/metric/<slug>/values": "/doc/metric/defra-household-recycling-rate/values.{fmt}",
    "/search": "/search.{fmt}?q=manchester",
    "/compare/<slug>/<code>": "/compare/defra-household-recycling-rate/TRF.{fmt}",
    "/combined-authorities": "/combined-authorities.{fmt}?metric=defra-household-recycling-rate",
    "/authorities": "/authorities.{fmt}?type=MD",
    "/similar-authorities": "/similar-authorities.{fmt}",
    "/frameworks": "/frameworks.{fmt}",
    "/doc/framework-edition/<edition>/metrics": f"/doc/framework-edition/{FIRST}/metrics.{{fmt}}",
    "/doc/framework-edition/<edition>/outcome/<number>/metrics":
        f"/doc/framework-edition/{FIRST}/outcome/3/metrics.{{fmt}}",
    "/frameworks/diff": f"/frameworks/diff.{{fmt}}?from={DRAFT}&to={FIRST}",
}
DOCUMENT_EXAMPLES = {
    "/learn-from/<metric>": "/learn-from/defra-household-recycling-rate.{fmt}",
    "/analyst/flags": "/analyst/flags.{fmt}",
}


def test_every_registered_table_has_an_example() -> None:
    assert sorted(t.rule for t in TABLES) == sorted(EXAMPLES)
    assert sorted(d.rule for d in DOCUMENTS) == sorted(DOCUMENT_EXAMPLES)
    assert all(t.formats == ("json", "csv") for t in TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.rule)
def test_table_twins_media_types_header_and_openapi(client, table) -> None:
    example = EXAMPLES[table.rule]
    columns = list(table.columns)
    r = client.get(example.format(fmt="json"))
    assert r.status_code == 200 and r.mimetype == FORMATS["json"].media_type == "application/json"
    body = r.get_json()
    assert body["items"], example
    assert all(list(item) == columns for item in body["items"])
    r = client.get(example.format(fmt="csv"))
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="')
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == columns
    assert len(rows) == len(body["items"]) + 1
    paths = client.get("/api/openapi.json").get_json()["paths"]
    op = paths[table.openapi_path]["get"]
    assert list(op["responses"]["200"]["content"]) == ["application/json", "text/csv"]
    assert [p["name"] for p in op["parameters"] if p["in"] == "path"] == [*table.path_params, "fmt"]


@pytest.mark.parametrize("example", [*EXAMPLES.values(), DOCUMENT_EXAMPLES["/learn-from/<metric>"]])
def test_unknown_format_is_404_naming_the_formats_offered(client, example: str) -> None:
    r = client.get(example.format(fmt="xml"))
    assert r.status_code == 404
    text = r.get_data(as_text=True)
    if "learn-from" in example:
        assert "available as JSON (.json)." in text and ".csv" not in text
    else:
        assert "available as JSON (.json) and CSV (.csv)." in text


def test_a_refusal_answers_400_in_the_asked_format(client) -> None:
    r = client.get("/compare/defra-household-recycling-rate/TRF.json?group=nearest")
    assert r.status_code == 400 and r.mimetype == "application/json" and "nearest" in r.get_json()["error"]
    r = client.get("/compare/defra-household-recycling-rate/TRF.csv?group=nearest")
    assert r.status_code == 400 and r.mimetype == "text/plain" and "nearest" in r.get_data(as_text=True)


def test_documents_are_json_and_public_ones_are_described(client) -> None:
    r = client.get(DOCUMENT_EXAMPLES["/learn-from/<metric>"].format(fmt="json"))
    assert r.status_code == 200 and r.mimetype == "application/json" and r.get_json()["findings"]
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/learn-from/{metric}.{fmt}" in paths
    # The analysts' flags need a sign-in: they are not part of the public API description.
    assert not any(p.startswith("/analyst") for p in paths)
    assert client.get("/analyst/flags.json").status_code == 401
