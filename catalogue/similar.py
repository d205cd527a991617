"""Similar authorities: an open nearest-neighbour method over open contextual data (graph/similar).

Method (docs/similar-authorities.md): for the authorities operating on the build date, within
one comparison group (upper tier: counties, unitaries, metropolitan districts, London boroughs,
the City of London; lower tier: districts, unitaries, metropolitan districts, London boroughs,
the City of London), each authority is described by four open variables:

- deprivation: IMD 2025 average score (MHCLG English Indices of Deprivation 2025, district
  summaries); a county's is the population-weighted mean of its current districts' scores;
- population: log10 of the 2020 population in mySociety's register;
- density: log10 of people per km² (mySociety composite IMD package);
- rurality: share of the population in rural or highly rural areas (mySociety uk_ruc).

Each variable is standardised to a z-score across the group (population standard deviation),
multiplied by the square root of its weight, and authorities are compared by Euclidean distance;
the 15 nearest (ties broken by authority code) are the authority's similar authorities. Nothing
here uses CIPFA's or any other proprietary model. Re-running the build on new input files
recomputes everything.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from catalogue.metric_records import MetricRecord
from catalogue.step import BuildContext, GraphOutput
from core.problems import Problem, SourceError, display_name
from core.uris import LACAT, Uris, concept, source_file_uri
from ingest.geography.model import Register
from ingest.geography.rdf import authority_type_concept

NEIGHBOURS = 15

IOD_FILE = Path("metrics") / "mhclg_iod2025_lad_summaries.csv"
IMD_FILE = Path("metrics") / "mysociety_composite_uk_imd" / "la_imd.csv"
RUC_FILE = Path("metrics") / "mysociety_uk_ruc" / "la_ruc.csv"
REGISTER_FILE = Path("geography") / "mysociety_uk_la_past_current" / "uk_local_authorities_current.csv"


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    weight: float
    transform: str
    source: Path
    dataset: str
    comment: str


INPUTS: tuple[Input, ...] = (
    Input("deprivation", "Deprivation (IMD 2025 average score)", 1.0, "none", IOD_FILE, "mhclg-iod-2025",
          "Index of Multiple Deprivation 2025, average score of the district's neighbourhoods; for a county, "
          "the mean of its current districts' scores weighted by their 2020 population."),
    Input("population", "Population (2020)", 1.0, "log10", REGISTER_FILE, "mysociety-uk-la-past-current",
          "Population in 2020 as given in mySociety's register (pop-2020)."),
    Input("density", "Population density", 0.5, "log10", IMD_FILE, "mysociety-composite-imd",
          "People per square kilometre (density) from mySociety's composite IMD package."),
    Input("rurality", "Rural population share", 0.5, "none", RUC_FILE, "mysociety-uk-ruc",
          "Share of the population living in rural or highly rural areas (rural + highly-rural) from mySociety's "
          "rural-urban classification."),
)

# Density and rurality both describe how urban a place is; half weight each keeps the urban-rural
# dimension as heavy as deprivation or size instead of counting it twice.
STANDARDISATION = ("Each input is transformed (log10 for population and density), then standardised to a z-score "
                   "across the authorities of the group: (x - mean) / population standard deviation.")
DISTANCE = "Weighted Euclidean distance: the square root of the sum over inputs of weight × (z_a - z_b)²."

METHODS: dict[str, tuple[str, frozenset[str], str]] = {
    "upper-tier": ("Similar upper-tier authorities", frozenset({"CTY", "UA", "MD", "LBO", "CC"}),
                   "Counties, unitary authorities, metropolitan districts, London boroughs and the City of "
                   "London, compared with each other."),
    "lower-tier": ("Similar lower-tier authorities", frozenset({"NMD", "UA", "MD", "LBO", "CC"}),
                   "Non-metropolitan districts, unitary authorities, metropolitan districts, London boroughs "
                   "and the City of London, compared with each other."),
}


def method_for_metric(uris: Uris, record: MetricRecord) -> str | None:
    """The similarity method of a metric: that of its first comparison group that has one."""
    for group in record.groups:
        if group in METHODS:
            return uris.similarity_method(group)
    return None


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    except OSError as exc:
        raise SourceError.one(path, f"cannot read: {exc}", rule="file-readable") from None


def _number(path: Path, row_number: int, field: str, text: str, problems: list[Problem]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(display_name(path), f"{text!r} is not a number", row_number, field, "type-error"))
        return None
    if not math.isfinite(value):
        problems.append(Problem(display_name(path), f"{text!r} is not a finite number", row_number, field, "type-error"))
        return None
    return value


def read_inputs(sources_dir: Path, register: Register, on: date) -> dict[str, dict[str, float]]:
    """Raw input values per current authority code: {code: {input name: value}}."""
    problems: list[Problem] = []
    current = {a.code: a for a in register.current(on) if a.type in METHODS["upper-tier"][1] | METHODS["lower-tier"][1]}
    values: dict[str, dict[str, float]] = {code: {} for code in current}

    reg_path = sources_dir / REGISTER_FILE
    population: dict[str, float] = {}
    for i, row in enumerate(_rows(reg_path), 2):
        code = row["local-authority-code"]
        if code in current:
            v = _number(reg_path, i, "pop-2020", row["pop-2020"], problems)
            if v is not None and v > 0:
                population[code] = v
    for code, v in population.items():
        values[code]["population"] = v

    imd_path = sources_dir / IMD_FILE
    for i, row in enumerate(_rows(imd_path), 2):
        code = row["local-authority-code"]
        if code in current:
            v = _number(imd_path, i, "density", row["density"], problems)
            if v is not None and v > 0:
                values[code]["density"] = v

    ruc_path = sources_dir / RUC_FILE
    for i, row in enumerate(_rows(ruc_path), 2):
        code = row["local-authority-code"]
        if code in current:
            rural = _number(ruc_path, i, "rural", row["rural"], problems)
            highly = _number(ruc_path, i, "highly-rural", row["highly-rural"], problems)
            if rural is not None and highly is not None:
                values[code]["rurality"] = rural + highly

    iod_path = sources_dir / IOD_FILE
    by_gss = {a.gss: a.code for a in current.values() if a.gss}
    for i, row in enumerate(_rows(iod_path), 2):
        if row["index_domain"] != "Index of Multiple Deprivation":
            continue
        code = by_gss.get(row["area_code"])
        if code is not None:
            v = _number(iod_path, i, "average_score", row["average_score"], problems)
            if v is not None:
                values[code]["deprivation"] = v
    # Counties: IoD 2025 publishes districts only, so a county's score is its districts'
    # population-weighted mean.
    for code, a in current.items():
        if a.type != "CTY":
            continue
        parts = [(values[d.code].get("deprivation"), population.get(d.code)) for d in register.districts(code)
                 if d.code in current]
        if parts and all(s is not None and p is not None for s, p in parts):
            total = sum(p for _, p in parts)
            values[code]["deprivation"] = sum(s * p for s, p in parts) / total
    if problems:
        raise SourceError(problems)
    return values


@dataclass
class Neighbours:
    method: str
    members: list[str]  # authority codes compared
    incomplete: dict[str, list[str]]  # code -> inputs it lacks (not compared)
    lists: dict[str, list[tuple[str, float]]]  # code -> [(neighbour code, distance)] nearest first


def nearest(values: dict[str, dict[str, float]], types: dict[str, str], group: str, k: int = NEIGHBOURS) -> Neighbours:
    allowed = METHODS[group][1]
    codes = sorted(c for c in values if types[c] in allowed)
    names = [i.name for i in INPUTS]
    incomplete = {c: [n for n in names if n not in values[c]] for c in codes}
    incomplete = {c: miss for c, miss in incomplete.items() if miss}
    members = [c for c in codes if c not in incomplete]
    matrix = np.array([[values[c][i.name] for i in INPUTS] for c in members], dtype=float)
    for j, inp in enumerate(INPUTS):
        if inp.transform == "log10":
            matrix[:, j] = np.log10(matrix[:, j])
    z = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    weighted = z * np.sqrt(np.array([i.weight for i in INPUTS]))
    diff = weighted[:, None, :] - weighted[None, :, :]
    dist = np.sqrt((diff ** 2).sum(axis=2))
    lists: dict[str, list[tuple[str, float]]] = {}
    for a, code in enumerate(members):
        order = sorted((float(dist[a, b]), members[b]) for b in range(len(members)) if b != a)
        lists[code] = [(other, d) for d, other in order[:k]]
    return Neighbours(group, members, incomplete, lists)


def similar_graph(results: list[Neighbours], uris: Uris, sources_dir: Path) -> Graph:
    g = Graph()
    for res in results:
        title, allowed, scope = METHODS[res.method]
        method = URIRef(uris.similarity_method(res.method))
        g.add((method, RDF.type, LACAT.SimilarityMethod))
        g.add((method, RDFS.label, Literal(title, lang="en")))
        g.add((method, DCTERMS.description, Literal(
            f"{scope} Each authority's {NEIGHBOURS} nearest neighbours by weighted Euclidean distance over "
            "standardised open contextual data: deprivation, population, density and rurality. "
            "See docs/similar-authorities.md.", lang="en")))
        g.add((method, LACAT.comparisonGroup, concept("comparison-group", res.method)))
        for t in sorted(allowed):
            g.add((method, URIRef(str(LACAT) + "appliesToAuthorityType"), authority_type_concept(t)))
        g.add((method, LACAT.standardisation, Literal(STANDARDISATION, lang="en")))
        g.add((method, LACAT.distanceMeasure, Literal(DISTANCE, lang="en")))
        g.add((method, LACAT.neighbourCount, Literal(NEIGHBOURS)))
        for inp in INPUTS:
            node = URIRef(uris.similarity_input(res.method, inp.name))
            g.add((method, LACAT.input, node))
            g.add((node, RDF.type, LACAT.SimilarityInput))
            g.add((node, RDFS.label, Literal(inp.label, lang="en")))
            g.add((node, RDFS.comment, Literal(inp.comment, lang="en")))
            g.add((node, LACAT.weight, Literal(str(inp.weight), datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))
            g.add((node, LACAT.transform, Literal(inp.transform)))
            g.add((node, PROV.wasDerivedFrom, URIRef(uris.dataset(inp.dataset))))
            g.add((node, PROV.wasDerivedFrom, source_file_uri(uris, sources_dir / inp.source)))
        for code in sorted(res.incomplete):
            g.add((method, RDFS.comment, Literal(
                f"{code} is not compared: no {', '.join(res.incomplete[code])} in the inputs.", lang="en")))
        for code, items in res.lists.items():
            authority = URIRef(uris.authority(code))
            for rank, (other, distance) in enumerate(items, 1):
                node = URIRef(uris.neighbour(res.method, code, rank))
                other_uri = URIRef(uris.authority(other))
                g.add((authority, LACAT.hasNeighbour, node))
                g.add((authority, LACAT.similarTo, other_uri))
                g.add((node, RDF.type, LACAT.Neighbour))
                g.add((node, LACAT.neighbour, other_uri))
                g.add((node, LACAT.rank, Literal(rank)))
                g.add((node, LACAT.distance, Literal(f"{distance:.6f}",
                                                     datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))
                g.add((node, LACAT.method, method))
    return g


def compute(sources_dir: Path, register: Register, on: date | None = None) -> list[Neighbours]:
    day = on or date.today()
    values = read_inputs(sources_dir, register, day)
    types = {a.code: a.type for a in register.current(day)}
    return [nearest(values, types, group) for group in METHODS]


def similar_step(ctx: BuildContext) -> list[GraphOutput]:
    sources_dir = ctx.settings.sources_dir
    results = compute(sources_dir, ctx.register)
    for res in results:
        ctx.log(f"      {res.method}: {len(res.members)} authorities compared, {len(res.incomplete)} lacking inputs")
    files = [sources_dir / i.source for i in INPUTS]
    return [GraphOutput(ctx.graph("similar"), similar_graph(results, ctx.uris, sources_dir), sources=files,
                        label="similar authorities")]
