"""A catalogue served under another base URI than it was built for refuses, never answers empty.

An operator who sets LACAT_BASE_URI on the server only would otherwise get council pages that 404
and RDF documents that are empty 200s: every URI in the store starts with the build's base."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Settings
from core.store import BaseMismatch, LiveStore, StoreWriter
from tests.helpers import free_port
from web.app import create_app

OTHER_BASE = "http://127.0.0.1:5091/"


def test_the_build_records_its_base(store, settings: Settings) -> None:
    rows = store.select("SELECT ?base WHERE { ?b <https://w3id.org/lacat/def#baseUri> ?base }")
    assert [r["base"].value for r in rows] == [settings.base_uri]


def test_serve_under_another_base_exits_2_saying_what_to_run(built_var: Path, settings: Settings) -> None:
    port = free_port()
    env = {**os.environ, "LACAT_VAR_DIR": str(built_var), "LACAT_BASE_URI": f"http://127.0.0.1:{port}/"}
    done = subprocess.run([sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1",
                           "--port", str(port), "--workers", "1"],
                          env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"built for LACAT_BASE_URI={settings.base_uri}" in done.stderr
    assert f"run 'LACAT_BASE_URI=http://127.0.0.1:{port}/ lacat build'" in done.stderr
    assert "serving the catalogue" not in done.stdout


def test_an_app_under_another_base_answers_503_with_the_fix(built_var: Path, settings: Settings) -> None:
    other = Settings.from_env(var_dir=built_var, base_uri=OTHER_BASE)
    with pytest.raises(BaseMismatch):
        LiveStore(other).current()
    client = create_app(other).test_client()
    for path, accept in [("/doc/authority/BIR", "text/html"), ("/catalogue", "text/turtle"),
                         ("/doc/metric/defra-household-recycling-rate", "text/turtle")]:
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 503, (path, r.status_code)
        assert f"LACAT_BASE_URI={OTHER_BASE} lacat build" in r.get_data(as_text=True)


def test_rdf_of_a_catalogue_the_store_lacks_is_404_not_an_empty_200(tmp_path: Path) -> None:
    settings = Settings.from_env(var_dir=tmp_path / "var")
    writer = StoreWriter(settings, "20260101T000000000000Z")
    writer.load_graph(settings.base_uri + "graph/geography",
                      f"<{settings.base_uri}id/authority/BIR> <http://www.w3.org/2000/01/rdf-schema#label> "
                      '"Birmingham" .\n')
    writer.publish()
    client = create_app(settings).test_client()
    for suffix in ("ttl", "nt", "jsonld", "rdf"):
        r = client.get(f"/catalogue.{suffix}")
        assert r.status_code == 404, (suffix, r.status_code, r.data[:200])
    assert client.get("/doc/authority/BIR.ttl").status_code == 200
