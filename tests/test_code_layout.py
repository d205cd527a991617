"""Small modules named for what they do: no project module over 450 lines (docs/conventions.md).

Counts every `.py` file under the project's packages and its bench/ and scripts/ folders (not
tests/). A module still over the limit while it is being split is listed in KNOWN with its count
when it was listed; the list may only shrink, so a listed module that is now under the limit, or a
listed one that grew, fails too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT

LIMIT = 450
FOLDERS = ("core", "ingest", "catalogue", "sparql", "datapackages", "web", "cli", "bench", "scripts")
# Over the limit and being split: path -> its line count when it was listed. Empty: every module is
# within the limit, and a new one over it fails the test.
KNOWN: dict[str, int] = {}


def line_counts(root: Path, folders: tuple[str, ...] = FOLDERS) -> dict[str, int]:
    """Lines of every Python module under `root`'s folders, by path relative to `root`."""
    out: dict[str, int] = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            out[path.relative_to(root).as_posix()] = len(path.read_text(encoding="utf-8").splitlines())
    return out


def offenders(counts: dict[str, int], limit: int = LIMIT) -> dict[str, int]:
    return {rel: n for rel, n in sorted(counts.items()) if n > limit}


def _listing(found: dict[str, int]) -> str:
    return "\n".join(f"  {rel}: {n} lines" for rel, n in found.items())


def test_no_module_over_the_limit() -> None:
    over = offenders(line_counts(PROJECT_ROOT))
    new = {rel: n for rel, n in over.items() if rel not in KNOWN}
    assert not new, (f"modules over {LIMIT} lines; split each into small modules named for what they do:\n"
                     + _listing(new))


def test_known_offenders_only_shrink() -> None:
    counts = line_counts(PROJECT_ROOT)
    done = {rel: counts.get(rel, 0) for rel in KNOWN if counts.get(rel, 0) <= LIMIT}
    assert not done, f"now within {LIMIT} lines (or gone): remove from KNOWN in this file:\n" + _listing(done)
    grown = {rel: counts[rel] for rel, n in KNOWN.items() if counts.get(rel, 0) > n}
    assert not grown, "listed as being split, but longer than when listed:\n" + _listing(grown)


def test_the_count_names_every_offender_with_its_lines(tmp_path: Path) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "web" / "deep").mkdir(parents=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "core" / "at_limit.py").write_text("x = 1\n" * LIMIT, encoding="utf-8")
    (tmp_path / "core" / "over.py").write_text("x = 1\n" * (LIMIT + 1), encoding="utf-8")
    (tmp_path / "web" / "deep" / "long.py").write_text("x = 1\n" * 600, encoding="utf-8")
    (tmp_path / "tests" / "test_long.py").write_text("x = 1\n" * 900, encoding="utf-8")
    assert offenders(line_counts(tmp_path)) == {"core/over.py": LIMIT + 1, "web/deep/long.py": 600}


def tracked_links(root: Path) -> list[str]:
    """Paths git tracks as symbolic links (mode 120000) under `root`'s checkout. A link committed by
    mistake (a local .venv or node_modules pointing elsewhere) replaces the real folder in every
    checkout that fast-forwards onto it, and names a path of one machine."""
    listing = subprocess.run(["git", "-C", str(root), "ls-files", "-s"], capture_output=True, text=True, check=True)
    return [line.split("\t", 1)[1] for line in listing.stdout.splitlines() if line.startswith("120000 ")]


def test_the_repository_tracks_no_symbolic_links() -> None:
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert not tracked_links(PROJECT_ROOT), "symbolic links are tracked; remove them with git rm --cached"


def test_a_tracked_link_is_found(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "real.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / ".venv").symlink_to(tmp_path / "elsewhere")
    subprocess.run(["git", "-C", str(tmp_path), "add", "real.txt", ".venv"], check=True)
    assert tracked_links(tmp_path) == [".venv"]
