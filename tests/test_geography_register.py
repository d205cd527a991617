"""The geography register built from the real bundled sources, and each conflict resolution."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import ORG, RDFS, TIME

from catalogue.ontology_step import load_ontology, load_shapes
from catalogue.shacl_check import shacl_problems
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from core.uris import LACAT, Uris
from ingest.geography.load import load_register
from ingest.geography.model import Register
from ingest.geography.rdf import register_graph
from ingest.geography.rules import choose_ca_start, is_register_entry_date, majority_region, normalise_end
from ingest.geography.sources import DIGITAL_LAND, MYSOCIETY, ONS_COUNTY_LOOKUP

SOURCES = PROJECT_ROOT / "ingest" / "sources"
D = date.fromisoformat


@pytest.fixture(scope="module")
def reg() -> Register:
    return load_register(SOURCES)


def codes(authorities) -> list[str]:
    return sorted(a.code for a in authorities)


# --- counts measured on the bundled files ---------------------------------------------------------


def test_every_english_authority_current_and_past(reg: Register) -> None:
    # 380 English rows in mySociety plus the North East CA (E47000014) that only digital-land has.
    assert len(reg.authorities) == 381
    by_type: dict[str, int] = {}
    for a in reg.current(D("2025-06-01")):
        by_type[a.type] = by_type.get(a.type, 0) + 1
    # PROVENANCE: 21 CTY, 164 NMD, 36 MD, 32 LBO, 63 UA current; NECA and NTCA ended in May 2024
    # and the North East CA began, so 13 combined authorities were operating in June 2025.
    assert by_type == {"CTY": 21, "NMD": 164, "MD": 36, "LBO": 32, "UA": 63, "COMB": 13, "SRA": 1, "CC": 1}


def test_by_gss_current_and_former(reg: Register) -> None:
    assert reg.by_gss("E08000025").code == "BIR"
    assert reg.by_gss("E06000057").code == "NBL"
    assert reg.by_gss("E06000048").code == "NBL"  # Northumberland's former code
    assert reg.by_gss("E47000005").code == "NECA"
    assert reg.by_gss("E07000026", on=D("2024-01-01")) is None  # Allerdale had gone
    assert reg.by_gss("E07000026", on=D("2023-03-31")).code == "ALL"
    assert reg.by_gss("E99999999") is None


def test_existed(reg: Register) -> None:
    assert reg.existed("ALL", D("2022-04-01"), D("2023-03-31"))
    assert not reg.existed("ALL", D("2023-04-01"), D("2024-03-31"))
    assert reg.existed("CBD", D("2022-04-01"), D("2023-04-01"))
    assert not reg.existed("CBD", D("2022-04-01"), D("2023-03-31"))
    assert not reg.existed("NOPE", D("2000-01-01"), D("2030-01-01"))


# --- membership -------------------------------------------------------------------------------------


def test_north_east_ca_members_from_digital_land(reg: Register) -> None:
    assert codes(reg.members("NNECA", D("2024-06-01"))) == ["DUR", "GAT", "NBL", "NET", "NTY", "SND", "STY"]
    assert reg.members("NNECA", D("2024-05-06")) == []


def test_neca_and_north_of_tyne_before_and_after_may_2024(reg: Register) -> None:
    assert codes(reg.members("NECA", D("2024-01-01"))) == ["DUR", "GAT", "SND", "STY"]
    assert codes(reg.members("NTCA", D("2024-01-01"))) == ["NBL", "NET", "NTY"]
    assert reg.members("NECA", D("2024-06-01")) == []
    assert reg.members("NTCA", D("2024-06-01")) == []
    # digital-land: NECA ends 2024-05-06; NTCA's 2024-05-07 is the successor-start convention.
    assert reg.authorities["NECA"].end == D("2024-05-06")
    assert reg.authorities["NTCA"].end == D("2024-05-06")
    assert reg.authorities["NNECA"].replaces == ("NECA", "NTCA")
    assert reg.authorities["NECA"].replaced_by == ("NNECA",)


def test_2024_and_2025_combined_authorities(reg: Register) -> None:
    assert codes(reg.members("YNYC", D("2024-06-01"))) == ["NYE", "YOR"]
    assert reg.members("YNYC", D("2024-01-31")) == []
    # EMCCA: mySociety lists Derby and Nottingham, digital-land only the two counties.
    assert codes(reg.members("EMCA", D("2024-06-01"))) == ["DBY", "DER", "NGM", "NTT"]
    assert codes(reg.members("HYCA", D("2025-05-01"))) == ["ERY", "KHL"]
    assert codes(reg.members("GLCA", D("2025-05-01"))) == ["LIN", "NEL", "NLN"]
    assert reg.members("GLCA", D("2025-04-30")) == []


def test_cpca_keeps_the_county_council(reg: Register) -> None:
    # digital-land omits Cambridgeshire County Council; mySociety lists it, and the union keeps it.
    assert codes(reg.members("CPCA", D("2024-01-01"))) == ["CAB", "CAM", "ECA", "FEN", "HUN", "PTE", "SCA"]


def test_gla_is_not_a_combined_authority(reg: Register) -> None:
    assert not any(m.organization == "GLA" for m in reg.memberships)
    assert reg.authorities["GLA"].gss == "E61000001"
    assert reg.authorities["GLA"].region == "E12000007"


def test_every_membership_is_constituent_and_dated(reg: Register) -> None:
    assert len(reg.memberships) == 72
    assert all(m.role == "constituent" and m.start is not None for m in reg.memberships)
    assert all(m.end is None or m.end >= m.start for m in reg.memberships)


# --- reorganisations -------------------------------------------------------------------------------


def test_cumbria_successors(reg: Register) -> None:
    cma = reg.authorities["CMA"]
    assert cma.replaced_by == ("CBD", "WAF")
    assert cma.end == D("2023-03-31")
    assert reg.authorities["CBD"].start == D("2023-04-01")
    assert "CMA" in reg.authorities["WAF"].replaces


def test_allerdale_replaced_by_cumberland(reg: Register) -> None:
    assert reg.authorities["ALL"].replaced_by == ("CBD",)
    assert reg.authorities["ALL"].county == "CMA"


@pytest.mark.parametrize("code, successor, last_day", [
    ("POL", "BPC", "2019-03-31"), ("WDO", "DST", "2019-03-31"), ("TAU", "SWT", "2019-03-31"),
    ("AYL", "BUC", "2020-03-31"), ("CRA", "NYE", "2023-03-31"), ("SWT", "SMT", "2023-03-31"),
])
def test_reorganisations(reg: Register, code: str, successor: str, last_day: str) -> None:
    a = reg.authorities[code]
    assert successor in a.replaced_by and a.end == D(last_day)
    assert code in reg.authorities[successor].replaces


def test_abolished_since_2019(reg: Register) -> None:
    gone = [a for a in reg.authorities.values() if a.end and a.end >= D("2019-01-01")]
    assert len(gone) == 50  # 48 councils of the 2019-2023 reorganisations + NECA + NTCA
    assert all(a.end.month == 3 and a.end.day == 31 for a in gone if a.type != "COMB")


# --- each conflict resolution -------------------------------------------------------------------------


def test_end_date_conventions_normalised() -> None:
    assert normalise_end(D("2023-04-01"), [D("2023-04-01")]) == D("2023-03-31")
    assert normalise_end(D("2019-03-31"), [D("2019-04-01")]) == D("2019-03-31")
    assert normalise_end(None, [D("2019-04-01")]) is None


def test_end_dates_agree_across_registers_after_normalising(reg: Register) -> None:
    # mySociety 2023-04-01 and digital-land 2023-03-31 for Allerdale become one last day.
    assert reg.authorities["ALL"].end == D("2023-03-31")
    assert ("end-successor-start", "ALL: 2023-04-01 -> 2023-03-31") in reg.resolutions


def test_register_entry_dates_dropped(reg: Register) -> None:
    assert is_register_entry_date(D("1905-06-19"))
    assert is_register_entry_date(D("2005-06-19"))
    assert is_register_entry_date(D("2005-05-27"))
    assert not is_register_entry_date(D("2005-07-01"))
    assert not is_register_entry_date(D("2009-04-01"))
    # Buckinghamshire County Council: mySociety 2005-06-19, digital-land 1905-06-19: unknown.
    assert reg.authorities["BKM"].start is None
    assert reg.authorities["POL"].start == D("1997-04-01")
    assert not any(a.start and a.start.year in (1905, 2005) for a in reg.authorities.values())


def test_northamptonshire_vesting_day(reg: Register) -> None:
    # digital-land: 2020-04-01 for the unitaries and 2020-03-31 for Northampton; mySociety 2021.
    assert reg.authorities["NNT"].start == D("2021-04-01")
    assert reg.authorities["WNT"].start == D("2021-04-01")
    assert reg.authorities["NOR"].end == D("2021-03-31")
    assert reg.authorities["NTH"].end == D("2021-03-31")
    assert reg.existed("NOR", D("2020-04-01"), D("2021-03-31"))


def test_gla_region_code_is_not_its_gss(reg: Register) -> None:
    assert reg.by_gss("E12000007") is None
    assert reg.by_gss("E61000001").code == "GLA"
    assert any(rule == "gla-region-as-gss" for rule, _ in reg.resolutions)


def test_sheffield_city_region_duplicate_row() -> None:
    # Two digital-land rows for E47000002: keep mySociety's 2014-04-01 start.
    assert choose_ca_start("E47000002", D("2014-04-01"), D("2018-05-03"), 2) == D("2014-04-01")
    assert choose_ca_start("E47000009", D("2014-04-01"), D("2017-02-09"), 1) == D("2017-02-09")
    assert choose_ca_start("E47000009", D("2014-04-01"), None, 1) == D("2014-04-01")


def test_ca_start_dates(reg: Register) -> None:
    assert reg.authorities["WECA"].start == D("2017-02-09")
    assert reg.authorities["EMCA"].start == D("2024-02-28")
    assert reg.authorities["SCR"].start == D("2014-04-01")
    assert reg.authorities["SCR"].name == "South Yorkshire Mayoral Combined Authority"
    assert reg.authorities["SCR"].mayoral


def test_region_conflicts_settled_by_districts_and_members(reg: Register) -> None:
    assert majority_region(["E12000004", "E12000004", "E12000005"]) == "E12000004"
    assert majority_region(["E12000004", "E12000005"]) is None
    assert majority_region([None]) is None
    assert reg.authorities["DBY"].region == "E12000004"  # mySociety: West Midlands
    assert reg.authorities["LIN"].region == "E12000004"  # mySociety: Yorkshire and The Humber
    assert reg.authorities["WECA"].region == "E12000009"  # digital-land: West Midlands


def test_forest_heath_county_from_successor(reg: Register) -> None:
    assert reg.authorities["FOR"].county == "SFK"  # mySociety says SRY (Surrey)
    assert reg.authorities["WSK"].county == "SFK"


def test_county_of_district_matches_ons_2021(reg: Register) -> None:
    assert reg.by_gss("E07000008").county == "CAM"  # Cambridge
    assert codes(reg.districts("CMA")) == ["ALL", "BAR", "CAR", "COP", "EDN", "SLA"]
    assert len(reg.districts("KEN")) == 12


def test_regions_named(reg: Register) -> None:
    assert len(reg.regions) == 9
    assert reg.regions["E12000001"] == "North East"
    assert reg.regions["E12000007"] == "London"


# --- malformed or contradictory sources stop the load with file, row and field -----------------------


def copy_sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(SOURCES / "geography", target / "geography")
    return target


def edit_csv(path: Path, row: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    assert old in lines[row - 1], lines[row - 1]
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


def test_malformed_date_names_file_row_field(tmp_path: Path) -> None:
    src = copy_sources(tmp_path)
    # Row 8 is Allerdale Borough Council.
    edit_csv(src / "geography" / MYSOCIETY, 8, "2023-04-01", "2023-13-01")
    with pytest.raises(SourceError) as exc:
        load_register(src)
    p = exc.value.problems[0]
    assert p.file.endswith("sources/geography/mysociety_uk_la_past_current/uk_local_authorities_current.csv")
    assert (p.row, p.field) == (8, "end-date")


def test_bad_gss_code_names_file_row_field(tmp_path: Path) -> None:
    src = copy_sources(tmp_path)
    edit_csv(src / "geography" / DIGITAL_LAND, 3, ",,E07000026,allerdale", ",,X07000026,allerdale")
    with pytest.raises(SourceError) as exc:
        load_register(src)
    fields = {(p.file.rsplit("/", 1)[-1], p.row, p.field) for p in exc.value.problems}
    assert ("local-authority.csv", 3, "statistical-geography") in fields


def test_contradictory_end_date_names_file_row_field(tmp_path: Path) -> None:
    src = copy_sources(tmp_path)
    # digital-land row 3 (Allerdale) says 2023-03-31; make it contradict mySociety.
    edit_csv(src / "geography" / DIGITAL_LAND, 3, "2023-03-31", "2022-03-31")
    with pytest.raises(SourceError) as exc:
        load_register(src)
    [p] = exc.value.problems
    assert (p.file.rsplit("/", 1)[-1], p.row, p.field, p.rule) == ("local-authority.csv", 3, "end-date", "conflict")
    assert "2022-03-31" in p.message


def test_unknown_successor_names_file_row_field(tmp_path: Path) -> None:
    src = copy_sources(tmp_path)
    edit_csv(src / "geography" / MYSOCIETY, 8, ",CBD,", ",ZZZ,")
    with pytest.raises(SourceError) as exc:
        load_register(src)
    p = exc.value.problems[0]
    assert (p.row, p.field) == (8, "replaced-by") and "ZZZ" in p.message


def test_ons_county_contradiction(tmp_path: Path) -> None:
    src = copy_sources(tmp_path)
    # Row 2: Cambridge -> Cambridgeshire (E10000003); claim it is in Kent (E10000016).
    edit_csv(src / "geography" / ONS_COUNTY_LOOKUP, 2, "E10000003", "E10000016")
    with pytest.raises(SourceError) as exc:
        load_register(src)
    [p] = exc.value.problems
    assert (p.file.rsplit("/", 1)[-1], p.row, p.field) == ("ons_lad21_to_cty21_lookup_april2021.csv", 2, "CTY21CD")


# --- the SHACL shapes the build enforces ----------------------------------------------------------------


def test_geography_graph_conforms_and_shapes_catch_breakage(reg: Register) -> None:
    uris = Uris("http://example.org/")
    g = register_graph(reg, uris)
    data = g + load_ontology()
    assert shacl_problems(data, load_shapes()) == []

    broken = g + load_ontology()
    birmingham = URIRef(uris.authority("BIR"))
    broken.remove((birmingham, LACAT.authorityType, None))
    broken.add((birmingham, RDFS.label, g.value(birmingham, RDFS.label) + " (again)"))
    broken.set((URIRef(uris.authority("LDS")), LACAT.gssCode, Literal("E0800003X")))
    membership = next(broken.subjects(ORG.member, birmingham))
    interval = broken.value(membership, ORG.memberDuring)
    broken.remove((interval, TIME.hasBeginning, None))
    problems = "\n".join(shacl_problems(broken, load_shapes()))
    assert f"{birmingham} {LACAT.authorityType}" in problems
    assert f"{birmingham} {RDFS.label}" in problems
    assert "LDS" in problems and "gssCode" in problems
    assert "dated beginning" in problems
