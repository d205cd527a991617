"""Writes one package: CSVs, datapackage.json, CSVW metadata, validation report, XLSX and zip.

Determinism: rows are sorted, JSON keys are in a fixed order, the only date is the build's declared
start (`created`), and every zip (the package's and the XLSX's own) has fixed entry timestamps
and order, so the same store always gives byte-identical files.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from core.figures import excel_format
from core.uris import Uris
from datapackages.cells import neutralise
from datapackages.content import CC_BY_URI, LICENCE_NAMES, OGL_URI, Content, PackageSpec, Source, value_range
from datapackages.schemas import AUTHORITIES, CAVEATS, ENGLAND, MEMBERSHIPS, METRICS, OBSERVATIONS, Column, Table

PROJECT_NAME = "Local government performance catalogue"
REPORT = "validation-report.json"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LICENCE_TITLES = {OGL_URI: "Open Government Licence v3.0", CC_BY_URI: "Creative Commons Attribution 4.0"}


def _json(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _csv_bytes(table: Table, rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in table.columns])
    for row in rows:
        # Only text cells are neutralised: numbers and dates are written exactly as the store has them.
        writer.writerow([neutralise(row.get(c.name, "")) if c.type == "string" else row.get(c.name, "")
                         for c in table.columns])
    return out.getvalue().encode("utf-8")


def _tables(content: Content, spec: PackageSpec) -> list[tuple[Table, list[dict[str, str]]]]:
    metrics = [content.metrics[u] for u in spec.metric_uris]
    out: list[tuple[Table, list[dict[str, str]]]] = [(OBSERVATIONS, spec.observations)]
    if spec.england:
        out.append((ENGLAND, spec.england))
    if spec.memberships:
        out.append((MEMBERSHIPS, spec.memberships))
    out.append((AUTHORITIES, [content.authorities[u] for u in spec.authority_uris]))
    out.append((METRICS, [m.row for m in metrics]))
    out.append((CAVEATS, [{"metric": m.slug, "number": str(i), "caveat": c}
                          for m in metrics for i, c in enumerate(m.caveats, 1)]))
    return out


def _sources(content: Content, spec: PackageSpec) -> list[Source]:
    found: dict[str, Source] = {}
    for uri in spec.metric_uris:
        for s in content.metrics[uri].sources:
            found.setdefault(s.slug, s)
    for s in content.geography_sources:
        found.setdefault(s.slug, s)
    return [found[k] for k in sorted(found)]


def licences(sources: list[Source]) -> list[dict[str, str]]:
    uris = sorted({s.licence for s in sources if s.licence in LICENCE_NAMES})
    return [{"name": LICENCE_NAMES[u], "path": u, "title": LICENCE_TITLES[u]} for u in uris]


def descriptor(content: Content, spec: PackageSpec, files: dict[str, bytes]) -> dict[str, Any]:
    sources = _sources(content, spec)
    lic = licences(sources)
    extra = {"value": value_range(content, spec.metric_uris)}
    resources = []
    for table, _rows in _tables(content, spec):
        data = files[table.path]
        resources.append({
            "profile": "tabular-data-resource", "name": table.name, "type": "table", "path": table.path, "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": table.title, "description": table.description,
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(), "bytes": len(data),
            "dialect": {"csv": {"delimiter": ",", "lineTerminator": "\n"}},
            "schema": table.schema(extra if table.name in ("observations", "england") else None),
        })
    keywords = ["local government", "England", "performance", "Oflog"]
    for uri in spec.metric_uris:
        m = content.metrics[uri].row
        keywords += [m["label"], m["service_area"].replace("-", " ")]
    seen: set[str] = set()
    keywords = [k for k in keywords if not (k in seen or seen.add(k))]
    contributors = [{"title": PROJECT_NAME, "role": "publisher", "path": content.base}]
    for who in sorted({s.publisher for s in sources if s.publisher}):
        contributors.append({"title": who, "role": "author"})
    return {
        "profile": "tabular-data-package",
        "name": spec.name,
        "id": Uris(content.base).package_descriptor(spec.folder),
        "title": spec.title,
        "description": spec.description,
        "version": content.version,
        "created": content.created,
        "homepage": Uris(content.base).site_page("downloads"),
        "keywords": keywords,
        "licenses": lic,
        "sources": [{"title": s.title, "path": s.landing or content.base} for s in sources],
        "contributors": contributors,
        "attributions": [s.attribution() for s in sources],
        "resources": resources,
    }


def _csvw(content: Content, spec: PackageSpec, desc: dict[str, Any]) -> dict[str, bytes]:
    out = {}
    extra = {"value": value_range(content, spec.metric_uris)}
    for table, _rows in _tables(content, spec):
        meta = table.csvw(content.base, spec.title, desc["licenses"],
                          extra if table.name in ("observations", "england") else None)
        out[f"{table.name}.csv-metadata.json"] = _json(meta)
    return out


def _fixed_time(content: Content) -> tuple[int, int, int, int, int, int]:
    created = datetime.fromisoformat(content.created.replace("Z", "+00:00"))
    # Zip times have two-second resolution and start in 1980.
    return (max(created.year, 1980), created.month, created.day, created.hour, created.minute,
            created.second - created.second % 2)


def deterministic_zip(entries: list[tuple[str, bytes]], when: tuple[int, int, int, int, int, int]) -> bytes:
    """A zip whose bytes depend only on the entries (in the given order) and the fixed time."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, whatever machine writes it
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buf.getvalue()


_CORE_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_CORE_CREATED = re.compile(rb"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)")


# Control characters XML 1.0 cannot hold (all below U+0020 except tab, line feed and return).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(value: str) -> str:
    # These characters never occur in the catalogue's text, so dropping them cannot change a figure.
    return _XML_ILLEGAL.sub("", str(neutralise(value)))


# Columns holding a metric's figures: shown at the metric's published precision (the cell keeps the
# exact value; only its number format rounds what a reader sees).
FIGURE_COLUMNS = frozenset({"value", "england_median"})


def _write_row(ws: Worksheet, r: int, columns: tuple[Column, ...], row: dict[str, str],
               figure_format: Format | None = None) -> None:
    for c, column in enumerate(columns):
        value = row.get(column.name, "")
        if value == "":
            continue
        if column.type in ("number", "integer"):
            # Written as a number, never as text that could be read as a formula. A spreadsheet
            # holds numbers as IEEE doubles, so the float loses nothing a spreadsheet could keep.
            if figure_format is not None and column.name in FIGURE_COLUMNS:
                ws.write_number(r, c, float(value), figure_format)
            else:
                ws.write_number(r, c, float(value))
        else:
            ws.write_string(r, c, _xlsx_text(value))


def workbook(content: Content, spec: PackageSpec, desc: dict[str, Any]) -> bytes:
    """One sheet per resource plus an 'about' sheet of metadata, licences and caveats.

    Every cell is written with an explicit type (write_string or write_number): text is never
    parsed as a formula or a number, whatever it holds."""
    created = datetime.fromisoformat(content.created.replace("Z", "+00:00")).replace(tzinfo=None)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": _xlsx_text(spec.title), "author": PROJECT_NAME, "created": created})
    about = wb.add_worksheet("about")
    rows: list[tuple[str, str]] = [
        ("Title", desc["title"]), ("Description", desc["description"]), ("Version", desc["version"]),
        ("Created", desc["created"]), ("Home page", desc["homepage"]),
        ("Keywords", "; ".join(desc["keywords"])),
    ]
    rows += [("Licence", f"{lic['title']} ({lic['path']})") for lic in desc["licenses"]]
    rows += [("Attribution", a) for a in desc["attributions"]]
    rows += [("Source", f"{s['title']} ({s['path']})") for s in desc["sources"]]
    rows += [("Contributor", f"{c['title']} ({c['role']})") for c in desc["contributors"]]
    for uri in spec.metric_uris:
        m = content.metrics[uri]
        rows += [(f"Caveat: {m.row['label']}", c) for c in m.caveats]
    lines: list[list[str]] = [["Property", "Value"]]
    lines += [[_xlsx_text(key), _xlsx_text(value)] for key, value in rows]
    lines.append([])
    lines.append(["Sheet", "Column", "Type", "Description"])
    for table, _rows in _tables(content, spec):
        lines += [[table.name, c.name, c.type, _xlsx_text(c.description)] for c in table.columns]
    for r, line in enumerate(lines):
        for c, text in enumerate(line):
            about.write_string(r, c, text)
    places = {m.slug: m.decimal_places for m in content.metrics.values() if m.decimal_places is not None}
    formats = {n: wb.add_format({"num_format": excel_format(n)}) for n in sorted(set(places.values()))}
    for table, data in _tables(content, spec):
        ws = wb.add_worksheet(table.name[:31])
        for c, column in enumerate(table.columns):
            ws.write_string(0, c, column.name)
        for r, row in enumerate(data, 1):
            n = places.get(row.get("metric", "")) if "metric" in row else None
            _write_row(ws, r, table.columns, row, formats.get(n) if n is not None else None)
    wb.close()
    # The save time is stamped into docProps/core.xml (as the modified date) and each zip entry:
    # replace both, so the same catalogue always gives the same bytes.
    stamp = content.created.replace("+00:00", "Z")
    stamp = stamp[:19] + "Z"
    entries = []
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_MODIFIED.sub(rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
                data = _CORE_CREATED.sub(rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            entries.append((info.filename, data))
    return deterministic_zip(entries, _fixed_time(content))


def write_package(content: Content, spec: PackageSpec, root: Path) -> tuple[Path, dict[str, Any]]:
    """Write the package's files (not yet validated, no zip) under root; returns its folder and descriptor."""
    folder = root / spec.folder
    folder.mkdir(parents=True, exist_ok=True)
    files = {table.path: _csv_bytes(table, rows) for table, rows in _tables(content, spec)}
    desc = descriptor(content, spec, files)
    files["datapackage.json"] = _json(desc)
    files.update(_csvw(content, spec, desc))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder, desc


def finish_package(content: Content, spec: PackageSpec, root: Path, desc: dict[str, Any],
                   report: dict[str, Any]) -> dict[str, Any]:
    """Add the validation report and workbook, zip the package; returns its index entry."""
    folder = root / spec.folder
    (folder / REPORT).write_bytes(_json(report))
    (folder / f"{spec.stem}.xlsx").write_bytes(workbook(content, spec, desc))
    names = sorted(p.name for p in folder.iterdir() if p.is_file())
    # datapackage.json first, so tools that peek at the start of the zip find the descriptor.
    names.sort(key=lambda n: n != "datapackage.json")
    data = deterministic_zip([(n, (folder / n).read_bytes()) for n in names], _fixed_time(content))
    zip_path = root / f"{spec.folder}.zip"
    zip_path.write_bytes(data)
    sizes = {n: (folder / n).stat().st_size for n in names}
    return {
        "kind": spec.kind, "id": spec.ident, "name": spec.name, "title": spec.title,
        "folder": spec.folder, "zip": f"{spec.folder}.zip", "zip_bytes": len(data),
        "zip_sha256": hashlib.sha256(data).hexdigest(), "files": sizes,
        "observations": len(spec.observations), "xlsx": f"{spec.stem}.xlsx",
    }
