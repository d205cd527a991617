"""Source files and metric records that are wrong stop the build with file, row and field, and
nothing of them loads; geography of the time; rows outside scope are reported, not dropped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from catalogue.build import run_build
from catalogue.geography_step import geography_step
from catalogue.metric_records import load_metrics, load_records
from catalogue.metrics import metrics_step
from catalogue.ontology_step import ontology_step
from core.problems import SourceError
from core.settings import PROJECT_ROOT, Settings
from ingest.adapters.base import excluded_summary
from ingest.geography.load import load_register
from ingest.geography.model import Register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records"


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


def sources_copy(tmp_path: Path, *folders: str) -> Path:
    """A sources folder holding the geography and the named folders, copied from the bundle."""
    # Laid out as in the project so messages name files as they do there (ingest/sources/...).
    root = tmp_path / "ingest" / "sources"
    for folder in ("geography", *folders):
        shutil.copytree(SOURCES / folder, root / folder)
    return root


def records_copy(tmp_path: Path, *slugs: str) -> Path:
    root = tmp_path / "catalogue" / "records"
    (root / "metrics").mkdir(parents=True)
    shutil.copy(RECORDS / "metric.schema.json", root / "metric.schema.json")
    for slug in slugs:
        shutil.copy(RECORDS / "metrics" / f"{slug}.yaml", root / "metrics" / f"{slug}.yaml")
    return root


def env18_records(tmp_path: Path) -> Path:
    """A record reading DEFRA ENV18 as Trafford Data Lab compiled it: the recycling metric before
    DEFRA's own workbook became its source (version 1), kept to test the CSV checks on that file."""
    root = records_copy(tmp_path)
    text = (RECORDS / "metrics" / "history" / "defra-household-recycling-rate" / "v1.yaml").read_text(encoding="utf-8")
    if "decimal_places:" not in text:  # required since; how figures are shown, not what they mean
        text = text.replace("\nunit: percent\n", "\nunit: percent\ndecimal_places: 1\n", 1)
    (root / "metrics" / "defra-household-recycling-rate.yaml").write_text(text, encoding="utf-8")
    return root


def edit_line(path: Path, line: int, old: str, new: str) -> None:
    """Replace text on one line (1-based, as a spreadsheet numbers rows) of a source file."""
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


ASC = "oflog/oflog_asc_data.csv"
ASC_FILE = "ingest/sources/oflog/oflog_asc_data.csv"
ASC1 = "asc1-carer-quality-of-life"
# Every metric record that selects from the ASC file: a row no record selects is an error.
ASC_RECORDS = tuple(p.stem for p in sorted((RECORDS / "metrics").glob("asc*.yaml")))
WASTE_RECORDS = ("oflog-household-waste-recycling-rate", "oflog-recycling-contamination-rate",
                 "oflog-residual-household-waste")


def problems_of(exc: pytest.ExceptionInfo[SourceError]) -> list[tuple[str, int | None, str | None, str | None]]:
    return [(p.file, p.row, p.field, p.rule) for p in exc.value.problems]


def test_bundled_sources_load(tmp_path: Path, register: Register) -> None:
    loaded = load_metrics(sources_copy(tmp_path, "oflog"), records_copy(tmp_path, *ASC_RECORDS), register)
    frame = loaded.frames[ASC]
    assert frame["excluded"].isna().all()


def test_wrong_column_fails_naming_file_row_and_field(tmp_path: Path, register: Register) -> None:
    sources = sources_copy(tmp_path, "oflog")
    edit_line(sources / ASC, 1, ",Value,", ",Valeur,")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path, *ASC_RECORDS), register)
    assert (ASC_FILE, 1, "Value", "incorrect-label") in problems_of(exc)
    assert 'Label "Valeur"' in str(exc.value)


def test_bad_gss_code_fails(tmp_path: Path, register: Register) -> None:
    sources = sources_copy(tmp_path, "oflog")
    edit_line(sources / ASC, 2, "E06000005", "E6000005")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path, *ASC_RECORDS), register)
    assert problems_of(exc) == [(ASC_FILE, 2, "Local authority code", "gss-code-format")]
    assert "'E6000005' is not a GSS code" in str(exc.value)


def test_unknown_authority_fails(tmp_path: Path, register: Register) -> None:
    sources = sources_copy(tmp_path, "oflog")
    edit_line(sources / ASC, 3, "E10000007", "E10000099")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path, *ASC_RECORDS), register)
    assert problems_of(exc) == [(ASC_FILE, 3, "Local authority code", "unknown-authority")]


def test_authority_that_did_not_exist_in_the_period_fails(tmp_path: Path, register: Register) -> None:
    # Allerdale (E07000026) ended on 31 March 2023: a 2023/24 figure cannot be its own.
    sources = sources_copy(tmp_path, "metrics")
    path = sources / "metrics" / "defra_env18_household_recycling_rate_tdl.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines, 1) if line.startswith("E07000223,") and ",2023/24," in line)
    edit_line(path, row, "E07000223,Adur", "E07000026,Allerdale")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, env18_records(tmp_path), register)
    assert problems_of(exc) == [("ingest/sources/metrics/defra_env18_household_recycling_rate_tdl.csv", row, "area_code",
                                 "authority-not-in-period")]
    assert "Allerdale" in str(exc.value) and "2023-24" in str(exc.value)


def test_non_numeric_value_fails(tmp_path: Path, register: Register) -> None:
    sources = sources_copy(tmp_path, "oflog")
    edit_line(sources / ASC, 4, ",7.7,", ",seven,")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path, *ASC_RECORDS), register)
    assert (ASC_FILE, 4, "Value", "type-error") in problems_of(exc)


def test_value_outside_the_units_range_fails(tmp_path: Path, register: Register) -> None:
    sources = sources_copy(tmp_path, "oflog")
    edit_line(sources / ASC, 4, ",7.7,", ",77,")  # a score out of 12
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path, *ASC_RECORDS), register)
    assert problems_of(exc) == [(ASC_FILE, 4, "Value", "value-out-of-range")]


def test_duplicate_observation_fails(tmp_path: Path, register: Register) -> None:
    sources = sources_copy(tmp_path, "oflog")
    path = sources / ASC
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines) + lines[1], encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        load_metrics(sources, records_copy(tmp_path, *ASC_RECORDS), register)
    assert problems_of(exc) == [(ASC_FILE, len(lines) + 1, "Local authority code",
                                 "duplicate-observation")]
    assert "already given in row 2" in str(exc.value)


def test_a_broken_file_stops_the_build_and_nothing_goes_live(tmp_path: Path) -> None:
    sources = sources_copy(tmp_path, "oflog")
    edit_line(sources / ASC, 2, "E06000005", "E6000005")
    records = records_copy(tmp_path, *ASC_RECORDS)
    shutil.copytree(RECORDS / "geography", records / "geography")
    settings = Settings.from_env(var_dir=tmp_path / "var", sources_dir=sources, records_dir=records)
    with pytest.raises(SourceError, match="ingest/sources/oflog/oflog_asc_data.csv, row 2, field 'Local authority code'"):
        run_build(settings, steps=[ontology_step, geography_step, metrics_step], checks=[], log=lambda _m: None)
    assert not settings.current_pointer.exists()
    assert [p.name for p in settings.stores_dir.iterdir()] == []


def test_record_errors_name_file_line_and_field(tmp_path: Path) -> None:
    records = records_copy(tmp_path, *ASC_RECORDS)
    path = records / "metrics" / f"{ASC1}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("unit: score-out-of-12", "unit: marks"), encoding="utf-8")
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.startswith("unit:"))
    with pytest.raises(SourceError) as exc:
        load_records(records)
    [problem] = exc.value.problems
    assert (problem.file, problem.row, problem.field, problem.rule) == (
        f"catalogue/records/metrics/{ASC1}.yaml", line, "unit", "schema:enum")


def test_record_without_caveats_is_refused(tmp_path: Path) -> None:
    records = records_copy(tmp_path, *ASC_RECORDS)
    path = records / "metrics" / f"{ASC1}.yaml"
    data = path.read_text(encoding="utf-8")
    start = data.index("caveats:")
    end = data.index("sources:")
    path.write_text(data[:start] + data[end:], encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        load_records(records)
    assert [(p.field, p.rule) for p in exc.value.problems] == [("caveats", "schema:required")]


def test_record_periods_must_match_the_data(tmp_path: Path, register: Register) -> None:
    records = records_copy(tmp_path, *ASC_RECORDS)
    path = records / "metrics" / f"{ASC1}.yaml"
    path.write_text(path.read_text().replace('"2018-19", ', ""), encoding="utf-8")
    with pytest.raises(SourceError, match="in the data but not listed: 2018-19"):
        load_metrics(sources_copy(tmp_path, "oflog"), records, register)


def test_figures_attach_to_the_council_of_the_time(tmp_path: Path, register: Register) -> None:
    """Allerdale's 2015-16 waste figures belong to Allerdale, not to its successor Cumberland."""
    loaded = load_metrics(sources_copy(tmp_path, "oflog"),
                          records_copy(tmp_path, *WASTE_RECORDS), register)
    frame = loaded.frames["oflog/mhclg_svelte_lib_waste_metrics_tidy.csv"]
    allerdale = frame[(frame["gss"] == "E07000026") & (frame["period"] == "2015-16")
                      & (frame["metric"] == "oflog-household-waste-recycling-rate")]
    assert list(allerdale["area"]) == ["ALL"]
    assert list(allerdale["value"]) == ["36.9"]
    assert not frame["area"].isin(["CBD"]).any()  # Cumberland started in 2023, after this file ends


def test_rows_outside_scope_are_reported_not_dropped(tmp_path: Path, register: Register) -> None:
    loaded = load_metrics(sources_copy(tmp_path, "metrics"), env18_records(tmp_path),
                          register)
    frame = loaded.frames["metrics/defra_env18_household_recycling_rate_tdl.csv"]
    assert len(frame) == 3205  # every row of the file is accounted for
    assert excluded_summary(frame) == [
        ("not England: other nations' recycling figures use other definitions", 650)]
    bristol = frame[(frame["gss"] == "E06000023") & (frame["period"] == "2023-24")]
    assert list(bristol["status"]) == ["missing"]
