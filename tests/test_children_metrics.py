"""DfE children looked after: rates per 10,000 are the cells of the bundled file, reporting years
are the financial years they end, councils listed in years they did not exist are reported, and a
broken copy loads nothing. Ofsted's judgements are read as words and shown on council pages as
context, never as a score."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from catalogue.metric_records import load_metrics
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from ingest.adapters import ofsted
from ingest.geography.load import load_register
from ingest.geography.model import Register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records"
CLA = "metrics/children/cla_number_and_rate_per_10k_children.csv"
SLUGS = {"Children looked after at 31 March each year": "children-looked-after-rate-per-10000",
         "Children starting to be looked after each year": "children-starting-care-rate-per-10000",
         "Children ceasing to be looked after each year": "children-ceasing-care-rate-per-10000"}


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


def records_copy(root: Path) -> Path:
    (root / "metrics").mkdir(parents=True)
    shutil.copy(RECORDS / "metric.schema.json", root / "metric.schema.json")
    for slug in SLUGS.values():
        shutil.copy(RECORDS / "metrics" / f"{slug}.yaml", root / "metrics" / f"{slug}.yaml")
    return root


@pytest.fixture(scope="module")
def frame(register: Register, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return load_metrics(SOURCES, records_copy(tmp_path_factory.mktemp("r")), register).frames[CLA]


def source_row(level: str, code_field: str, code: str, year: str, measure: str) -> tuple[int, dict[str, str]]:
    with open(SOURCES / CLA, encoding="utf-8-sig", newline="") as fh:
        hits = [(i, r) for i, r in enumerate(csv.DictReader(fh), start=2)
                if r["geographic_level"] == level and r[code_field] == code and r["time_period"] == year
                and r["population_count"] == measure]
    assert len(hits) == 1
    return hits[0]


def loaded(frame: pd.DataFrame, slug: str, area: str, period: str):
    hit = frame[(frame["metric"] == slug) & (frame["area"] == area) & (frame["period"] == period)
                & frame["excluded"].isna()]
    assert len(hit) == 1
    return hit.iloc[0]


@pytest.mark.parametrize("measure", list(SLUGS))
def test_birmingham_and_england_2023_are_the_cells(frame: pd.DataFrame, measure: str) -> None:
    slug = SLUGS[measure]
    row, cells = source_row("Local authority", "new_la_code", "E08000025", "2023", measure)
    got = loaded(frame, slug, "BIR", "2022-23")
    assert (int(got["row"]), got["value"]) == (row, cells["rate_per_10000"])
    row, cells = source_row("National", "country_code", "E92000001", "2023", measure)
    got = loaded(frame, slug, "E92000001", "2022-23")
    assert (int(got["row"]), got["value"]) == (row, cells["rate_per_10000"])


def test_the_figures_provenance_checked(frame: pd.DataFrame) -> None:
    # PROVENANCE.md: Birmingham looked-after rates 67 (2019), 66, 66, 73, 76 (2023).
    got = [loaded(frame, "children-looked-after-rate-per-10000", "BIR", p)["value"]
           for p in ("2018-19", "2019-20", "2020-21", "2021-22", "2022-23")]
    assert got == ["67", "66", "66", "73", "76"]
    assert loaded(frame, "children-looked-after-rate-per-10000", "E92000001", "2022-23")["value"] == "71"


def test_councils_listed_before_they_existed_are_reported(frame: pd.DataFrame) -> None:
    # North Northamptonshire began in April 2021; DfE lists it with 'z' for 2019 and 2020.
    rows = frame[(frame["gss"] == "E06000061") & frame["period"].isin(["2018-19", "2019-20"])]
    assert len(rows) == 6 and rows["excluded"].str.contains("'z'").all()
    assert loaded(frame, "children-looked-after-rate-per-10000", "NNT", "2021-22")["value"].isdigit()


def test_not_available_is_missing_not_zero(frame: pd.DataFrame) -> None:
    # Bournemouth and Poole have no 2019 rates ('x' in the file).
    got = loaded(frame, "children-looked-after-rate-per-10000", "BMH", "2018-19")
    assert got["status"] == "missing" and "'x'" in got["reason"]


@pytest.mark.parametrize(("match", "old", "new", "field", "rule"), [
    (",Birmingham,E08000025,Children looked after at 31 March each year,287947,2201,76", ",76", ",seventy-six",
     "rate_per_10000", "type-error"),
    (",Birmingham,E08000025,", ",E08000025,", ",E0800025,", "new_la_code", "gss-code-format"),
    ("2023,Reporting year,Local authority", "2023,", "2023/24,", "time_period", "constraint-error"),
])
def test_a_broken_copy_loads_nothing(tmp_path: Path, register: Register, match: str, old: str, new: str,
                                     field: str, rule: str) -> None:
    sources = tmp_path / "ingest" / "sources"
    shutil.copytree(SOURCES / "geography", sources / "geography")
    (sources / "metrics/children").mkdir(parents=True)
    for name in ("cla_number_and_rate_per_10k_children.csv", "cla_number_and_rate_per_10k_children.schema.yaml"):
        shutil.copy(SOURCES / "metrics/children" / name, sources / "metrics/children" / name)
    path = sources / CLA
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if match in line)
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8-sig")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path / "records"), register)
    found = [(p.file, p.row, p.field, p.rule) for p in exc.value.problems]
    assert (f"ingest/sources/{CLA}", index + 1, field, rule) in found, found


# --- Ofsted judgements: context, never a score ---------------------------------------------------

OFSTED_HEADER = ["URN", "Name", "Five-Year Ofsted Inspection Data publish date", "Publication type", "Remit",
                 "As at date", "Published date", "Government office region", "Local authority area", "Constituency",
                 "Provider type", "Provision type", "Sector", "Deprivation index", "Overall effectiveness",
                 "Impact of Leaders", "Experiences and progress of children who need help and protection",
                 "Experiences and progress of children in care", "Experiences and progress of care leavers"]
# Birmingham's row as at 31 March 2023 in the bundled sheet (row 10).
BIRMINGHAM_2023 = ["None", "Birmingham", date(2023, 7, 12), "OS", "Children's social care", date(2023, 3, 31),
                   date(2023, 4, 18), "West Midlands", "Birmingham", "Not available", "Local authority",
                   "Inspection of local authority children's services", "Local authority", "Not available",
                   2, 2, 2, 2, 2]


def test_birmingham_judgements_are_the_sheets_words(register: Register) -> None:
    found = {i.as_at: i for i in ofsted.read(SOURCES, register) if i.authority == "BIR"}
    assert found[date(2023, 3, 31)].judgements == tuple((a, "good") for a in ofsted.AREAS.values())
    assert found[date(2023, 3, 31)].published == date(2023, 4, 18) and found[date(2023, 3, 31)].row == 10
    # As at 2022: requires improvement throughout; care leavers was not a judgement then (9), so not loaded.
    assert [g for _, g in found[date(2022, 3, 31)].judgements] == ["requires-improvement"] * 4
    assert "care-leavers" not in dict(found[date(2022, 3, 31)].judgements)


def test_every_council_resolves_on_its_date(register: Register) -> None:
    inspections = ofsted.read(SOURCES, register)
    by_date: dict[date, int] = {}
    for i in inspections:
        by_date[i.as_at] = by_date.get(i.as_at, 0) + 1
    assert by_date[date(2023, 3, 31)] == 152
    # North Yorkshire as at 2023 is the county council (the unitary began on 1 April 2023).
    assert any(i.authority == "NYK" and i.as_at == date(2023, 3, 31) for i in inspections)


def ofsted_copy(tmp_path: Path, row: list[object], header: list[str] = OFSTED_HEADER) -> Path:
    sources = tmp_path / "ingest" / "sources"
    shutil.copytree(SOURCES / "geography", sources / "geography")
    path = sources / ofsted.FILE
    path.parent.mkdir(parents=True)
    pad = [""] * (len(header) - 1)
    body = [["Five-Year Ofsted Inspection Data: Local authority children's services", *pad], ["One table.", *pad],
            header, row]
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame(body).to_excel(writer, sheet_name=ofsted.SHEET, header=False, index=False)
    return sources


@pytest.mark.parametrize(("column", "new", "rule"), [
    ("Overall effectiveness", 5, "grade"),
    ("Local authority area", "Birmingam", "unknown-authority"),
    ("As at date", "31 March 2023", "type-error"),
])
def test_a_broken_ofsted_sheet_loads_nothing(tmp_path: Path, register: Register, column: str, new, rule: str) -> None:
    row = list(BIRMINGHAM_2023)
    row[OFSTED_HEADER.index(column)] = new
    with pytest.raises(SourceError) as exc:
        ofsted.read(ofsted_copy(tmp_path, row), register)
    found = [(p.file, p.sheet, p.row, p.field, p.rule) for p in exc.value.problems]
    assert (f"ingest/sources/{ofsted.FILE}", ofsted.SHEET, 4, column, rule) in found, found


def test_the_good_copy_loads(tmp_path: Path, register: Register) -> None:
    assert [i.authority for i in ofsted.read(ofsted_copy(tmp_path, BIRMINGHAM_2023), register)] == ["BIR"]


def test_council_page_shows_judgements_as_words_beside_the_figures(client) -> None:
    page = client.get("/doc/authority/BIR").get_data(as_text=True)
    section = page[page.index('id="inspection"'):page.index('id="metrics"')]
    assert "as at 31 March 2023" in section and "18 April 2023" in section
    for area in ("Overall effectiveness", "Impact of leaders", "Experiences and progress of care leavers"):
        assert f'<dt class="govuk-summary-list__key">{area}</dt>' in section
    assert section.count('<dd class="govuk-summary-list__value">Good</dd>') == 5
    assert "not a score" in section
    # Context only: no grade number, band or ranking wording beside the judgements.
    judgements = section[section.index('id="inspection-judgements"'):section.index("</dl>")]
    assert not re.search(r">\s*[1-4]\s*<", judgements) and "band" not in judgements.lower()
    # The judgements as data, from the link on the page.
    link = re.search(r'href="(/doc/inspection/childrens-services/BIR/2023-03-31\.ttl)"', section).group(1)
    r = client.get(link)
    assert r.status_code == 200 and b"lacat:asAt" in r.data and b"lacat:judgement" in r.data
    assert b'"2023-04-18"^^xsd:date' in r.data
