"""Official similar councils: ONS statistical nearest neighbours (graph/similar/ons).

ONS published "Lower and upper tier local authority statistical nearest neighbours and distances,
England" on 1 October 2025 (OGL v3.0): for each of 296 lower-tier and 153 upper-tier councils, every
other council of its tier ranked by a relative Euclidean distance over ONS's standardised global
model, with the distances as two matrices. The catalogue offers the 15 nearest as a second
comparison group beside its own open method (catalogue/similar.py), modelled the same way
(lacat:SimilarityMethod, lacat:Neighbour), and publishes how far the two agree per tier: the mean
share of a council's 15 similar councils that both methods name (lacat:MethodAgreement).

The workbook is read as ONS publishes it (Table 1 to 4, header on row 4). A code the register does
not know, a neighbour outside the table, or a ranking the distance matrix contradicts stops the
build with the sheet, row and column, and nothing of the workbook loads.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from catalogue.similar import METHODS, NEIGHBOURS
from catalogue.step import BuildContext, GraphOutput
from core.problems import Problem, SourceError, display_name
from core.queries import iri, select
from core.uris import LACAT, Uris, concept
from ingest.geography.model import Register
from ingest.geography.rdf import authority_type_concept
from ingest.workbooks import sheet_rows

SOURCE = Path("geography") / "ons_nearest_neighbours" / "localauthoritynearestneighboursengland.xlsx"
DATASET = "ons-nearest-neighbours-2025"
HEADER_ROW = 4  # three title rows above the header, as a spreadsheet numbers them
GSS = re.compile(r"^E\d{8}$")

DISTANCE = ("Relative Euclidean distance between councils over ONS's standardised underlying dataset "
            "(the global model), as published in the workbook's distance tables.")
STANDARDISATION = ("Standardised by ONS before distances are computed; the workbook does not state how "
                   "(see ONS's methodology article of 14 February 2025 on clustering similar local "
                   "authorities).")


@dataclass(frozen=True)
class OnsTable:
    method: str  # similarity-method slug of the ONS lists
    own: str  # the catalogue's own method for the same tier
    neighbours_sheet: str
    distances_sheet: str
    label: str


TABLES: tuple[OnsTable, ...] = (
    OnsTable("ons-lower-tier", "lower-tier", "Table 1", "Table 2", "ONS nearest neighbours, lower tier"),
    OnsTable("ons-upper-tier", "upper-tier", "Table 3", "Table 4", "ONS nearest neighbours, upper tier"),
)
BY_OWN = {t.own: t.method for t in TABLES}


@dataclass
class OnsLists:
    table: OnsTable
    lists: dict[str, list[tuple[str, float]]]  # authority code -> [(neighbour code, distance)] nearest first
    rows: dict[str, int]  # authority code -> spreadsheet row of its list


@dataclass(frozen=True)
class Agreement:
    own: str
    ons: str
    compared: int  # councils with a list under both methods
    mean_shared: float  # mean count of neighbours both name
    min_shared: int
    max_shared: int

    @property
    def mean_overlap(self) -> float:
        return self.mean_shared / NEIGHBOURS


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _read_table(path: Path, table: OnsTable, rows: dict[str, list[tuple[Any, ...]]], register: Register,
                on: date, problems: list[Problem]) -> OnsLists:
    name = display_name(path)
    ranked, matrix = rows[table.neighbours_sheet], rows[table.distances_sheet]

    def problem(sheet: str, row: int, field: str, message: str, rule: str) -> None:
        problems.append(Problem(name, f"sheet {sheet!r}: {message}", row, field, rule))

    header = [_text(c) for c in ranked[HEADER_ROW - 1]] if len(ranked) >= HEADER_ROW else []
    code_field = header[0] if header else "local authority code"
    if len(header) < 2 + NEIGHBOURS or not header[0].lower().endswith("local authority code") \
            or any(header[2 + i] != f"Neighbour {i + 1}" for i in range(NEIGHBOURS)):
        problem(table.neighbours_sheet, HEADER_ROW, code_field,
                f"expected the header '… local authority code', '… name', 'Neighbour 1' … 'Neighbour {NEIGHBOURS}' "
                f"on row {HEADER_ROW}", "header-row")
        return OnsLists(table, {}, {})
    dist_header = [_text(c) for c in matrix[HEADER_ROW - 1]] if len(matrix) >= HEADER_ROW else []
    columns = {c: j for j, c in enumerate(dist_header) if GSS.match(c)}
    dist_rows = {_text(r[0]): i + 1 for i, r in enumerate(matrix) if i >= HEADER_ROW and r and GSS.match(_text(r[0]))}

    allowed = METHODS[table.own][1]
    by_gss: dict[str, str] = {}
    order: list[tuple[str, int, tuple[Any, ...]]] = []
    for i, r in enumerate(ranked[HEADER_ROW:], HEADER_ROW + 1):
        gss = _text(r[0]) if r else ""
        if not gss and not any(_text(c) for c in r):
            continue
        if not GSS.match(gss):
            problem(table.neighbours_sheet, i, code_field, f"{gss!r} is not an English GSS code", "gss-code-format")
            continue
        authority = register.by_gss(gss, on)
        if authority is None:
            problem(table.neighbours_sheet, i, code_field, f"{gss} is not a council operating today in the register",
                    "unknown-authority")
            continue
        if authority.type not in allowed:
            problem(table.neighbours_sheet, i, code_field,
                    f"{gss} ({authority.nice_name}) is not a {table.own} council", "wrong-tier")
            continue
        if gss in by_gss:
            problem(table.neighbours_sheet, i, code_field, f"{gss} has a second row", "duplicate-row")
            continue
        by_gss[gss] = authority.code
        order.append((gss, i, r))
    if set(dist_rows) != set(by_gss) or set(columns) != set(by_gss):
        problem(table.distances_sheet, HEADER_ROW, dist_header[0] if dist_header else code_field,
                f"the distance matrix does not list the same councils as {table.neighbours_sheet!r}", "matrix-codes")
        return OnsLists(table, {}, {})
    dist_by_row = {_text(r[0]): r for r in matrix[HEADER_ROW:] if r and GSS.match(_text(r[0]))}

    lists: dict[str, list[tuple[str, float]]] = {}
    where: dict[str, int] = {}
    for gss, i, r in order:
        items: list[tuple[str, float]] = []
        for k in range(NEIGHBOURS):
            field = header[2 + k]
            other = _text(r[2 + k]) if len(r) > 2 + k else ""
            if other not in by_gss or other == gss or any(by_gss[other] == c for c, _ in items):
                problem(table.neighbours_sheet, i, field,
                        f"{other!r} is not another council of this table (or is listed twice)", "unknown-neighbour")
                break
            value = dist_by_row[gss][columns[other]] if len(dist_by_row[gss]) > columns[other] else None
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                problem(table.distances_sheet, dist_rows[gss], other, f"{value!r} is not a distance", "type-error")
                break
            if items and value < items[-1][1] - 1e-9:
                problem(table.neighbours_sheet, i, field,
                        f"{other} is ranked after a council that is further away in {table.distances_sheet!r}",
                        "neighbour-order")
                break
            items.append((by_gss[other], float(value)))
        else:
            lists[by_gss[gss]] = items
            where[by_gss[gss]] = i
    return OnsLists(table, lists, where)


def read_ons(sources_dir: Path, register: Register, on: date | None = None) -> list[OnsLists]:
    """Each council's 15 nearest ONS neighbours per tier; every problem of the workbook at once."""
    path = sources_dir / SOURCE
    sheets = [s for t in TABLES for s in (t.neighbours_sheet, t.distances_sheet)]
    rows = sheet_rows(path, sheets)
    problems: list[Problem] = []
    day = on or date.today()
    out = [_read_table(path, t, rows, register, day, problems) for t in TABLES]
    if problems:
        raise SourceError(problems)
    return out


def agreement(own: dict[str, list[str]], ons: dict[str, list[str]], own_method: str, ons_method: str) -> Agreement:
    """How many of a council's similar councils both methods name, over councils listed by both."""
    codes = sorted(set(own) & set(ons))
    shared = [len(set(own[c]) & set(ons[c])) for c in codes]
    return Agreement(own_method, ons_method, len(codes), statistics.fmean(shared) if shared else 0.0,
                     min(shared, default=0), max(shared, default=0))


def _decimal(x: float, places: int = 6) -> Literal:
    return Literal(f"{x:.{places}f}", datatype=XSD.decimal)


def ons_graph(results: list[OnsLists], agreements: list[Agreement], uris: Uris, sources_dir: Path) -> Graph:
    g = Graph()
    source_file = URIRef(uris.source_file(sources_dir / SOURCE))
    for res in results:
        t = res.table
        method = URIRef(uris.similarity_method(t.method))
        g.add((method, RDF.type, LACAT.SimilarityMethod))
        g.add((method, RDFS.label, Literal(t.label, lang="en")))
        g.add((method, DCTERMS.description, Literal(
            f"{METHODS[t.own][2]} Each council's {NEIGHBOURS} nearest neighbours in ONS's statistical nearest "
            "neighbours for England (global model, released 1 October 2025, boundaries as at 31 December 2024). "
            "ONS says the method is under development and results could be revised.", lang="en")))
        g.add((method, DCTERMS.publisher, URIRef(uris.organisation("ons"))))
        g.add((method, DCTERMS.issued, Literal("2025-10-01", datatype=XSD.date)))
        g.add((method, LACAT.comparisonGroup, concept("comparison-group", t.own)))
        for code in sorted(METHODS[t.own][1]):
            g.add((method, LACAT.appliesToAuthorityType, authority_type_concept(code)))
        g.add((method, LACAT.standardisation, Literal(STANDARDISATION, lang="en")))
        g.add((method, LACAT.distanceMeasure, Literal(DISTANCE, lang="en")))
        g.add((method, LACAT.neighbourCount, Literal(NEIGHBOURS)))
        g.add((method, PROV.wasDerivedFrom, URIRef(uris.dataset(DATASET))))
        g.add((method, PROV.wasDerivedFrom, source_file))
        for code, items in res.lists.items():
            authority = URIRef(uris.authority(code))
            for rank, (other, distance) in enumerate(items, 1):
                node = URIRef(uris.neighbour(t.method, code, rank))
                g.add((authority, LACAT.hasNeighbour, node))
                g.add((node, RDF.type, LACAT.Neighbour))
                g.add((node, LACAT.neighbour, URIRef(uris.authority(other))))
                g.add((node, LACAT.rank, Literal(rank)))
                g.add((node, LACAT.distance, _decimal(distance)))
                g.add((node, LACAT.method, method))
    for a in agreements:
        node = URIRef(uris.similarity_agreement(a.own))
        g.add((node, RDF.type, LACAT.MethodAgreement))
        g.add((node, RDFS.label, Literal(f"Agreement of the catalogue's {a.own} similar councils with ONS's", lang="en")))
        g.add((node, LACAT.comparesMethod, URIRef(uris.similarity_method(a.own))))
        g.add((node, LACAT.comparesMethod, URIRef(uris.similarity_method(a.ons))))
        g.add((node, LACAT.authorityCount, Literal(a.compared)))
        g.add((node, LACAT.meanSharedNeighbours, _decimal(a.mean_shared)))
        g.add((node, LACAT.meanOverlap, _decimal(a.mean_overlap)))
        g.add((node, LACAT.minSharedNeighbours, Literal(a.min_shared)))
        g.add((node, LACAT.maxSharedNeighbours, Literal(a.max_shared)))
    return g


def own_lists(ctx: BuildContext, method: str) -> dict[str, list[str]]:
    """The catalogue's own similar councils of one method, as loaded by the similar step."""
    prefix = ctx.uris.authority("")
    out: dict[str, list[str]] = {}
    for r in select(ctx.reader(), "flags-peers", method=iri(ctx.uris.similarity_method(method))):
        out.setdefault(str(r["authority"])[len(prefix):], []).append(str(r["peer"])[len(prefix):])
    return out


def ons_neighbours_step(ctx: BuildContext) -> list[GraphOutput]:
    sources_dir = ctx.settings.sources_dir
    results = read_ons(sources_dir, ctx.register)
    agreements = []
    for res in results:
        ons = {code: [c for c, _ in items] for code, items in res.lists.items()}
        a = agreement(own_lists(ctx, res.table.own), ons, res.table.own, res.table.method)
        agreements.append(a)
        ctx.log(f"      {res.table.method}: {len(res.lists)} councils; {a.compared} also in {a.own}, "
                f"mean overlap {a.mean_overlap:.1%} ({a.mean_shared:.2f} of {NEIGHBOURS})")
    return [GraphOutput(ctx.graph("similar", "ons"), ons_graph(results, agreements, ctx.uris, sources_dir),
                        sources=[sources_dir / SOURCE], label="ONS nearest neighbours")]
