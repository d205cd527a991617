"""ONS Explore Local Statistics series under metrics/els/: every metric's figures for a council and
for England are the cells of the bundled file, periods of every kind are read, rows for councils
that did not exist in the period are reported rather than loaded, and a broken file loads nothing."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from catalogue.metric_records import load_metrics, load_records
from core.problems import SourceError
from core.settings import PROJECT_ROOT
from ingest.geography.load import load_register
from ingest.geography.model import Register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records"
ELS = "metrics/els"

# (metric, the file's period text, the key it becomes, Birmingham's figure as the file gives it)
BIRMINGHAM = [
    ("ks2-reading-writing-maths-expected-standard", "2024-09-01/P1Y", "SY2024-25", "63"),
    ("gcse-english-maths-by-19", "2024-09-01/P1Y", "SY2024-25", "71.79"),
    ("persistent-absence-all-pupils", "2024-08-01/P1Y", "AY2024-25", "20.95805"),
    ("eyfsp-communication-language-expected", "2024-09-01/P1Y", "SY2024-25", "75.9"),
    ("eyfsp-literacy-expected", "2024-09-01/P1Y", "SY2024-25", "67.9"),
    ("eyfsp-mathematics-expected", "2024-09-01/P1Y", "SY2024-25", "74.0"),
    ("children-relative-poverty-before-housing-costs", "2024-04-01/P1Y", "2024-25", "39.54821659"),
    ("children-relative-poverty-after-housing-costs", "2024-04-01/P1Y", "2024-25", "44.43874303"),
    ("healthy-life-expectancy-male", "2022-01-01/P3Y", "2022-2024", "58.3"),
    ("healthy-life-expectancy-female", "2022-01-01/P3Y", "2022-2024", "58.0"),
    ("public-ev-chargers-per-100000", "2026-04-01", "2026-04-01", "138.55821726266413"),
    ("business-births-percent-active", "2024-01-01/P1Y", "2024", "15.055008685581933"),
    ("business-deaths-percent-active", "2024-01-01/P1Y", "2024", "11.9166184134337"),
    ("high-growth-businesses-percent-active", "2024-01-01/P1Y", "2024", "4.171494785631518"),
    ("active-businesses", "2024-01-01/P1Y", "2024", "43175.0"),
    ("business-survival-1-year", "2023-01-01/P1Y", "2023", None),
    ("business-survival-2-year", "2022-01-01/P1Y", "2022", None),
    ("business-survival-3-year", "2021-01-01/P1Y", "2021", None),
    ("business-survival-4-year", "2020-01-01/P1Y", "2020", None),
    ("business-survival-5-year", "2019-01-01/P1Y", "2019", "29.676985195154774"),
]


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def records():
    return {r.slug: r for r in load_records(RECORDS, SOURCES) if r.data["sources"][0]["file"].startswith(ELS)}


@pytest.fixture(scope="module")
def frames(register: Register, records, tmp_path_factory: pytest.TempPathFactory) -> dict:
    # Only the ELS records: the other sources (finance workbooks) are slow to read and tested elsewhere.
    root = tmp_path_factory.mktemp("records")
    (root / "metrics").mkdir()
    shutil.copy(RECORDS / "metric.schema.json", root / "metric.schema.json")
    for record in records.values():
        shutil.copy(record.path, root / "metrics" / record.path.name)
    return load_metrics(SOURCES, root, register).frames


def cell(rel: str, gss: str, indicator: str, period: str) -> tuple[int, str]:
    """(spreadsheet row, observation text) of the one row of the file for an area, indicator and period."""
    with open(SOURCES / rel, encoding="utf-8-sig", newline="") as fh:
        found = [(i, row["observation"]) for i, row in enumerate(csv.DictReader(fh), start=2)
                 if row["areacd"] == gss and row["indicator"] == indicator and row["period"] == period]
    assert len(found) == 1, (rel, gss, indicator, period, found)
    return found[0]


def loaded(frames: dict, rel: str, slug: str, area: str, period: str):
    frame = frames[rel]
    hit = frame[(frame["metric"] == slug) & (frame["area"] == area) & (frame["period"] == period)
                & frame["excluded"].isna()]
    assert len(hit) == 1, (slug, area, period)
    return hit.iloc[0]


@pytest.mark.parametrize(("slug", "source_period", "key", "figure"), BIRMINGHAM)
def test_council_and_england_figures_are_the_cells(slug, source_period, key, figure, records, frames) -> None:
    src = records[slug].data["sources"][0]
    rel, indicator = src["file"], src["select"]
    row, text = cell(rel, "E08000025", indicator, source_period)
    got = loaded(frames, rel, slug, "BIR", key)
    assert int(got["row"]) == row
    assert Decimal(got["value"]) == Decimal(text)
    if figure is not None:
        assert text == figure  # the figure PROVENANCE.md checked by eye
    assert key in records[slug].data["periods"]
    if records[slug].data.get("includes_england"):
        row, text = cell(rel, "E92000001", indicator, source_period)
        got = loaded(frames, rel, slug, "E92000001", key)
        assert (int(got["row"]), Decimal(got["value"])) == (row, Decimal(text))


def test_every_els_metric_is_checked(records) -> None:
    assert set(records) == {m[0] for m in BIRMINGHAM}


def test_upper_tier_series_leave_district_rows_out_with_the_reason(frames) -> None:
    frame = frames[f"{ELS}/gcses-in-english-and-maths/gcses-in-english-and-maths.csv"]
    # Harrogate (a district): education is the county's service, so ONS's district aggregate is not loaded.
    rows = frame[frame["gss"] == "E07000165"]
    assert rows["excluded"].notna().all()
    lived = rows[rows["period"].isin([f"SY{y}-{(y + 1) % 100:02d}" for y in range(2016, 2022)])]
    assert len(lived) == 6 and lived["excluded"].str.contains("authority type NMD").all()


def test_figures_re_aggregated_to_a_council_not_yet_created_are_reported(frames) -> None:
    frame = frames[f"{ELS}/children-in-relative-poverty/children-in-relative-poverty.csv"]
    # North Yorkshire Council began on 1 April 2023: its 2021-22 and 2022-23 rows are not loaded.
    rows = frame[frame["gss"] == "E06000065"]
    early = rows[rows["period"].isin(["2021-22", "2022-23"])]
    assert len(early) == 2 and early["excluded"].str.contains("did not exist in the period").all()
    later = rows[rows["period"].isin(["2023-24", "2024-25"]) & rows["excluded"].isna()]
    assert set(later["area"]) == {"NYE"} and len(later) == 4


def test_missing_cells_are_missing_not_zero(frames) -> None:
    frame = frames[f"{ELS}/pupils-at-expected-standards-by-end-of-primary-school/"
                   "pupils-at-expected-standards-by-end-of-primary-school.csv"]
    # City of London is 'x' in every year; it is a CC, outside the upper-tier metric's tiers.
    city = frame[frame["gss"] == "E09000001"]
    assert city["excluded"].notna().all() and city["value"].isna().all()


# --- Broken copies -------------------------------------------------------------------------------


def broken_copy(tmp_path: Path, series: str, line: int, old: str, new: str) -> tuple[Path, Path]:
    sources = tmp_path / "ingest" / "sources"
    shutil.copytree(SOURCES / "geography", sources / "geography")
    shutil.copytree(SOURCES / ELS / series, sources / ELS / series)
    path = sources / ELS / series / f"{series}.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    records = tmp_path / "catalogue" / "records"
    (records / "metrics").mkdir(parents=True)
    shutil.copy(RECORDS / "metric.schema.json", records / "metric.schema.json")
    for rec in (RECORDS / "metrics").glob("*.yaml"):
        if f"{ELS}/{series}/" in rec.read_text(encoding="utf-8"):
            shutil.copy(rec, records / "metrics" / rec.name)
    return sources, records


@pytest.mark.parametrize(("series", "line", "old", "new", "field", "rule"), [
    ("healthy-life-expectancy", 15, "2022-01-01/P3Y", "2022-03-01/P3Y", "period", "period-format"),
    ("public-electric-vehicle-chargers", 9, "2026-04-01", "2026-04-31", "period", "period-format"),
    ("early-years", 2, "79.5", "seventy", "observation", "type-error"),
    ("gcses-in-english-and-maths", 2, "E92000001", "E9200001", "areacd", "gss-code-format"),
    ("business-demography", 20, "Business births", "Business arrivals", "indicator", "unknown-metric"),
])
def test_a_broken_file_loads_nothing_and_names_file_row_and_field(tmp_path: Path, register: Register, series: str,
                                                                   line: int, old: str, new: str, field: str,
                                                                   rule: str) -> None:
    sources, records = broken_copy(tmp_path, series, line, old, new)
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records, register)
    found = [(p.file, p.row, p.field, p.rule) for p in exc.value.problems]
    assert (f"ingest/sources/{ELS}/{series}/{series}.csv", line, field, rule) in found, found
