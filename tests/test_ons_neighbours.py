"""ONS statistical nearest neighbours beside the catalogue's own similar councils: the sets as the
workbook has them, the agreement figure recomputed independently, compare pages with each group
and with bad picks, and a broken workbook refused with its sheet, row and column."""

from __future__ import annotations

import hashlib
import html
import re
import statistics
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from catalogue.ons_neighbours import HEADER_ROW, SOURCE, read_ons
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from ingest.geography.load import load_register
from ingest.geography.model import Register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
WORKBOOK = SOURCES / SOURCE
RECYCLING = "defra-household-recycling-rate"  # compared among lower-tier councils
ASC1 = "asc1-carer-quality-of-life"  # compared among upper-tier councils
LACAT = "https://w3id.org/lacat/def#"


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def workbook_lists(register: Register) -> dict[str, dict[str, list[str]]]:
    """The first 15 neighbours of every council in Tables 1 and 3, read with openpyxl (not the
    build's reader), as council codes."""
    wb = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    out: dict[str, dict[str, list[str]]] = {}
    for sheet, tier in (("Table 1", "lower-tier"), ("Table 3", "upper-tier")):
        rows = list(wb[sheet].iter_rows(min_row=5, max_col=17, values_only=True))
        code = {r[0]: register.by_gss(r[0]).code for r in rows if r[0]}  # type: ignore[union-attr]
        out[tier] = {code[r[0]]: [code[g] for g in r[2:17]] for r in rows if r[0]}
    wb.close()
    return out


def _store_lists(store, method: str) -> dict[str, list[str]]:
    query = f"""PREFIX lacat: <{LACAT}>
    SELECT ?a ?peer ?rank WHERE {{ ?a lacat:hasNeighbour ?n . ?n lacat:method ?m ; lacat:neighbour ?peer ;
      lacat:rank ?rank . FILTER(STRENDS(STR(?m), "/similarity-method/{method}")) }}"""
    found: dict[str, list[tuple[int, str]]] = {}
    for r in store.select(query):
        found.setdefault(r["a"].value.rsplit("/", 1)[-1], []).append((int(r["rank"].value),
                                                                     r["peer"].value.rsplit("/", 1)[-1]))
    return {a: [p for _, p in sorted(items)] for a, items in found.items()}


def test_birmingham_lists_as_the_workbook_cells(store) -> None:
    lower, upper = _store_lists(store, "ons-lower-tier"), _store_lists(store, "ons-upper-tier")
    # Table 1 row E08000025: Bradford, Wolverhampton, Leicester, Walsall, Bolton, Coventry ...
    assert lower["BIR"][:6] == ["BRD", "WLV", "LCE", "WLL", "BOL", "COV"]
    # Table 3: Bradford, Leicester, Wolverhampton, Walsall, Coventry, Liverpool ...
    assert upper["BIR"][:6] == ["BRD", "LCE", "WLV", "WLL", "COV", "LIV"]
    assert len(lower["BIR"]) == len(upper["BIR"]) == 15
    # Table 2's cells for Birmingham against Bradford and Wolverhampton (2.734..., 2.857...).
    rows = store.select(f"""PREFIX lacat: <{LACAT}> SELECT ?rank ?d WHERE {{
      ?n lacat:method ?m ; lacat:rank ?rank ; lacat:distance ?d .
      FILTER(STRSTARTS(STR(?n), "http://localhost:5000/id/neighbour/ons-lower-tier/BIR/"))}} ORDER BY ?rank""")
    distances = [float(r["d"].value) for r in rows]
    assert distances[0] == pytest.approx(2.734345996243243, abs=1e-6)
    assert distances[1] == pytest.approx(2.857048104380358, abs=1e-6)
    assert distances == sorted(distances)


def test_every_list_is_the_workbooks_first_fifteen(store, workbook_lists) -> None:
    for tier in ("lower-tier", "upper-tier"):
        published = _store_lists(store, f"ons-{tier}")
        assert len(published) == {"lower-tier": 296, "upper-tier": 153}[tier]
        assert published == workbook_lists[tier]
    # Barnsley keeps the pre-2025 code ONS used (E08000016) and is found by it.
    assert "BNS" in workbook_lists["lower-tier"]


def test_agreement_recomputed_independently(store, client, workbook_lists) -> None:
    page = client.get("/similar-authorities").get_data(as_text=True)
    for tier in ("lower-tier", "upper-tier"):
        own = _store_lists(store, tier)
        ons = workbook_lists[tier]
        codes = sorted(set(own) & set(ons))
        shared = [len(set(own[c]) & set(ons[c])) for c in codes]
        expected = statistics.fmean(shared) / 15
        rows = store.select(f"""PREFIX lacat: <{LACAT}> SELECT ?o ?n ?lo ?hi WHERE {{
          ?a a lacat:MethodAgreement ; lacat:meanOverlap ?o ; lacat:authorityCount ?n ;
             lacat:minSharedNeighbours ?lo ; lacat:maxSharedNeighbours ?hi .
          FILTER(STRENDS(STR(?a), "/similarity-agreement/{tier}")) }}""")
        assert len(rows) == 1
        assert float(rows[0]["o"].value) == pytest.approx(expected, abs=1e-6)
        assert int(rows[0]["n"].value) == len(codes)
        assert (int(rows[0]["lo"].value), int(rows[0]["hi"].value)) == (min(shared), max(shared))
        row = re.search(rf'<tr class="govuk-table__row" id="agreement-{tier}">(.*?)</tr>', page, re.S).group(1)
        assert f"{expected * 100:.1f}%" in row
        assert f">{len(codes)}<" in row
    body = client.get("/similar-authorities.json").get_json()
    assert {i["tier"] for i in body["items"]} == {"lower-tier", "upper-tier"}


def _rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/doc/authority/([A-Z]+)',
                      page)


def test_compare_page_with_each_group(client, store, workbook_lists) -> None:
    own = _store_lists(store, "lower-tier")["TRF"]
    page = client.get(f"/compare/{RECYCLING}/TRF").get_data(as_text=True)
    assert _rows(page) == ["TRF", *own]
    assert "compared with similar councils" in page
    shared = len(set(own) & set(workbook_lists["lower-tier"]["TRF"]))
    assert f"{shared} of them are also among ONS" in page
    page = client.get(f"/compare/{RECYCLING}/TRF?group=ons").get_data(as_text=True)
    assert _rows(page) == ["TRF", *workbook_lists["lower-tier"]["TRF"]]
    assert "compared with ONS nearest neighbours" in page
    assert 'id="group-ons" name="group" type="radio" value="ons" checked' in page
    # An upper-tier metric uses ONS's upper-tier list.
    page = client.get(f"/compare/{ASC1}/BIR?group=ons").get_data(as_text=True)
    assert _rows(page) == ["BIR", *workbook_lists["upper-tier"]["BIR"]]
    page = client.get(f"/compare/{RECYCLING}/TRF?group=custom&with=MAN&with=SLF").get_data(as_text=True)
    assert _rows(page) == ["TRF", "MAN", "SLF"]
    # `with` alone means a custom pick; with group=similar the form's leftover picks are ignored.
    assert _rows(client.get(f"/compare/{RECYCLING}/TRF?with=MAN").get_data(as_text=True)) == ["TRF", "MAN"]
    assert _rows(client.get(f"/compare/{RECYCLING}/TRF?group=similar&with=MAN").get_data(as_text=True)) == \
        ["TRF", *own]
    # Every page of the JSON twin (one item per council and period, so several pages).
    codes: set[str] = set()
    for number in range(1, 10):
        body = client.get(f"/compare/{RECYCLING}/TRF.json?group=ons&page={number}").get_json()
        codes |= {i["code"] for i in body["items"]}
        if number * body["page_size"] >= body["total"]:
            break
    assert codes <= {"TRF", *workbook_lists["lower-tier"]["TRF"]}
    assert len(codes) > 10


@pytest.mark.parametrize("query,named", [
    ("group=nope", "group='nope'"),
    ("group=custom", "group=custom needs at least one council"),
    ("with=ZZZZ", "with='ZZZZ' is not a council code"),
    ("group=custom&with=MAN&with=KEN", "with=KEN: Kent County Council is a county"),
    ("group=custom&with=TRF", "with=TRF is Trafford"),
    ("with=%3Cscript%3E", "with='<script>' is not"),
])
def test_bad_picks_are_refused_naming_them(client, query: str, named: str) -> None:
    r = client.get(f"/compare/{RECYCLING}/TRF?{query}")
    assert r.status_code == 400
    assert "<script>" not in r.get_data(as_text=True)
    assert named in html.unescape(r.get_data(as_text=True))
    twin = client.get(f"/compare/{RECYCLING}/TRF.json?{query}")
    assert twin.status_code == 400 and named.replace("&lt;", "<") in twin.get_json()["error"]


def test_more_than_twenty_picks_are_refused(client, store) -> None:
    codes = [c for c in _store_lists(store, "lower-tier") if c != "TRF"][:21]
    r = client.get(f"/compare/{RECYCLING}/TRF?" + "&".join(f"with={c}" for c in codes))
    assert r.status_code == 400 and "at most 20" in r.get_data(as_text=True)


def test_method_and_agreement_uris_dereference(client) -> None:
    r = client.get("/id/similarity-method/ons-lower-tier")
    assert r.status_code == 303
    assert client.get("/doc/similarity-method/ons-lower-tier").headers["Location"].endswith("/similar-authorities#ons")
    ttl = client.get("/doc/similarity-agreement/upper-tier.ttl").get_data(as_text=True)
    assert "meanOverlap" in ttl
    assert client.get("/doc/neighbour/ons-lower-tier/BIR/1").status_code == 303


# --- A broken workbook stops the build ------------------------------------------------------------


def _write_copy(tmp: Path, change) -> Path:
    """The real workbook's four tables, rewritten with one change: change(sheet, rows) edits rows."""
    book = CalamineWorkbook.from_path(str(WORKBOOK))
    target = tmp / SOURCE
    target.parent.mkdir(parents=True)
    out = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    for sheet in ("Table 1", "Table 2", "Table 3", "Table 4"):
        rows = [list(r) for r in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
        change(sheet, rows)
        ws = out.add_worksheet(sheet)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if v != "":
                    ws.write(i, j, v)
    out.close()
    return tmp


def test_unknown_neighbour_names_sheet_row_and_column(tmp_path: Path, register: Register) -> None:
    def change(sheet: str, rows: list[list]) -> None:
        if sheet == "Table 1":
            rows[4][4] = "E99999999"  # Hartlepool's third neighbour, spreadsheet row 5

    with pytest.raises(SourceError) as exc:
        read_ons(_write_copy(tmp_path, change), register)
    text = str(exc.value)
    assert "localauthoritynearestneighboursengland.xlsx" in text
    assert "sheet 'Table 1'" in text and "row 5" in text and "field 'Neighbour 3'" in text
    assert "[unknown-neighbour]" in text


def test_ranking_contradicted_by_the_distances_is_refused(tmp_path: Path, register: Register) -> None:
    def change(sheet: str, rows: list[list]) -> None:
        if sheet == "Table 3":
            rows[4][2], rows[4][3] = rows[4][3], rows[4][2]  # swap Hartlepool's first two neighbours

    with pytest.raises(SourceError) as exc:
        read_ons(_write_copy(tmp_path, change), register)
    assert "sheet 'Table 3'" in str(exc.value) and "row 5" in str(exc.value)
    assert "[neighbour-order]" in str(exc.value)


def test_a_changed_header_is_refused_naming_the_sheet_and_row(tmp_path: Path, register: Register) -> None:
    def change(sheet: str, rows: list[list]) -> None:
        if sheet == "Table 1":
            rows[HEADER_ROW - 1][3] = "Neighbour two"

    with pytest.raises(SourceError) as exc:
        read_ons(_write_copy(tmp_path, change), register)
    text = str(exc.value)
    assert "sheet 'Table 1'" in text and f"row {HEADER_ROW}" in text and "[header-row]" in text


def test_unknown_council_code_is_refused(tmp_path: Path, register: Register) -> None:
    def change(sheet: str, rows: list[list]) -> None:
        if sheet == "Table 1":
            rows[6][0] = "E06999999"

    with pytest.raises(SourceError) as exc:
        read_ons(_write_copy(tmp_path, change), register)
    assert "row 7" in str(exc.value) and "[unknown-authority]" in str(exc.value)
    assert "Lower tier local authority code" in str(exc.value)


def test_the_bundled_copy_is_the_ons_file() -> None:
    digest = hashlib.sha256(WORKBOOK.read_bytes()).hexdigest()
    assert digest == "77f79eb5f2c281011103b3430eb97d72338c6d5e0a6fb0fd48c55eb1c676845f"


@pytest.mark.browser
def test_choosing_ons_neighbours_in_chromium_without_javascript(browser, live_server: str, workbook_lists) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(f"{live_server}/compare/{RECYCLING}/TRF")
        pg.check("#group-ons")
        with pg.expect_navigation():
            pg.click("#choose-group ~ form button[type=submit]")
        assert "group=ons" in pg.url
        rows = pg.locator("#compare-table tbody th[scope=row] a").evaluate_all(
            "els => els.map(e => e.getAttribute('href').split('/').pop())")
        assert rows == ["TRF", *workbook_lists["lower-tier"]["TRF"]]
        pg.check("#group-custom")
        pg.select_option("#with", ["MAN", "SLF"])
        with pg.expect_navigation():
            pg.click("#choose-group ~ form button[type=submit]")
        rows = pg.locator("#compare-table tbody th[scope=row] a").evaluate_all(
            "els => els.map(e => e.getAttribute('href').split('/').pop())")
        assert rows == ["TRF", "MAN", "SLF"]
    finally:
        context.close()
