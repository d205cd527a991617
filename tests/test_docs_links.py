"""Every documentation file the code and docs cite exists: a reader following a pointer must find it."""

from __future__ import annotations

import re

from core.settings import PROJECT_ROOT

CITED = re.compile(r"\bdocs/[A-Za-z0-9_./-]+\.(?:md|rq)\b")
FOLDERS = ("core", "ingest", "catalogue", "sparql", "datapackages", "web", "bench", "scripts", "docs", "ontology")
SUFFIXES = {".py", ".md", ".html", ".yaml", ".ttl", ".sh", ".rq", ".toml"}


def cited_paths() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    files = [PROJECT_ROOT / "README.md"]
    for folder in FOLDERS:
        files += [p for p in (PROJECT_ROOT / folder).rglob("*") if p.suffix in SUFFIXES and p.is_file()]
    for path in files:
        for match in CITED.findall(path.read_text(encoding="utf-8", errors="replace")):
            cited.setdefault(match, set()).add(str(path.relative_to(PROJECT_ROOT)))
    return cited


def test_the_scan_finds_citations() -> None:
    assert len(cited_paths()) >= 10


def test_every_cited_doc_exists() -> None:
    missing = {doc: sorted(where) for doc, where in cited_paths().items() if not (PROJECT_ROOT / doc).is_file()}
    assert not missing, f"cited but missing: {missing}"
