"""Council pages and geography answers over HTTP from the real server (and SPARQLWrapper as a client)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from SPARQLWrapper import JSON, SPARQLWrapper

from catalogue.build import run_build
from catalogue.geography_step import geography_step
from catalogue.ontology_step import ontology_step
from core.problems import SourceError
from core.settings import PROJECT_ROOT, Settings
from ingest.geography.sources import DIGITAL_LAND
from tests.helpers import save_screenshot

EXAMPLES = PROJECT_ROOT / "sparql" / "examples"


def get(base: str, path: str, **kw) -> requests.Response:
    return requests.get(base + path, timeout=30, allow_redirects=False, **kw)


# --- pages -----------------------------------------------------------------------------------------


def test_list_filters_by_type_and_region(live_server: str) -> None:
    r = get(live_server, "/authorities?type=CTY&region=E12000002&status=all")
    assert r.status_code == 200
    names = re.findall(r'href="/doc/authority/([A-Z]+)"', r.text)
    # North West counties, current and past: Cumbria (abolished 2023) and Lancashire.
    assert sorted(set(names)) == ["CMA", "LAN"]
    assert "Abolished 31 March 2023" in r.text


def test_list_current_by_default_and_search(live_server: str) -> None:
    r = get(live_server, "/authorities?q=allerdale")
    assert "No council matches" in r.text
    r = get(live_server, "/authorities?q=allerdale&status=all")
    assert re.findall(r'href="/doc/authority/([A-Z]+)"', r.text) == ["ALL"]
    r = get(live_server, "/authorities?type=COMB")
    assert "13 councils" in r.text  # combined authorities operating today


def test_authority_page_shows_facts(live_server: str) -> None:
    r = get(live_server, "/doc/authority/ALL")
    assert r.status_code == 200
    html = r.text
    assert "Allerdale Borough Council" in html and "Non-metropolitan district" in html
    assert "E07000026" in html and "North West" in html
    assert 'href="/doc/authority/CMA"' in html  # county
    assert 'href="/doc/authority/CBD"' in html  # successor
    assert "31 March 2023" in html
    assert '<link rel="alternate" type="text/turtle" href="/doc/authority/ALL.ttl">' in html


def test_county_page_lists_districts_and_successors(live_server: str) -> None:
    html = get(live_server, "/doc/authority/CMA").text
    districts = re.search(r'id="districts">(.*?)</ul>', html, re.S).group(1)
    assert sorted(re.findall(r"/doc/authority/([A-Z]+)", districts)) == ["ALL", "BAR", "CAR", "COP", "EDN", "SLA"]
    successors = re.search(r'id="successors">(.*?)</dd>', html, re.S).group(1)
    assert sorted(re.findall(r"/doc/authority/([A-Z]+)", successors)) == ["CBD", "WAF"]


def test_ca_page_members_over_time_and_member_page(live_server: str) -> None:
    html = get(live_server, "/doc/authority/NNECA").text
    members = re.search(r'id="members">(.*?)</table>', html, re.S).group(1)
    assert len(re.findall(r"/doc/authority/([A-Z]+)", members)) == 7
    assert "from 7 May 2024" in members
    html = get(live_server, "/doc/authority/NBL").text
    ms = re.search(r'id="memberships">(.*?)</table>', html, re.S).group(1)
    assert "2 November 2018 to 6 May 2024" in ms and "from 7 May 2024" in ms
    assert "E06000048" in html  # former code


def test_gss_redirects(live_server: str) -> None:
    r = get(live_server, "/doc/authority/E06000048")  # Northumberland's former code
    assert r.status_code == 301 and r.headers["Location"].endswith("/doc/authority/NBL")
    r = get(live_server, "/doc/authority/E08000025")
    assert r.status_code == 301 and r.headers["Location"].endswith("/doc/authority/BIR")
    r = get(live_server, "/id/authority/E08000025")
    assert r.status_code == 303
    final = requests.get(live_server + "/id/authority/E08000025", timeout=30)
    assert final.status_code == 200 and final.url.endswith("/doc/authority/BIR")
    assert "Birmingham City Council" in final.text
    assert get(live_server, "/doc/authority/E99999999").status_code == 404


def test_authority_as_turtle(live_server: str) -> None:
    r = requests.get(live_server + "/id/authority/CMA", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")

    g = Graph().parse(data=r.text, format="turtle")
    base = Settings.from_env().base_uri
    successors = set(g.objects(URIRef(base + "id/authority/CMA"), DCTERMS.isReplacedBy))
    assert successors == {URIRef(base + "id/authority/CBD"), URIRef(base + "id/authority/WAF")}


def test_home_has_council_search(live_server: str) -> None:
    html = get(live_server, "/").text
    assert 'action="/search"' in html and 'name="q"' in html
    # The search works without JavaScript and finds councils by name.
    assert "/doc/authority/LDS" in get(live_server, "/search?q=Leeds").text


# --- SPARQL over HTTP -------------------------------------------------------------------------------


def sparql(live_server: str, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setTimeout(120)  # fail, never hang, if the server stops answering
    client.setQuery(query)
    client.setReturnFormat(JSON)
    result = client.query().convert()
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def example(name: str, values: tuple[str, str] | None = None) -> str:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    if values is not None:
        # Tests choose other fixed CAs and dates than the example's own VALUES row.
        text = re.sub(r'\("NNECA" "2024-06-01"\^\^xsd:date\)',
                      f'("{values[0]}" "{values[1]}"^^xsd:date)', text)
    return text


@pytest.mark.parametrize("ca, on, expected", [
    ("NNECA", "2024-06-01", ["DUR", "GAT", "NBL", "NET", "NTY", "SND", "STY"]),
    ("NECA", "2024-01-01", ["DUR", "GAT", "SND", "STY"]),
    ("NTCA", "2024-01-01", ["NBL", "NET", "NTY"]),
    ("NECA", "2024-06-01", []),
    ("YNYC", "2024-06-01", ["NYE", "YOR"]),
    ("EMCA", "2024-06-01", ["DBY", "DER", "NGM", "NTT"]),
    ("CPCA", "2024-06-01", ["CAB", "CAM", "ECA", "FEN", "HUN", "PTE", "SCA"]),
    ("GMCA", "2024-06-01", ["BOL", "BUR", "MAN", "OLD", "RCH", "SKP", "SLF", "TAM", "TRF", "WGN"]),
    ("HYCA", "2025-06-01", ["ERY", "KHL"]),
    ("GLCA", "2025-06-01", ["LIN", "NEL", "NLN"]),
])
def test_ca_members_on_date(live_server: str, ca: str, on: str, expected: list[str]) -> None:
    rows = sparql(live_server, example("ca-members-on-date.rq", (ca, on)))
    assert sorted(r["code"] for r in rows) == expected


def test_successors_of_cumbria(live_server: str) -> None:
    rows = sparql(live_server, example("successors-of-cumbria.rq"))
    assert [(r["code"], r["name"], r["from"]) for r in rows] == [
        ("CBD", "Cumberland Council", "2023-04-01"), ("WAF", "Westmorland and Furness Council", "2023-04-01")]


def test_what_replaced_allerdale(live_server: str) -> None:
    [row] = sparql(live_server, example("what-replaced-allerdale.rq"))
    assert (row["successorName"], row["lastDay"], row["successorFrom"]) == (
        "Cumberland Council", "2023-03-31", "2023-04-01")


def test_county_of_district(live_server: str) -> None:
    [row] = sparql(live_server, example("county-of-district.rq"))
    assert (row["district"], row["countyCode"], row["countyName"]) == ("CAB", "CAM", "Cambridgeshire County Council")


def test_abolished_since_2019(live_server: str) -> None:
    rows = sparql(live_server, example("abolished-since-2019.rq"))
    assert len(rows) == 50
    by_code = {r["code"]: r for r in rows}
    assert by_code["ALL"]["replacedBy"] == "CBD" and by_code["ALL"]["lastDay"] == "2023-03-31"
    assert by_code["CMA"]["replacedBy"] in ("CBD, WAF", "WAF, CBD")
    assert by_code["NOR"]["lastDay"] == "2021-03-31"  # Northamptonshire vesting day 2021-04-01
    assert by_code["NECA"]["replacedBy"] == "NNECA"


# --- a bad source stops the build and the live catalogue keeps serving --------------------------------


def page_text(r: requests.Response) -> str:
    # Every response carries a fresh CSP nonce; everything else must be identical.
    return re.sub(r'nonce="[^"]*"', "", r.text)


def test_contradictory_source_stops_build_and_live_catalogue_unchanged(
        live_server: str, built_var: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(PROJECT_ROOT / "ingest" / "sources" / "geography", sources / "geography")
    path = sources / "geography" / DIGITAL_LAND
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "Allerdale" in lines[2]
    lines[2] = lines[2].replace("2023-03-31", "2022-03-31")
    path.write_text("".join(lines), encoding="utf-8")

    pointer = (built_var / "CURRENT").read_bytes()
    before = page_text(get(live_server, "/doc/authority/ALL"))
    with pytest.raises(SourceError) as exc:
        run_build(Settings.from_env(var_dir=built_var, sources_dir=sources),
                  steps=[ontology_step, geography_step], log=lambda _m: None)
    message = str(exc.value)
    assert "digital_land/local-authority.csv, row 3, field 'end-date'" in message
    assert (built_var / "CURRENT").read_bytes() == pointer
    assert not any(p.name.startswith("building-") for p in (built_var / "stores").iterdir())
    after = get(live_server, "/doc/authority/ALL")
    assert after.status_code == 200 and page_text(after) == before


# --- browser ------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_authority_page_in_browser(live_server: str, page) -> None:
    page.goto(live_server + "/doc/authority/NNECA")
    assert page.locator("h1").inner_text() == "North East Combined Authority"
    assert page.locator("#members tbody tr").count() == 7
    page.get_by_role("link", name="Northumberland County Council").first.click()
    page.wait_for_url("**/doc/authority/NBL")
    assert "Northumberland County Council" in page.locator("h1").inner_text()
    path = save_screenshot(page, "geography-authority-page")
    assert path.stat().st_size > 10_000
