"""The maintenance of a metric definition from start to finish, in a copy of the records folder
(its adult social care metrics, tests/helpers.py): scaffold, a failing check with file, line,
field and rule, fix, propose, approve, publish, change the definition, publish version 2; then one
real build of the catalogue from that folder, where version 1 still dereferences, the history
page shows the diff and the Atom feed lists both events. Refused operations (no approval, no
caveats, no change note) change no file."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock
from xml.etree import ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
import yaml

from catalogue.build import run_build
from cli.main import main
from core.settings import PROJECT_ROOT, Settings
from core.store import LiveStore
from tests.helpers import small_records
from web.app import create_app

pytestmark = pytest.mark.slow  # the scenario ends in a real build

SLUG = "asc-workforce-turnover"
# The new metric reads the ASC7 rows of Oflog's file, so the copy leaves out the record that reads
# them now (two records may not select the same rows of one file).
REPLACED = "asc7-workforce-turnover-rate"
ATOM = "{http://www.w3.org/2005/Atom}"
OLD_DEFINITION = "The turnover rate of the adult social care workforce in the area, from Skills for Care data."
NEW_DEFINITION = ("The percentage of adult social care staff who left their role in the year, in the area "
                  "(Oflog measure 'Outcome, Workforce turnover rate').")


def lacat(records: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`lacat metric ...` over `records`: the command's own entry point, exit code and output, run
    in this process (a new interpreter for each of the scenario's commands spends seconds importing
    the project; tests/test_lifecycle_check.py runs the command as its own process)."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["metric", *args]
    with mock.patch.dict(os.environ, {"LACAT_RECORDS_DIR": str(records)}), redirect_stdout(out), \
            redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(["lacat", *argv], code, out.getvalue(), err.getvalue())


def tree_bytes(folder: Path) -> dict[str, str]:
    """Every file under the folder with its SHA-256, to prove a refused command wrote nothing."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def complete_record() -> str:
    """The scaffolded metric filled in, from the facts of the ASC7 record it stands in for."""
    original = yaml.safe_load((PROJECT_ROOT / "catalogue/records/metrics" / f"{REPLACED}.yaml").read_text("utf-8"))
    data = {k: original[k] for k in ("code", "label", "short_label") if k in original}
    data = {"slug": SLUG, **data, "definition": OLD_DEFINITION}
    for k in ("unit", "decimal_places", "polarity", "polarity_basis", "service_area", "metric_type", "methodology", "caveats",
              "sources", "tiers", "comparison_groups", "periods"):
        data[k] = original[k]
    data.update({"status": "draft", "version": 1,
                 "changes": [{"version": 1, "date": "2026-11-01", "note": "New metric."}]})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("lifecycle")
    records = small_records(root / "records")
    (records / "metrics" / f"{REPLACED}.yaml").unlink()
    shutil.rmtree(records / "metrics" / "history" / REPLACED)
    record = records / "metrics" / f"{SLUG}.yaml"
    history = records / "metrics" / "history" / SLUG
    seen: dict[str, object] = {"records": records, "record": record, "history": history}

    # 1. Scaffold: a draft full of TODOs that check rejects, naming file, line, field and rule.
    made = lacat(records, "new", SLUG, "--label", "Adult social care workforce turnover")
    assert made.returncode == 0, made.stderr
    assert yaml.safe_load(record.read_text("utf-8"))["status"] == "draft"
    seen["scaffold_check"] = lacat(records, "check", SLUG)
    seen["scaffold_text"] = record.read_text("utf-8")

    # 2. Fix it: check passes.
    record.write_text(complete_record(), encoding="utf-8")
    seen["fixed_check"] = lacat(records, "check", str(record))

    # 3. Publishing a draft is refused (no approval) and writes nothing.
    before = tree_bytes(records)
    seen["publish_draft"] = lacat(records, "publish", SLUG)
    seen["publish_draft_unchanged"] = tree_bytes(records) == before

    # 4. Propose and approve.
    seen["propose"] = lacat(records, "propose", SLUG)
    seen["approve"] = lacat(records, "approve", SLUG, "--by", "Minister for Local Government", "--on",
                            "2026-11-20", "--note", "Approved after consultation with the sector (LG-2026-14).")

    # 5. Publishing without caveats is refused and writes nothing.
    approved = record.read_text("utf-8")
    data = yaml.safe_load(approved)
    data["caveats"] = []
    record.write_text(yaml.safe_dump(data, sort_keys=False, width=10_000), encoding="utf-8")
    before = tree_bytes(records)
    seen["publish_no_caveats"] = lacat(records, "publish", SLUG)
    seen["publish_no_caveats_unchanged"] = tree_bytes(records) == before
    record.write_text(approved, encoding="utf-8")

    # 6. Publish version 1.
    seen["publish_v1"] = lacat(records, "publish", SLUG, "--on", "2026-11-21")
    seen["v1_sha"] = hashlib.sha256((history / "v1.yaml").read_bytes()).hexdigest()
    seen["check_all_v1"] = lacat(records, "check")

    # 7. Change the definition: check reports the unpublished change; publishing it without a note
    # is refused; with a note it becomes version 2.
    record.write_text(record.read_text("utf-8").replace(OLD_DEFINITION, NEW_DEFINITION), encoding="utf-8")
    seen["check_changed"] = lacat(records, "check", SLUG)
    before = tree_bytes(records)
    seen["publish_no_note"] = lacat(records, "publish", SLUG)
    seen["publish_no_note_unchanged"] = tree_bytes(records) == before
    seen["publish_v2"] = lacat(records, "publish", SLUG, "--on", "2026-11-25", "--note",
                               "The definition says what turnover counts: staff who left their role in the year.")
    seen["diff"] = lacat(records, "diff", SLUG, "--from", "1", "--to", "2")
    seen["check_all_v2"] = lacat(records, "check")

    # 8. One real build of the catalogue from this records folder.

    settings = Settings.from_env(var_dir=root / "var", records_dir=records)
    run_build(settings, log=lambda _msg: None)
    seen["settings"] = settings
    return seen


def test_scaffold_check_names_file_line_field_and_rule(scenario) -> None:
    result = scenario["scaffold_check"]
    assert result.returncode == 1
    lines = scenario["scaffold_text"].splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("definition:"))
    assert (f"records/metrics/{SLUG}.yaml, line {line}, field 'definition': is too short (4 characters; at least "
            "20 needed) [schema:minLength]") in result.stderr
    polarity = next(i for i, text in enumerate(lines, 1) if text.startswith("polarity:"))
    assert (f"line {polarity}, field 'polarity': 'TODO' is not allowed; use one of: higher, lower, neither "
            "[schema:enum]") in result.stderr
    # No absolute machine path in the messages.
    assert str(scenario["records"]) not in result.stderr


def test_fixed_record_passes(scenario) -> None:
    assert scenario["fixed_check"].returncode == 0, scenario["fixed_check"].stderr
    assert "1 record(s) checked: no problems" in scenario["fixed_check"].stdout


def test_publish_without_approval_is_refused_and_changes_nothing(scenario) -> None:
    result = scenario["publish_draft"]
    assert result.returncode == 1
    assert "cannot publish a draft metric: it has no approval" in result.stderr
    assert "[publish-needs-approval]" in result.stderr
    assert "nothing was changed" in result.stderr
    assert scenario["publish_draft_unchanged"]


def test_publish_without_caveats_is_refused_and_changes_nothing(scenario) -> None:
    result = scenario["publish_no_caveats"]
    assert result.returncode == 1
    assert "field 'caveats': cannot publish without caveats" in result.stderr
    assert "[publish-needs-caveats]" in result.stderr
    assert scenario["publish_no_caveats_unchanged"]


def test_new_version_needs_a_change_note(scenario) -> None:
    result = scenario["publish_no_note"]
    assert result.returncode == 1
    assert "definition changed since version 1" in result.stderr and "--note" in result.stderr
    assert scenario["publish_no_note_unchanged"]


def test_lifecycle_records_approval_and_versions(scenario) -> None:
    for step in ("propose", "approve", "publish_v1", "publish_v2"):
        assert scenario[step].returncode == 0, (step, scenario[step].stderr)
    data = yaml.safe_load(scenario["record"].read_text("utf-8"))
    assert data["status"] == "published" and data["version"] == 2
    assert data["approval"] == {"by": "Minister for Local Government", "on": "2026-11-20",
                                "note": "Approved after consultation with the sector (LG-2026-14)."}
    assert [(c["version"], c["date"]) for c in data["changes"]] == [(1, "2026-11-21"), (2, "2026-11-25")]
    history: Path = scenario["history"]
    v1, v2 = (yaml.safe_load((history / f"v{n}.yaml").read_text("utf-8")) for n in (1, 2))
    assert v1["definition"] == OLD_DEFINITION and v1["version"] == 1
    assert v2["definition"] == NEW_DEFINITION and v2["version"] == 2
    # Version 1 was not touched by publishing version 2, and its checksum is recorded.
    assert hashlib.sha256((history / "v1.yaml").read_bytes()).hexdigest() == scenario["v1_sha"]
    assert f"{scenario['v1_sha']}  v1.yaml" in (history / "SHA256SUMS").read_text("utf-8")
    assert scenario["check_all_v1"].returncode == 0, scenario["check_all_v1"].stderr
    assert scenario["check_all_v2"].returncode == 0, scenario["check_all_v2"].stderr


def test_check_reports_unpublished_change(scenario) -> None:
    result = scenario["check_changed"]
    assert result.returncode == 1
    assert "field 'definition': definition changed since version 1 was published" in result.stderr
    assert "[unpublished-change]" in result.stderr


def test_diff_between_versions(scenario) -> None:
    out = scenario["diff"].stdout
    assert f"--- {SLUG} version 1" in out and f"+++ {SLUG} version 2" in out
    assert f"-definition: {OLD_DEFINITION}" in out
    assert f"+definition: {NEW_DEFINITION}" in out


def test_altered_snapshot_is_reported(scenario, tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(scenario["records"], records)
    v1 = records / "metrics" / "history" / SLUG / "v1.yaml"
    v1.write_text(v1.read_text("utf-8").replace("New metric", "Rewritten"), encoding="utf-8")
    result = lacat(records, "check", SLUG)
    assert result.returncode == 1
    assert f"records/metrics/history/{SLUG}/v1.yaml: published snapshot has changed" in result.stderr
    assert "[snapshot-immutable]" in result.stderr


@pytest.fixture(scope="module")
def client(scenario):
    app = create_app(scenario["settings"])
    app.config["TESTING"] = True
    return app.test_client()


def test_version_1_still_dereferences(scenario, client) -> None:
    base = scenario["settings"].base_uri
    response = client.get(f"/id/metric/{SLUG}/version/1", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/doc/metric/{SLUG}/version/1")
    page = client.get(f"/doc/metric/{SLUG}/version/1", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "version 1" in page.get_data(as_text=True)
    turtle = client.get(f"/doc/metric/{SLUG}/version/1", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200
    g = rdflib.Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    v1 = rdflib.URIRef(f"{base}id/metric/{SLUG}/version/1")
    assert (v1, rdflib.URIRef("http://purl.org/dc/terms/isVersionOf"), rdflib.URIRef(f"{base}id/metric/{SLUG}")) in g


def test_store_has_versions_status_and_the_version_of_the_figures(scenario) -> None:
    base = scenario["settings"].base_uri
    store = LiveStore(scenario["settings"]).current()
    rows = store.select(
        "PREFIX lacat: <https://w3id.org/lacat/def#> PREFIX dcat: <http://www.w3.org/ns/dcat#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> "
        "SELECT ?m ?status ?current ?under ?prev WHERE { ?m lacat:lifecycleStatus ?status ; "
        "dcat:hasCurrentVersion ?current ; lacat:cube ?cube . ?cube lacat:definitionVersion ?under . "
        "?current dcat:previousVersion ?prev }",
        {"m": ox.NamedNode(f"{base}id/metric/{SLUG}")})
    assert len(rows) == 1
    row = rows[0]
    assert row["status"].value == "https://w3id.org/lacat/concept/metric-lifecycle/published"
    assert row["current"].value == row["under"].value == f"{base}id/metric/{SLUG}/version/2"
    assert row["prev"].value == f"{base}id/metric/{SLUG}/version/1"


def test_history_page_shows_the_diff(client) -> None:
    metric_page = client.get(f"/doc/metric/{SLUG}", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert f'href="/doc/metric/{SLUG}/history"' in metric_page
    response = client.get(f"/doc/metric/{SLUG}/history")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="version-2"' in html and 'id="version-1"' in html
    assert "staff who left their role in the year." in html  # the change note
    # The removed and the added definition lines, HTML-escaped ("'" becomes &#39;).
    assert f"<del><code>definition: {OLD_DEFINITION}</code></del>" in html
    assert ("<ins><code>definition: The percentage of adult social care staff who left their role in the year, "
            "in the area (Oflog measure &#39;Outcome, Workforce turnover rate&#39;).</code></ins>") in html
    assert "Fields changed</dt>" in html


def test_change_log_and_atom_feed_list_both_events(scenario, client) -> None:
    base = scenario["settings"].base_uri
    page = client.get("/changes").get_data(as_text=True)
    assert "New metric: Adult social care workforce turnover rate" in page
    assert "Adult social care workforce turnover rate: version 2" in page
    response = client.get("/changes.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    # RFC 4287: a feed has exactly one id, title and updated, and an author unless every entry has one.
    for tag in ("id", "title", "updated", "author"):
        assert len(feed.findall(f"{ATOM}{tag}")) == 1, tag
    entries = {e.findtext(f"{ATOM}id"): e for e in feed.findall(f"{ATOM}entry")}
    for entry in entries.values():
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    v1 = entries[f"{base}id/metric/{SLUG}/version/1"]
    v2 = entries[f"{base}id/metric/{SLUG}/version/2"]
    assert v1.findtext(f"{ATOM}updated") == "2026-11-21T00:00:00Z"
    assert v1.find(f"{ATOM}category").get("term") == "new-metric"
    assert v2.findtext(f"{ATOM}updated") == "2026-11-25T00:00:00Z"
    assert v2.find(f"{ATOM}category").get("term") == "new-version"
    assert v2.find(f"{ATOM}link").get("href") == f"{base}doc/metric/{SLUG}/history#version-2"
    # Data releases are in the feed too.
    assert any(e.find(f"{ATOM}category").get("term") == "data-release" for e in entries.values())
