"""The bad-input corpus: hostile source files and metric records fail with a clear error naming
file, row and field, and the live catalogue stays as it was.

Each case is generated at test time from a real bundled file (tests/bad_inputs/README.md), so the
corpus follows the sources as they change. Cases already covered one by one in
tests/test_metrics_sources.py (renamed column, bad GSS code, unknown authority, council not in the
period, text in a numeric column, value out of range, duplicate row, enum and required fields in
records) are not repeated here.

The adapters' validation (`ingest.adapters.base.validate`) is what is under test for the source
files, so it is called directly on a small slice of the real file; one end-to-end `lacat build`
with a broken file checks that the live catalogue (CURRENT pointer and quad count) is unchanged.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalogue.metric_records import load_records, selection, source_files
from core.problems import SourceError
from core.settings import PROJECT_ROOT, Settings
from core.store import read_pointer
from ingest.adapters import ADAPTERS
from ingest.adapters.base import tidy, validate
from ingest.geography.load import load_register
from ingest.geography.model import Register
from tests.helpers import copy_var, quad_count

SOURCES = PROJECT_ROOT / "ingest" / "sources"
RECORDS = PROJECT_ROOT / "catalogue" / "records"
ASC = "oflog/oflog_asc_data.csv"
ASC_FILE = "ingest/sources/oflog/oflog_asc_data.csv"
ASC1 = "asc1-carer-quality-of-life"
SLICE = 60  # data rows of the real file each case starts from: enough for every column's variety


@pytest.fixture(scope="module")
def register() -> Register:
    return load_register(SOURCES)


@pytest.fixture(scope="module")
def asc_lines() -> list[str]:
    lines = (SOURCES / ASC).read_text(encoding="utf-8").splitlines(keepends=True)
    return lines[: SLICE + 1]


def _replace(lines: list[str], row: int, old: str, new: str) -> list[str]:
    out = list(lines)
    assert old in out[row - 1], (row, out[row - 1])
    out[row - 1] = out[row - 1].replace(old, new, 1)
    return out


def _drop_column(lines: list[str], name: str) -> list[str]:
    rows = list(csv.reader(io.StringIO("".join(lines))))
    i = rows[0].index(name)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    return buf.getvalue().splitlines(keepends=True)


@dataclass
class SourceCase:
    id: str
    make: Callable[[list[str]], bytes]  # real lines of the file -> bytes of the broken file
    row: int | None
    field: str | None
    rule: str
    says: str  # words the message must contain, so a maintainer knows what to fix


SOURCE_CASES = [
    SourceCase("latin-1", lambda ls: "".join(_replace(ls, 3, "Derbyshire", "Derbyshíre")).encode("latin-1"),
               3, "Local authority name", "encoding", "not utf-8 text"),
    SourceCase("utf-16", lambda ls: "".join(ls).encode("utf-16"), 1, None, "encoding", "UTF-16"),
    SourceCase("empty file", lambda ls: b"", 1, None, "no-data-rows", "empty"),
    SourceCase("header only", lambda ls: ls[0].encode(), 2, None, "no-data-rows", "no data rows"),
    SourceCase("missing column", lambda ls: "".join(_drop_column(ls, "Value")).encode(),
               1, "Value", "incorrect-label", "Value"),
    SourceCase("period in the future", lambda ls: "".join(_replace(ls, 5, "2016-17", "2091-92")).encode(),
               5, "Financial year", "period-in-future", "2091-92"),
    SourceCase("unreadable period", lambda ls: "".join(_replace(ls, 4, "2016-17", "2016-18")).encode(),
               4, "Financial year", "period-format", "2016-18"),
    SourceCase("NaN value", lambda ls: "".join(_replace(ls, 8, ",ASC1,7.4,", ",ASC1,NaN,")).encode(),
               8, "Value", "value-out-of-range", "not a finite number"),
    SourceCase("infinite value", lambda ls: "".join(_replace(ls, 9, ",ASC1,7.3,", ",ASC1,-INF,")).encode(),
               9, "Value", "value-out-of-range", "not a finite number"),
    SourceCase("unknown metric code", lambda ls: "".join(_replace(ls, 6, ",ASC1,", ",ASC99,")).encode(),
               6, "Code", "unknown-metric", "ASC99"),
    SourceCase("missing required cell", lambda ls: "".join(_replace(ls, 7, "2016-17,", ",")).encode(),
               7, "Financial year", "constraint-error", "required"),
]


def _asc_selection():
    records = [r for r in load_records(RECORDS) if r.slug.startswith("asc")]
    [sf] = [sf for sf in source_files(records) if sf.rel == ASC]
    return selection(sf)


@pytest.fixture(scope="module")
def asc_selection():
    return _asc_selection()


def _write(tmp_path: Path, data: bytes) -> Path:
    # Laid out as in the project so messages name the file as they do there.
    folder = tmp_path / "ingest" / "sources" / "oflog"
    folder.mkdir(parents=True)
    shutil.copy(SOURCES / "oflog" / "oflog_asc_data.schema.yaml", folder)
    path = folder / "oflog_asc_data.csv"
    path.write_bytes(data)
    return path


def test_the_untouched_slice_loads(tmp_path: Path, asc_lines: list[str], register: Register, asc_selection) -> None:
    """The corpus starts from a slice that is valid, so each failure below is the case's own."""
    path = _write(tmp_path, "".join(asc_lines).encode())
    validate(path, ADAPTERS["oflog_asc"], register, asc_selection)
    assert len(tidy(path, ADAPTERS["oflog_asc"], register, asc_selection)) == SLICE


@pytest.mark.parametrize("case", SOURCE_CASES, ids=[c.id for c in SOURCE_CASES])
def test_bad_source_file_names_file_row_and_field(tmp_path: Path, asc_lines: list[str], register: Register,
                                                  asc_selection, case: SourceCase) -> None:
    path = _write(tmp_path, case.make(asc_lines))
    with pytest.raises(SourceError) as exc:
        validate(path, ADAPTERS["oflog_asc"], register, asc_selection)
    found = [(p.file, p.row, p.field, p.rule) for p in exc.value.problems]
    assert (ASC_FILE, case.row, case.field, case.rule) in found, found
    assert case.says in str(exc.value)
    assert str(tmp_path) not in str(exc.value), "no machine path in the message"


def test_huge_file_stops_with_bounded_report(tmp_path: Path, asc_lines: list[str], register: Register,
                                             asc_selection) -> None:
    """A file far larger than any real one (the slice repeated to 30,000 rows, ~4 MB): each
    repeat duplicates rows, and the report stops at 1,000 problems instead of listing them all."""
    body = asc_lines[1:]
    repeats = 30_000 // len(body)
    path = _write(tmp_path, (asc_lines[0] + "".join(body) * repeats).encode())
    assert path.stat().st_size > 3_000_000
    t0 = time.monotonic()
    with pytest.raises(SourceError) as exc:
        validate(path, ADAPTERS["oflog_asc"], register, asc_selection)
    elapsed = time.monotonic() - t0
    first = exc.value.problems[0]
    assert (first.file, first.row, first.field, first.rule) == (ASC_FILE, SLICE + 2, "Local authority code",
                                                                "duplicate-observation")
    assert "already given in row 2" in first.message
    assert len(exc.value.problems) == 1000
    assert elapsed < 120, f"validation of a huge file took {elapsed:.0f}s"


# --- Metric records ------------------------------------------------------------------------------


@dataclass
class RecordCase:
    id: str
    edit: Callable[[str], str]  # YAML text of a real record -> broken text
    line_of: str | None  # the record line the problem must point at (its first characters), or None
    field: str | None
    rule: str


RECORD_CASES = [
    RecordCase("bad YAML", lambda t: t.replace("\nunit:", "\nunit: [score\nx:", 1), "unit:", None, "yaml"),
    RecordCase("tab indentation", lambda t: t.replace("\nunit:", "\n\tunit:", 1), "\tunit:", None, "yaml"),
    RecordCase("missing field", lambda t: "\n".join(x for x in t.split("\n") if not x.startswith("unit:")),
               None, "unit", "schema:required"),
    RecordCase("wrong type", lambda t: _set_line(t, "version:", "version: one"), "version:", "version",
               "schema:type"),
    RecordCase("not a mapping", lambda t: "- just\n- a list\n", None, None, "type"),
    RecordCase("empty record", lambda t: "", None, None, "type"),
]


def _set_line(text: str, start: str, new: str) -> str:
    lines = text.split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith(start))
    lines[i] = new
    return "\n".join(lines)


@pytest.mark.parametrize("case", RECORD_CASES, ids=[c.id for c in RECORD_CASES])
def test_bad_metric_record_names_file_line_and_field(tmp_path: Path, case: RecordCase) -> None:
    root = tmp_path / "catalogue" / "records"
    (root / "metrics").mkdir(parents=True)
    shutil.copy(RECORDS / "metric.schema.json", root)
    path = root / "metrics" / f"{ASC1}.yaml"
    broken = case.edit((RECORDS / "metrics" / f"{ASC1}.yaml").read_text(encoding="utf-8"))
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        load_records(root)
    [problem] = exc.value.problems
    assert (problem.file, problem.field, problem.rule) == (f"catalogue/records/metrics/{ASC1}.yaml", case.field,
                                                            case.rule), str(exc.value)
    if case.line_of is not None:
        expected = next(i for i, line in enumerate(broken.split("\n"), 1) if line.startswith(case.line_of))
        assert problem.row is not None and abs(problem.row - expected) <= 1, (problem.row, expected)
    assert str(tmp_path) not in str(exc.value)


# --- End to end: the live catalogue is unchanged -------------------------------------------------


def test_build_with_a_broken_file_leaves_the_live_catalogue_unchanged(built_var: Path, tmp_path: Path) -> None:
    """`lacat build` over a full copy of the sources with one latin-1 file: it stops with the
    file, row and field, and CURRENT and the quads of the live catalogue are as before."""
    var = copy_var(built_var, tmp_path / "var")
    settings = Settings.from_env(var_dir=var)
    pointer = settings.current_pointer.read_bytes()
    quads = quad_count(settings)
    sources = tmp_path / "ingest" / "sources"
    shutil.copytree(SOURCES, sources)
    path = sources / ASC
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_bytes("".join(_replace(lines, 3, "Derbyshire", "Derbyshíre")).encode("latin-1"))
    env = {**os.environ, "LACAT_VAR_DIR": str(var), "LACAT_SOURCES_DIR": str(sources)}
    done = subprocess.run([sys.executable, "-m", "cli.main", "build"], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr
    assert f"{ASC_FILE}, row 3, field 'Local authority name'" in done.stderr
    assert "not changed" in done.stderr
    assert str(tmp_path) not in done.stderr
    assert settings.current_pointer.read_bytes() == pointer
    assert quad_count(Settings.from_env(var_dir=var)) == quads
    assert read_pointer(settings).version in {p.name for p in settings.stores_dir.iterdir()}
    assert not any(p.name.startswith("building-") for p in settings.stores_dir.iterdir()), "nothing left over"
