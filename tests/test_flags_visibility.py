"""Restricted flags stay restricted: signed-out users cannot reach them by page, JSON twin,
SPARQL (including GRAPH queries and dataset parameters), linked-data documents, dumps or
downloads. With LACAT_FLAGS_PUBLIC, only the flags of published rules are published."""

from __future__ import annotations

import io
import shutil
import stat
import zipfile
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.flags import flags_step, open_restricted
from catalogue.step import BuildContext
from cli.store import dump
from core.queries import select
from core.store import EmbeddedStore, StoreInfo
from core.uris import LACAT, Uris

FLAG = "https://w3id.org/lacat/def#Flag"
RULE = "https://w3id.org/lacat/def#EarlyWarningRule"


@pytest.fixture(scope="module")
def restricted(settings, store):
    found = open_restricted(settings, store.info.version)
    assert found is not None
    return found


@pytest.fixture(scope="module")
def a_flag(restricted) -> dict:
    rows = select(restricted, "flags-list")
    assert rows
    return rows[0]


def _leaks(text: str, flag: dict) -> list[str]:
    # Instances only: the vocabulary (graph/ontology) defines lacat:Flag publicly, which is fine.
    needles = ["/id/flag/", "/graph/flags", "/graph/rules", "/id/rule/", flag["detail"],
               f"#type> <{FLAG}>", f'"type":"uri","value":"{FLAG}"']
    return [n for n in needles if n in text]


def test_restricted_store_is_private_and_public_store_has_no_flags(settings, store, restricted) -> None:
    assert stat.S_IMODE(settings.restricted_dir.stat().st_mode) == 0o700
    assert restricted.ask(f"ASK {{ ?f a <{FLAG}> }}")
    assert not store.ask(f"ASK {{ ?f a <{FLAG}> }}")
    assert not store.ask(f"ASK {{ ?r a <{RULE}> }}")
    graphs = {r["g"].value for r in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")}
    assert settings.base_uri + "graph/flags" not in graphs
    assert settings.base_uri + "graph/rules" not in graphs
    assert settings.base_uri + "graph/learn-from" in graphs  # public


def test_signed_out_pages_and_json_twin_show_nothing(client, a_flag, settings) -> None:
    flag_path = "/analyst/flags/" + a_flag["flag"][len(settings.base_uri + "id/flag/"):]
    rule_path = "/analyst/rules/" + a_flag["ruleVersion"][len(settings.base_uri + "id/rule/"):]
    for path in ("/analyst/flags", "/analyst/flags?rule=" + a_flag["rule"], flag_path, rule_path, "/analyst"):
        response = client.get(path)
        assert response.status_code in (301, 302, 308), path
        assert response.headers["Location"].startswith(("/analyst/login", "/analyst/flags")), path
        assert not _leaks(response.get_data(as_text=True), a_flag), path
    for path in ("/analyst/flags.json", "/analyst/flags?format=json"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 401
        assert not _leaks(response.get_data(as_text=True), a_flag)
    login = client.get("/analyst/login")
    assert login.status_code == 200 and not _leaks(login.get_data(as_text=True), a_flag)


@pytest.mark.parametrize("query,params", [
    ("SELECT ?f WHERE { ?f a <https://w3id.org/lacat/def#Flag> }", {}),
    ("SELECT ?g ?s WHERE { GRAPH ?g { ?s a <https://w3id.org/lacat/def#Flag> } }", {}),
    ("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    ("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": "{base}graph/flags"}),
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", {"default-graph-uri": "{base}graph/flags"}),
    ("SELECT ?s ?p ?o FROM <{base}graph/flags> WHERE { ?s ?p ?o }", {}),
    ("SELECT ?s ?p ?o FROM NAMED <{base}graph/rules> WHERE { GRAPH ?g { ?s ?p ?o } }", {}),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/lacat/def#RuleVersion> ; ?p ?o }", {}),
    ("DESCRIBE <{base}id/flag/asc-outcome-sustained-adverse-trend/1/asc2-service-user-quality-of-life/BBD/2019-20>",
     {}),
])
def test_public_sparql_endpoint_never_returns_flags(client, settings, a_flag, query, params) -> None:
    base = settings.base_uri
    args = {"query": query.replace("{base}", base)}
    args.update({k: v.replace("{base}", base) for k, v in params.items()})
    response = client.get("/sparql", query_string=args,
                          headers={"Accept": "application/sparql-results+json, application/n-triples"})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert not _leaks(body, a_flag), body[:500]
    if "FROM <" in args["query"] or "graph/flags" in str(params):
        assert '"bindings":[]' in body.replace(" ", "")


def test_service_description_lists_no_restricted_graph(client, settings) -> None:
    body = client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert settings.base_uri + "graph/metrics" in body
    assert "graph/flags" not in body and "graph/rules" not in body


def test_linked_data_documents_of_flags_and_rules_do_not_exist(client, a_flag, settings) -> None:
    base = settings.base_uri
    for uri in (a_flag["flag"], a_flag["ruleVersion"], a_flag["rule"], base + "id/flags"):
        path = "/" + uri[len(base):]
        assert client.get(path).status_code == 303
        doc = path.replace("/id/", "/doc/", 1)
        for suffix in (".ttl", ".jsonld", ".nt", ".rdf", ""):
            response = client.get(doc + suffix, headers={"Accept": "text/turtle"})
            assert response.status_code == 404, doc + suffix
            assert not _leaks(response.get_data(as_text=True), a_flag)
    # The flagged observation's own document is public and says nothing of the flag.
    obs = "/" + a_flag["observation"][len(base):].replace("id/", "doc/", 1) + ".ttl"
    response = client.get(obs)
    assert response.status_code == 200
    assert not _leaks(response.get_data(as_text=True), a_flag)


def test_dump_has_no_flags(settings, tmp_path: Path, a_flag) -> None:
    out = tmp_path / "catalogue.nq"
    assert dump(settings, out) > 0
    assert not _leaks(out.read_text(encoding="utf-8"), a_flag)


def test_downloads_have_no_flags(client, a_flag) -> None:
    index = client.get("/downloads")
    assert not _leaks(index.get_data(as_text=True), a_flag)
    whole = client.get("/downloads/catalogue.zip")
    if whole.status_code == 200:
        with zipfile.ZipFile(io.BytesIO(whole.data)) as z:
            for name in z.namelist():
                assert not _leaks(z.read(name).decode("utf-8", "replace"), a_flag), name
    else:
        assert whole.status_code == 404


class _Writer:
    """The part of StoreWriter the flags step uses, over a checkpoint of the built catalogue."""

    def __init__(self, path: Path, build_id: str) -> None:
        self.path, self.build_id = path, build_id
        self.store = ox.Store(str(path))

    def reader(self) -> EmbeddedStore:
        return EmbeddedStore(self.store, StoreInfo(str(self.path), self.build_id, 0.0))


def test_public_setting_publishes_only_published_rules(settings, store, tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(settings.records_dir, records)
    rule = records / "rules" / "waste-sustained-adverse-trend.yaml"
    text = rule.read_text(encoding="utf-8").replace(
        "status: proposed", "status: published\napproval: {by: Head of Oflog analysis, \"on\": \"2026-11-28\"}")
    rule.write_text(text, encoding="utf-8")
    public = replace(settings, var_dir=tmp_path / "var", records_dir=records, flags_public=True)
    (public.var_dir / "stores").mkdir(parents=True)
    checkpoint = public.var_dir / "stores" / "building-test"
    ox.Store.read_only(store.info.path).backup(str(checkpoint))
    ctx = BuildContext(settings=public, uris=Uris(settings.base_uri), writer=_Writer(checkpoint, "test"),
                       log=lambda _m: None)
    outputs = {o.name: o.graph for o in flags_step(ctx)}
    base = settings.base_uri
    assert set(outputs) == {base + "graph/rules", base + "graph/flags"}
    rules = {str(s) for s in outputs[base + "graph/rules"].subjects()
             if str(s).startswith(base + "id/rule/") and "/version/" not in str(s) and "/parameter/" not in str(s)}
    assert rules == {base + "id/rule/waste-sustained-adverse-trend"}
    flagged_rules = {str(o) for o in outputs[base + "graph/flags"].objects(predicate=LACAT.rule)}
    assert flagged_rules == {base + "id/rule/waste-sustained-adverse-trend"}
    # The restricted store of that build still has every evaluated rule's flags.
    restricted = open_restricted(public, "test")
    flagged = {r["rule"].rsplit("/", 1)[-1] for r in select(restricted, "flags-list")}
    assert "waste-sustained-adverse-trend" in flagged and "asc-outcome-sustained-adverse-trend" in flagged
