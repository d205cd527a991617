"""`lacat sdl import`: a new edition of the list from CSV or XLSX, with errors naming file, row
and field, merged into the build by the sdl step."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from catalogue.sdl import load_sdl
from cli.sdl import validate_edition, write_edition
from core.problems import SourceError
from core.settings import PROJECT_ROOT, Settings

SOURCES = PROJECT_ROOT / "ingest" / "sources"
DEPARTMENTS = {"DEFRA", "DLUHC", "DfE", "DHSC/NHSD"}

# Real rows of the bundled 2022-23 list, re-stated as a later edition would give them.
ROWS = [
    ("082-00", "WasteDataFlow - LA waste management statistics", "DEFRA", "Central government departments"),
    ("003-00", "Housing Flows Reconciliation Form (HFR)", "DLUHC", "Central government departments"),
]


def write_csv(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_valid_csv_is_written_and_merged(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "sdl.csv", "Ref,Collection,Department,Section",
                  [",".join(f'"{v}"' for v in r) for r in ROWS])
    rows = validate_edition(f, "2025-26", DEPARTMENTS)
    records = tmp_path / "records"
    target = write_edition(rows, records)
    assert target == records / "sdl" / "sdl-2025-26.csv"
    sdl = load_sdl(SOURCES, records)
    assert len(sdl.collections) == 148
    assert sdl.collections["082-00"].list_years == ["2022-23", "2023-24", "2025-26"]
    assert sdl.collections["003-00"].list_years == ["2022-23", "2025-26"]
    assert target in sdl.files


def test_valid_xlsx(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["ref", "collection", "department", "section", "list_year"])
    for r in ROWS:
        ws.append([*r, "2025-26"])
    wb.save(tmp_path / "sdl.xlsx")
    rows = validate_edition(tmp_path / "sdl.xlsx", None, DEPARTMENTS)
    assert [r["ref"] for r in rows] == ["082-00", "003-00"]
    assert {r["list_year"] for r in rows} == {"2025-26"}


def test_every_problem_names_file_row_and_field(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "edition.csv", "ref,collection,department,section,source_url", [
        "082-00,WasteDataFlow,DEFRA,Central government departments,https://www.gov.uk/x",
        "82-00,Bad ref,DEFRA,Central government departments,",
        "082-00,Repeat,DEFRA,Central government departments,",
        "083-00,,XYZ,,http://insecure.example",
    ])
    with pytest.raises(SourceError) as exc:
        validate_edition(f, "2025-26", DEPARTMENTS)
    got = {str(p) for p in exc.value.problems}
    assert "edition.csv, row 3, field 'ref': SDL reference '82-00' is not of the form NNN-NN (e.g. 082-00) [sdl-ref-format]" in got
    assert "edition.csv, row 4, field 'ref': SDL reference 082-00 repeats row 2 [sdl-ref-unique]" in got
    assert "edition.csv, row 5, field 'collection': collection is empty [empty-cell]" in got
    assert "edition.csv, row 5, field 'section': section is empty [empty-cell]" in got
    assert any(p.startswith("edition.csv, row 5, field 'department': department code 'XYZ'") for p in got)
    assert "edition.csv, row 5, field 'source_url': source_url must be an https address [https-url]" in got


def test_missing_columns_and_year(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "e.csv", "ref,name", ["082-00,WasteDataFlow"])
    with pytest.raises(SourceError) as exc:
        validate_edition(f, "2025-26", DEPARTMENTS)
    assert {str(p) for p in exc.value.problems} == {
        "e.csv, row 1, field 'collection': required column is missing [missing-column]",
        "e.csv, row 1, field 'department': required column is missing [missing-column]",
        "e.csv, row 1, field 'section': required column is missing [missing-column]",
    }
    f = write_csv(tmp_path / "e.csv", "ref,collection,department,section", ["082-00,W,DEFRA,S"])
    with pytest.raises(SourceError, match="row 2, field 'list_year'"):
        validate_edition(f, None, DEPARTMENTS)
    with pytest.raises(SourceError, match="not a year like 2025-26"):
        validate_edition(f, "2025-27", DEPARTMENTS)
    with pytest.raises(SourceError, match="unsupported file type"):
        validate_edition(tmp_path / "e.txt", "2025-26", DEPARTMENTS) if (tmp_path / "e.txt").write_text("x") else None


def test_bundled_list_errors_name_file_row_and_field(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES / "single-data-list", sources / "single-data-list")
    path = sources / "single-data-list" / "sdl_collections.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("075-00", "75-00", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        load_sdl(sources, tmp_path / "records")
    (problem,) = exc.value.problems
    assert str(problem).endswith(
        "sources/single-data-list/sdl_collections.csv, row 6, field 'ref': SDL reference '75-00' is not of the form "
        "NNN-NN (e.g. 082-00) [sdl-ref-format]")


def test_cli_import_dry_run_and_write(tmp_path: Path) -> None:
    f = write_csv(tmp_path / "sdl.csv", "ref,collection,department,section", [",".join(ROWS[0])])
    env = {**os.environ, "LACAT_RECORDS_DIR": str(tmp_path / "records")}
    cmd = [sys.executable, "-m", "cli.main", "sdl", "import", str(f), "--year", "2025-26"]
    r = subprocess.run([*cmd, "--dry-run"], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT)
    assert r.returncode == 0 and "nothing written" in r.stdout
    assert not (tmp_path / "records" / "sdl").exists()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "records" / "sdl" / "sdl-2025-26.csv").is_file()
    bad = write_csv(tmp_path / "bad.csv", "ref,collection,department,section", ["1,x,DEFRA,s"])
    r = subprocess.run([*cmd[:5], str(bad), "--year", "2025-26"], capture_output=True, text=True, env=env,
                       cwd=PROJECT_ROOT)
    assert r.returncode == 1
    assert "bad.csv, row 2, field 'ref'" in r.stderr and "nothing was written" in r.stderr
    assert str(tmp_path) not in r.stderr


def test_help() -> None:
    r = subprocess.run([sys.executable, "-m", "cli.main", "sdl", "import", "--help"], capture_output=True,
                       text=True, cwd=PROJECT_ROOT)
    assert r.returncode == 0 and "usage: lacat sdl import" in r.stdout


def test_settings_records_dir_is_used(tmp_path: Path) -> None:
    s = Settings.from_env(records_dir=tmp_path)
    assert load_sdl(s.sources_dir, s.records_dir).collections["082-00"].list_years == ["2022-23", "2023-24"]
