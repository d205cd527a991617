"""Data packages built from the real catalogue: valid, faithful to the store, deterministic, safe."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest
from frictionless import Package
from openpyxl import load_workbook

from core.settings import Settings
from core.store import EmbeddedStore, LiveStore, StoreInfo
from datapackages.content import PackagingError
from datapackages.publish import build_packages, validate_all, validate_package
from tests.helpers import published_packages

pytestmark = pytest.mark.slow  # packages the whole catalogue once

@pytest.fixture(scope="module")
def packages(settings: Settings) -> Path:
    return published_packages(settings)[0]


@pytest.fixture(scope="module")
def index(packages: Path) -> dict:
    return json.loads((packages / "index.json").read_text(encoding="utf-8"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_package_per_metric_council_combined_authority_and_catalogue(index: dict, store) -> None:
    kinds = {}
    for e in index["packages"]:
        kinds.setdefault(e["kind"], set()).add(e["id"])
    metrics = {r["slug"].value for r in store.select(
        "SELECT ?slug WHERE { ?m a <https://w3id.org/lacat/def#Metric> ; <http://purl.org/dc/terms/identifier> ?slug ;"
        " <https://w3id.org/lacat/def#lifecycleStatus> <https://w3id.org/lacat/concept/metric-lifecycle/published> }")}
    assert kinds["metric"] == metrics
    assert kinds["catalogue"] == {"catalogue"}
    # Every council with at least one observation, including Birmingham and Adur.
    assert {"BIR", "ADU", "LDS"} <= kinds["authority"]
    assert len(kinds["authority"]) > 300
    assert {"WMCA", "GMCA"} <= kinds["combined-authority"]


def test_frictionless_validate_reports_no_errors_for_every_package(packages: Path, index: dict) -> None:
    # The build validated every package and kept each report beside it.
    labels = [e["folder"] for e in index["packages"]]
    for label in labels:
        stored = json.loads((packages / label / "validation-report.json").read_text(encoding="utf-8"))
        assert stored["valid"] is True and stored["stats"]["errors"] == 0, label
    # Validated again here, independently of the build's reports, for a few packages of every kind
    # (enough to go through the worker processes); the command-line test below checks one more.
    sample: dict[str, list[str]] = {}
    for e in index["packages"]:
        sample.setdefault(e["kind"], []).append(e["folder"])
    again = [label for folders in sample.values() for label in folders[:4]]
    assert len(again) >= 8
    reports = validate_all(packages, again)  # raises on the first package with an error
    assert all(reports[label]["valid"] for label in again)
    # The zips hold whole packages Frictionless can validate as they are.
    for e in index["packages"][:3]:
        with zipfile.ZipFile(packages / e["zip"]) as zf:
            assert zf.namelist()[0] == "datapackage.json"
    assert Package(str(packages / "metric" / "asc1-carer-quality-of-life.zip")).validate().valid


def test_frictionless_command_line_validates_a_downloaded_package(packages: Path, tmp_path: Path) -> None:
    """What a council does after downloading: unzip, then `frictionless validate` on the descriptor."""
    with zipfile.ZipFile(packages / "authority" / "TRF.zip") as zf:
        zf.extractall(tmp_path)
    exe = Path(sys.executable).parent / "frictionless"
    done = subprocess.run([str(exe), "validate", "--json", "datapackage.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert report["valid"] is True and report["stats"]["errors"] == 0
    assert len(report["tasks"]) >= 2  # the observations and the lookups, each checked


def test_metadata(packages: Path, store) -> None:
    build = store.select("SELECT ?id ?t WHERE { ?b a <https://w3id.org/lacat/def#Build> ; "
                         "<https://w3id.org/lacat/def#buildId> ?id ; <http://www.w3.org/ns/prov#startedAtTime> ?t }")[0]
    desc = json.loads((packages / "authority" / "BIR" / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["version"] == build["id"].value
    assert desc["created"] == build["t"].value
    assert desc["name"] == "lacat-authority-bir"
    names = {lic["name"] for lic in desc["licenses"]}
    assert {"OGL-UK-3.0", "CC-BY-4.0"} <= names  # mySociety's register is CC BY, the figures OGL
    assert any("mySociety" in a for a in desc["attributions"])
    assert desc["sources"] and desc["contributors"] and desc["keywords"]
    for res in desc["resources"]:
        path = packages / "authority" / "BIR" / res["path"]
        assert res["hash"] == "sha256:" + _sha(path)
        assert res["bytes"] == path.stat().st_size
    obs = next(r for r in desc["resources"] if r["name"] == "observations")["schema"]
    assert obs["primaryKey"] == ["metric", "authority_code", "period"]
    assert {fk["reference"]["resource"] for fk in obs["foreignKeys"]} == {"metrics", "authorities"}
    fields = {f["name"]: f for f in obs["fields"]}
    assert fields["gss_code"]["constraints"]["pattern"] == r"^E\d{8}$"
    assert "much-better" in fields["band"]["constraints"]["enum"]
    metric = json.loads((packages / "metric" / "defra-household-recycling-rate" / "datapackage.json").read_text())
    value = next(f for f in metric["resources"][0]["schema"]["fields"] if f["name"] == "value")
    assert value["constraints"] == {"minimum": 0, "maximum": 100}  # a percentage


def test_figures_equal_the_store(packages: Path, store, settings: Settings) -> None:
    base = settings.base_uri
    frame = pd.read_csv(packages / "authority" / "BIR" / "observations.csv", dtype=str, keep_default_na=False)
    assert len(frame) > 50 and set(frame["authority_code"]) == {"BIR"}
    assert set(frame["gss_code"]) == {"E08000025"}
    rows = Package(str(packages / "authority" / "BIR" / "datapackage.json")).get_resource("observations").read_rows()
    assert len(rows) == len(frame)
    checked = 0
    for row in frame.itertuples():
        obs = ox.NamedNode(f"{base}id/observation/{row.metric}/{row.authority_code}/{row.period}")
        got = store.select("SELECT ?obs ?v WHERE { ?obs ?m ?v . ?m a <https://w3id.org/lacat/def#Metric> }",
                           {"obs": obs})
        if row.status == "missing":
            assert not got and row.value == ""
            continue
        assert len(got) == 1 and got[0]["v"].value == row.value, row
        checked += 1
    assert checked > 50
    # One figure spelt out: Birmingham's household waste recycling rate, checked in pandas as a number.
    whole = pd.read_csv(packages / "catalogue" / "observations.csv")
    assert len(whole) == len(store.select(
        "SELECT ?o WHERE { { ?o a <http://purl.org/linked-data/cube#Observation> } UNION "
        "{ ?o a <https://w3id.org/lacat/def#MissingObservation> } ?o "
        "<http://purl.org/linked-data/sdmx/2009/dimension#refArea> ?a . ?a a <https://w3id.org/lacat/def#LocalAuthority> }"))
    bir = whole[(whole.authority_code == "BIR") & (whole.metric == "defra-household-recycling-rate")]
    first = bir.iloc[0]
    got = store.select("SELECT ?obs ?v WHERE { ?obs <" + base + "id/metric/defra-household-recycling-rate> ?v }",
                       {"obs": ox.NamedNode(f"{base}id/observation/defra-household-recycling-rate/BIR/{first.period}")})
    assert float(got[0]["v"].value) == pytest.approx(first.value)


def test_foreign_keys_resolve_inside_each_package(packages: Path) -> None:
    for folder in (packages / "combined-authority" / "WMCA", packages / "metric" / "asc1-carer-quality-of-life"):
        obs = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
        auth = pd.read_csv(folder / "authorities.csv", dtype=str, keep_default_na=False)
        metrics = pd.read_csv(folder / "metrics.csv", dtype=str, keep_default_na=False)
        assert set(obs["authority_code"]) <= set(auth["authority_code"])
        assert set(obs["metric"]) <= set(metrics["metric"])
    members = pd.read_csv(packages / "combined-authority" / "WMCA" / "memberships.csv", dtype=str)
    assert "BIR" in set(members["member_code"])


def test_workbook_and_csvw(packages: Path, settings: Settings) -> None:
    folder = packages / "metric" / "asc1-carer-quality-of-life"
    wb = load_workbook(folder / "asc1-carer-quality-of-life.xlsx")
    assert wb.sheetnames[0] == "about"
    assert {"observations", "authorities", "metrics", "caveats"} <= set(wb.sheetnames)
    ws = wb["observations"]
    header = [c.value for c in ws[1]]
    value = ws.cell(row=2, column=header.index("value") + 1)
    assert value.data_type == "n"
    # Every figure of the sheet is the CSV's, as a number (blank where the CSV's is missing).
    with open(folder / "observations.csv", encoding="utf-8") as fh:
        csv_values = [r["value"] for r in csv.DictReader(fh)]
    sheet_values = [r[header.index("value")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(sheet_values) == len(csv_values) > 100
    assert all((v is None) if c == "" else (v == float(c)) for v, c in zip(sheet_values, csv_values, strict=True))
    assert wb.properties.modified == wb.properties.created
    about = [r[1] for r in wb["about"].iter_rows(values_only=True)]
    assert any(isinstance(v, str) and "sampling error" in v for v in about)  # a caveat of the metric
    meta = json.loads((folder / "observations.csv-metadata.json").read_text(encoding="utf-8"))
    with open(folder / "observations.csv", encoding="utf-8") as fh:
        csv_header = next(csv.reader(fh))
    assert [c["name"] for c in meta["tableSchema"]["columns"] if not c.get("virtual")] == csv_header
    assert meta["tableSchema"]["aboutUrl"] == settings.base_uri + "id/observation/{metric}/{authority_code}/{period}"
    area = next(c for c in meta["tableSchema"]["columns"] if c["name"] == "authority_code")
    assert area["valueUrl"] == settings.base_uri + "id/authority/{authority_code}"


def test_packaging_twice_gives_identical_bytes(packages: Path, index: dict, settings: Settings, tmp_path: Path) -> None:
    chosen = {("catalogue", "catalogue"), ("metric", "asc1-carer-quality-of-life"), ("authority", "BIR"),
              ("authority", "ADU"), ("combined-authority", "WMCA")}
    store = LiveStore(settings).current()
    again = build_packages(store, settings, tmp_path, log=lambda _m: None,
                           only=lambda s: (s.kind, s.ident) in chosen)
    assert len(again["packages"]) == len(chosen)
    first = {(e["kind"], e["id"]): e for e in index["packages"]}
    for e in again["packages"]:
        assert e == first[(e["kind"], e["id"])]
        assert _sha(tmp_path / e["zip"]) == _sha(packages / e["zip"])
        for name in e["files"]:
            assert _sha(tmp_path / e["folder"] / name) == _sha(packages / e["folder"] / name), name


def test_spreadsheet_formulas_in_labels_are_neutralised(store, settings: Settings, tmp_path: Path) -> None:
    """A crafted authority name and caveat reach the CSV and XLSX as text, never as formulas."""
    # A checkpoint of the session's store, opened for writing (a copy in moments, where dumping and
    # loading 1.25M quads takes seconds): the crafted text never reaches the session's catalogue.
    store.raw.backup(str(tmp_path / "store"))
    copy = ox.Store(str(tmp_path / "store"))
    base = settings.base_uri
    crafted = '=HYPERLINK("http://example.invalid","click")'
    # Edited through the store's API rather than an update query: the crafted text is data, never query text.
    rdfs_label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    bir = ox.NamedNode(base + "id/authority/BIR")
    for quad in list(copy.quads_for_pattern(bir, rdfs_label, None, None)):
        copy.remove(quad)
        copy.add(ox.Quad(bir, rdfs_label, ox.Literal(crafted), quad.graph_name))
    caveat = ox.NamedNode("https://w3id.org/lacat/def#caveat")
    metric = ox.NamedNode(base + "id/metric/asc1-carer-quality-of-life")
    graph = next(iter(copy.quads_for_pattern(metric, caveat, None, None))).graph_name
    copy.add(ox.Quad(metric, caveat, ox.Literal("@SUM(1+1)", language="en"), graph))
    crafted_store = EmbeddedStore(copy, StoreInfo(path=str(tmp_path / "store"), version="crafted", built_at=0.0))
    index = build_packages(crafted_store, settings, tmp_path, log=lambda _m: None,
                           only=lambda s: (s.kind, s.ident) == ("authority", "BIR"))
    folder = tmp_path / index["packages"][0]["folder"]
    frame = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
    assert set(frame["authority_name"]) == {"'" + crafted}
    # Numbers are untouched: negative distances from the median stay numbers.
    assert any(v.startswith("-") for v in frame["mads_from_median"])
    caveats = pd.read_csv(folder / "caveats.csv", dtype=str)
    assert "'@SUM(1+1)" in set(caveats["caveat"])
    raw = (folder / "observations.csv").read_text(encoding="utf-8")
    assert ",=HYPERLINK" not in raw
    wb = load_workbook(folder / "BIR.xlsx")
    ws = wb["observations"]
    header = [c.value for c in ws[1]]
    name = ws.cell(row=2, column=header.index("authority_name") + 1)
    assert name.data_type == "s" and name.value == "'" + crafted
    mads = [ws.cell(row=r, column=header.index("mads_from_median") + 1) for r in range(2, ws.max_row + 1)]
    assert any(c.data_type == "n" and c.value < 0 for c in mads)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert all(c.data_type != "f" for row in wb["caveats"].iter_rows() for c in row)


def test_packaging_time_is_reported(settings: Settings, index: dict) -> None:
    seconds = published_packages(settings)[1]
    total = sum(e["zip_bytes"] for e in index["packages"])
    print(f"\n{len(index['packages'])} packages, {total / 1e6:.1f} MB zipped, packaged in {seconds:.0f}s")
    assert seconds > 0


def test_a_package_that_fails_validation_names_its_file_row_and_field(packages: Path, tmp_path: Path) -> None:
    """What stops packaging before anything is published: Frictionless's error, with where it is."""
    folder = tmp_path / "authority" / "TRF"
    shutil.copytree(packages / "authority" / "TRF", folder)
    path = folder / "observations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = next(csv.reader([lines[1]]))
    cells[header.index("value")] = "twelve thousand"
    lines[1] = ",".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(PackagingError) as caught:
        validate_package(folder, "authority/TRF")
    message = str(caught.value)
    assert "package authority/TRF failed validation" in message
    assert "authority/TRF/observations.csv, row 2, field value: type-error" in message
