"""Property-based test of the ingest adapters: random cell values put into a slice of each
adapter's real file either load or fail with problems that name the file and the row (and the
field, for a cell) — never an unhandled exception."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.metric_records import load_records, selection, source_files
from core.problems import SourceError, display_name
from core.settings import PROJECT_ROOT
from ingest.adapters import ADAPTERS
from ingest.adapters.base import schema_file, tidy, validate
from ingest.geography.load import load_register

SOURCES = PROJECT_ROOT / "ingest" / "sources"
ROWS = 40  # data rows of the real file each example starts from

REGISTER = load_register(SOURCES)
_FILES = {}
for _sf in source_files(load_records(PROJECT_ROOT / "catalogue" / "records")):
    if _sf.adapter in ADAPTERS:
        _FILES.setdefault(_sf.adapter, _sf)  # the first file of each adapter


def _real_rows(rel: str, encoding: str) -> list[list[str]]:
    text = (SOURCES / rel).read_text(encoding=encoding)
    return list(csv.reader(io.StringIO(text)))[: ROWS + 1]


# Cell values a hostile or careless source might hold: numbers of every shape, codes, periods,
# quotes, separators, line breaks, formulas, control and non-ASCII characters.
cells = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "NA", "-", "..", "x", "1e309", "-0", "NaN", "inf", "1,234", "12.5%", "=1+1",
                     "E06000005", "E0600000", "E99999999", "E92000001", "W06000001", "2022-23", "2091-92",
                     "2022/23", "2024-04-01/P1Y", "2024-08-01/P1Y", "2024-13-01/P1Y", "\"", "a\nb", "\u00e9", "\x00"]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers().map(str),
)


# Adapters that feed a metric record; the older waste copies only cross-check (tests/test_waste_*).
@pytest.mark.parametrize("adapter", sorted(a for a in ADAPTERS if a in _FILES))
def test_random_cells_load_or_fail_with_file_row_and_field(adapter: str) -> None:
    sf = _FILES[adapter]
    layout = ADAPTERS[adapter]
    sel = selection(sf)
    rows = _real_rows(sf.rel, layout.encoding)
    width = len(rows[0])
    name = display_name(SOURCES / sf.rel)

    @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
    @given(edits=st.lists(st.tuples(st.integers(1, len(rows) - 1), st.integers(0, width - 1), cells),
                          min_size=1, max_size=4))
    def check(edits: list[tuple[int, int, str]]) -> None:
        changed = [list(r) for r in rows]
        for row, col, value in edits:
            changed[row][col] = value
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(changed)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ingest" / "sources" / sf.rel
            path.parent.mkdir(parents=True)
            shutil.copy(schema_file(SOURCES / sf.rel), schema_file(path))
            path.write_text(buf.getvalue(), encoding=layout.encoding, errors="surrogatepass")
            try:
                validate(path, layout, REGISTER, sel)
                frame = tidy(path, layout, REGISTER, sel)
            except SourceError as exc:
                assert exc.problems
                for p in exc.problems:
                    assert p.file == name, p
                    assert p.row is not None, p
                    assert tmp not in str(p)
                return
            assert len(frame) >= 1

    check()
