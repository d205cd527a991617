"""core/uris.py mints every URI: the layers below the web layer assemble none by concatenation,
and the URIs moved onto it keep the exact form they had."""

from __future__ import annotations

import re
import subprocess
from datetime import date

from core.settings import PROJECT_ROOT
from core.uris import DCAT, Uris, concept, concept_scheme, github_repository_uri, instant_uri, wikidata_uri

BASE = "http://localhost:5000/"
# String building that would mint a URI of the scheme: a base plus a path, a concept URI from
# the namespace, an edition or sub-resource appended to another URI. (The CSVW URI templates of
# datapackages/schemas.py are templates a CSVW processor expands, not URIs built here.)
CONCATENATION = re.compile(r'base\s*\+\s*"|\+\s*"(id|graph|downloads|sparql)\b|f"[^"]*\{[a-z_.]*base\}(id|graph|downloads)/'
                           r'|\{LACAT_CONCEPT\}|str\(LACAT_CONCEPT\)\s*\+|\+\s*"/edition/|"https?://[^"]*/"\s*\+')


def test_no_uri_is_assembled_outside_core_uris() -> None:
    files = subprocess.run(["git", "ls-files", "--", "core/*.py", "ingest/*.py", "catalogue/*.py", "sparql/*.py",
                            "datapackages/*.py"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    found = [f"{rel}:{n}: {line.strip()}" for rel in files if rel != "core/uris.py"
             for n, line in enumerate((PROJECT_ROOT / rel).read_text(encoding="utf-8").splitlines(), 1)
             if CONCATENATION.search(line) and not line.lstrip().startswith("#")]
    assert found == []


def test_moved_uris_keep_their_form() -> None:
    u = Uris(BASE)
    assert u.metric_component("asc1", "lower-95") == BASE + "id/metric/asc1/structure/lower-95"
    assert u.metric_edition("asc1", "AY2022-23") == BASE + "id/dataset/metric-asc1/edition/AY2022-23"
    assert u.dataset_edition("oflog-asc-data", "2022-23") == BASE + "id/dataset/oflog-asc-data/edition/2022-23"
    assert u.similarity_input("similar-unitary", "density") == BASE + "id/similarity-method/similar-unitary/input/density"
    assert u.rule_parameter("falls", 2, "minMads") == BASE + "id/rule/falls/version/2/parameter/minMads"
    assert u.inspection_judgement("BIR", "2023-03-31", "overall") == (
        BASE + "id/inspection/childrens-services/BIR/2023-03-31/overall")
    assert u.flags() == BASE + "id/flags"
    assert u.sparql_endpoint() == BASE + "sparql"
    assert u.metric_download("asc1", "csv") == BASE + "downloads/metric/asc1.csv"
    assert u.package_descriptor("catalogue") == BASE + "downloads/catalogue/datapackage.json"
    assert str(concept("comparison-band", "much-better")) == "https://w3id.org/lacat/concept/comparison-band/much-better"
    assert str(concept_scheme("sdl-status")) == "https://w3id.org/lacat/concept/sdl-status"
    assert str(instant_uri(date(2024, 5, 7))) == "http://reference.data.gov.uk/id/gregorian-instant/2024-05-07T00:00:00"
    assert str(wikidata_uri("Q2256")) == "http://www.wikidata.org/entity/Q2256"
    assert str(github_repository_uri("mysociety/uk_local_authority_names_and_codes")) == (
        "https://github.com/mysociety/uk_local_authority_names_and_codes")


def test_every_vocabulary_is_declared_once_in_core_uris() -> None:
    """Namespaces are declared in core/uris.py only, and DCAT is its open namespace: rdflib's closed
    DCAT warns at every DCAT 3 term, and a second declaration could drift from the first."""
    files = subprocess.run(["git", "ls-files", "--", "*.py"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    declared = re.compile(r"\bNamespace\(\s*[\"']")
    closed_dcat = re.compile(r"from rdflib(\.namespace)? import [^#\n]*\bDCAT\b")
    found = [f"{rel}:{n}: {line.strip()}" for rel in files if rel != "core/uris.py"
             for n, line in enumerate((PROJECT_ROOT / rel).read_text(encoding="utf-8").splitlines(), 1)
             if declared.search(line) or closed_dcat.search(line)]
    # The W3C protocol tests declare their manifest's own vocabularies (test-manifest, http, content).
    found = [f for f in found if not f.startswith("tests/test_sparql_protocol.py:")]
    assert found == []
    assert str(DCAT.previousVersion) == "http://www.w3.org/ns/dcat#previousVersion"
