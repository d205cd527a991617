"""/downloads: the index page, the package files, the DCAT download URLs, and no way out of the folder."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from core.settings import Settings
from tests.helpers import published_packages

pytestmark = pytest.mark.slow  # packages the whole catalogue once


@pytest.fixture(scope="module")
def packages(settings: Settings) -> Path:
    return published_packages(settings)[0]


def test_index_lists_every_package_with_size_and_formats(client, packages: Path) -> None:
    r = client.get("/downloads")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "govuk-table" in html and "Download the data" in html
    for path in ("/downloads/catalogue.zip", "/downloads/metric/asc1-carer-quality-of-life.zip",
                 "/downloads/metric/asc1-carer-quality-of-life.xlsx",
                 "/downloads/metric/asc1-carer-quality-of-life/datapackage.json",
                 "/downloads/authority/BIR.zip", "/downloads/combined-authority/WMCA.zip"):
        assert f'href="{path}"' in html
    assert " kB)" in html or " MB)" in html


def test_unknown_format_of_a_download_names_the_package_files(client, packages: Path) -> None:
    # Needs the packages published: without them every download address is a plain 404.
    r = client.get("/downloads/catalogue.xml")
    assert r.status_code == 404
    assert "available as ZIP (.zip), Excel (.xlsx) and CSV (.csv)." in r.get_data(as_text=True)


@pytest.mark.parametrize("path, file, mimetype", [
    ("/downloads/catalogue.zip", "catalogue.zip", "application/zip"),
    ("/downloads/metric/asc1-carer-quality-of-life.zip", "metric/asc1-carer-quality-of-life.zip", "application/zip"),
    ("/downloads/metric/asc1-carer-quality-of-life.csv", "metric/asc1-carer-quality-of-life/observations.csv",
     "text/csv"),
    ("/downloads/metric/asc1-carer-quality-of-life/datapackage.json",
     "metric/asc1-carer-quality-of-life/datapackage.json", "application/json"),
    ("/downloads/metric/asc1-carer-quality-of-life/authorities.csv",
     "metric/asc1-carer-quality-of-life/authorities.csv", "text/csv"),
    ("/downloads/authority/BIR.zip", "authority/BIR.zip", "application/zip"),
    ("/downloads/authority/BIR.xlsx", "authority/BIR/BIR.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("/downloads/combined-authority/WMCA.zip", "combined-authority/WMCA.zip", "application/zip"),
])
def test_files_are_served_from_the_live_packages(client, packages: Path, path: str, file: str, mimetype: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.mimetype == mimetype
    assert hashlib.sha256(r.data).digest() == hashlib.sha256((packages / file).read_bytes()).digest()
    r.close()


def test_zip_opens_as_a_package(client, packages: Path) -> None:
    r = client.get("/downloads/authority/BIR.zip")
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        names = zf.namelist()
        assert names[0] == "datapackage.json"
        assert {"observations.csv", "authorities.csv", "metrics.csv", "validation-report.json", "BIR.xlsx"} <= set(names)
    assert "attachment" in r.headers["Content-Disposition"]
    r.close()


@pytest.mark.parametrize("path", [
    "/downloads/../../etc/passwd",
    "/downloads/%2e%2e/%2e%2e/etc/passwd",
    "/downloads/metric/%2e%2e%2f%2e%2e%2fCURRENT",
    "/downloads/metric/..%2f..%2findex.json",
    "/downloads/authority/BIR/..%2f..%2findex.json",
    "/downloads/authority/BIR/%2e%2e%2fADU.zip",
    "/downloads/authority/%2fetc%2fpasswd.zip",
    "/downloads/authority//etc/passwd",
    "/downloads/metric/asc1-carer-quality-of-life/..",
    "/downloads/metric/asc1-carer-quality-of-life/index.json",
    "/downloads/index.json",
    "/downloads/CURRENT",
    "/downloads/stores/x.zip",
    "/downloads/authority/NOPE.zip",
    "/downloads/authority/BIR.exe",
])
def test_path_traversal_and_unknown_files_are_refused(client, packages: Path, path: str) -> None:
    r = client.get(path, follow_redirects=True)
    assert r.status_code == 404, path
    assert b"root:" not in r.data


def test_dcat_distribution_urls_resolve(client, store, settings: Settings, packages: Path) -> None:
    rows = store.select(
        "SELECT ?url WHERE { ?ds a <http://www.w3.org/ns/dcat#Dataset> ; <http://www.w3.org/ns/dcat#distribution> ?d ."
        " ?d <http://www.w3.org/ns/dcat#downloadURL> ?url }")
    urls = sorted({r["url"].value for r in rows if r["url"].value.startswith(settings.base_uri + "downloads/")})
    assert urls and any(u.endswith("/metric/asc1-carer-quality-of-life.zip") for u in urls)
    for url in urls:
        r = client.get("/" + url[len(settings.base_uri):])
        assert r.status_code in (200, 303), url
        r.close()
