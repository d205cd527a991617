"""The Single Data List (SDL) as its own DCAT catalogue: graph/sdl.

Inputs:
- the bundled edition, `ingest/sources/single-data-list/` (collections, change log, departments,
  transcribed from GOV.UK pages; see its PROVENANCE.md);
- editions loaded later with `lacat sdl import FILE`, written to `catalogue/records/sdl/` in the
  same column layout as the bundled `sdl_collections.csv`.

Each collection is a `dcat:Dataset` (and `lacat:SdlCollection`) identified by its SDL reference
(`dcterms:identifier`, e.g. "082-00"), published by the collecting department or body
(`dcterms:publisher`, an `org:Organization`), with its section, the list years it is confirmed in,
its status and its change history (`lacat:sdlChange`, one `lacat:SdlChange` per change-log row).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SKOS

from catalogue.dcat_nodes import add_dataset, add_document, add_licence
from catalogue.step import BuildContext, GraphOutput
from core import periods
from core.problems import Problem, SourceError, display_name
from core.uris import DCAT, LACAT, OGL, STATGEO, Uris, concept, concept_scheme

REF_RE = re.compile(r"^\d{3}-\d{2}$")

COLLECTION_COLUMNS = ["ref", "collection", "department", "section", "status", "list_year", "source_url", "note"]
CHANGE_COLUMNS = ["changes_year", "change_type", "ref", "ref_as_printed", "description", "source_url",
                  "source_ids"]
DEPARTMENT_COLUMNS = ["code", "name", "section", "source_url", "note"]

SDL_PAGE = "https://www.gov.uk/government/publications/single-data-list"

# The department printed as DLUHC on the 2022-23 list is the one now called MHCLG again (it was
# DCLG, then DLUHC from 2021 to 2024: single-data-list/PROVENANCE.md), so both names share one
# organisation and a department user finds the returns under either name.
DEPARTMENT_ALIASES = {"DLUHC": "mhclg"}
CURRENT_NAMES = {"DLUHC": "Ministry of Housing, Communities and Local Government"}
# An organisation has one notation, its code today, because other sources (the Local Outcomes
# Framework) name the same department by it; the code the list printed stays as an alternative label.
CURRENT_CODES = {"DLUHC": "MHCLG"}


def org_slug(code: str) -> str:
    """'DHSC/NHSD' -> 'dhsc-nhsd'; 'HMT(DLUHC)' -> 'hmt-dluhc'; aliases for renamed departments."""
    if code in DEPARTMENT_ALIASES:
        return DEPARTMENT_ALIASES[code]
    return re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")


def parent_code(code: str) -> str | None:
    """The department an arm's length body belongs to, as the list's own codes show it
    ('DEFRA/EA' -> 'DEFRA', 'HMT(DLUHC)' -> None: HM Treasury is not a part of DLUHC)."""
    if "/" in code:
        return code.split("/", 1)[0]
    return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass
class Department:
    code: str
    name: str
    section: str
    source_url: str
    note: str
    row: int
    file: str


@dataclass
class Collection:
    ref: str
    name: str
    department: str
    section: str
    status: str
    list_years: list[str]
    source_url: str
    note: str
    row: int
    file: str
    changes: list[Change] = field(default_factory=list)

    @property
    def status_key(self) -> str:
        """The collection's standing: the first part of the status as the source summarises it."""
        first = self.status.split(";")[0].strip()
        return slug(first.split(" (")[0]) or "listed"


@dataclass
class Change:
    year: str
    change_type: str
    ref: str
    ref_as_printed: str
    description: str
    source_url: str
    source_ids: str
    row: int


@dataclass
class Sdl:
    departments: dict[str, Department]
    collections: dict[str, Collection]
    changes: list[Change]
    files: list[Path]


def read_table(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV with their spreadsheet row numbers (header = row 1)."""
    name = display_name(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError.one(path, "file not found", rule="file-exists") from None
    except UnicodeDecodeError as exc:
        raise SourceError.one(path, f"not UTF-8 text: {exc}", rule="encoding") from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError([Problem(name, "required column is missing", 1, c, "missing-column") for c in missing])
    rows = []
    for i, row in enumerate(reader, start=2):
        if None in row:
            raise SourceError.one(path, "more values than columns in the header", i, rule="extra-cell")
        rows.append((i, {k: (v or "").strip() for k, v in row.items()}))
    return rows


def check_year(value: str) -> bool:
    """A list year is a financial year key (2022-23)."""
    return periods.kind_of(value) == "financial-year"


def collection_row_problems(name: str, row: int, r: dict[str, str], seen: dict[str, int]) -> list[Problem]:
    """The checks every collection row passes, in the bundled list and in an imported edition: its
    reference is NNN-NN and not given twice in the file (`seen`: reference -> first row, updated),
    and its source address, when given, is https."""
    problems = []
    ref = r.get("ref", "")
    if not REF_RE.match(ref):
        problems.append(Problem(name, f"SDL reference {ref!r} is not of the form NNN-NN (e.g. 082-00)", row, "ref",
                                "sdl-ref-format"))
    elif ref in seen:
        problems.append(Problem(name, f"SDL reference {ref} repeats row {seen[ref]}", row, "ref", "sdl-ref-unique"))
    else:
        seen[ref] = row
    url = r.get("source_url", "")
    if url and not url.startswith("https://"):
        problems.append(Problem(name, "source_url must be an https address", row, "source_url", "https-url"))
    return problems


def parse_collections(path: Path) -> list[Collection]:
    name = display_name(path)
    problems: list[Problem] = []
    out: list[Collection] = []
    seen: dict[str, int] = {}
    for row, r in read_table(path, COLLECTION_COLUMNS):
        problems += collection_row_problems(name, row, r, seen)
        if not r["collection"]:
            problems.append(Problem(name, "collection name is empty", row, "collection", "empty-cell"))
        years = [y.strip() for y in r["list_year"].split(";") if y.strip()]
        for y in years:
            if not check_year(y):
                problems.append(Problem(name, f"list year {y!r} is not a year like 2022-23", row, "list_year", "year-format"))
        out.append(Collection(r["ref"], r["collection"], r["department"], r["section"], r["status"] or "listed",
                              years, r["source_url"], r["note"], row, name))
    if problems:
        raise SourceError(problems)
    return out


def parse_changes(path: Path, refs: set[str]) -> list[Change]:
    name = display_name(path)
    problems: list[Problem] = []
    out: list[Change] = []
    for row, r in read_table(path, CHANGE_COLUMNS):
        if not check_year(r["changes_year"]):
            problems.append(Problem(name, f"{r['changes_year']!r} is not a year like 2022-23", row, "changes_year", "year-format"))
        if not r["change_type"]:
            problems.append(Problem(name, "change type is empty", row, "change_type", "empty-cell"))
        # An event whose reference the page does not print keeps an empty ref (never guessed).
        if r["ref"] and r["ref"] not in refs:
            problems.append(Problem(name, f"SDL reference {r['ref']} is not a collection", row, "ref", "sdl-ref-known"))
        out.append(Change(r["changes_year"], r["change_type"], r["ref"], r["ref_as_printed"], r["description"],
                          r["source_url"], r["source_ids"], row))
    if problems:
        raise SourceError(problems)
    return out


def parse_departments(path: Path) -> dict[str, Department]:
    name = display_name(path)
    problems: list[Problem] = []
    out: dict[str, Department] = {}
    for row, r in read_table(path, DEPARTMENT_COLUMNS):
        if not r["code"]:
            problems.append(Problem(name, "department code is empty", row, "code", "empty-cell"))
            continue
        if r["code"] in out:
            problems.append(Problem(name, f"department {r['code']} repeats row {out[r['code']].row}", row, "code", "department-unique"))
        out[r["code"]] = Department(r["code"], r["name"], r["section"], r["source_url"], r["note"], row, name)
    if problems:
        raise SourceError(problems)
    return out


def imported_editions(records_dir: Path) -> list[Path]:
    return sorted((records_dir / "sdl").glob("*.csv"))


def load_sdl(sources_dir: Path, records_dir: Path) -> Sdl:
    """The bundled list merged with every imported edition (newer editions name a collection)."""
    folder = sources_dir / "single-data-list"
    files = [folder / "sdl_collections.csv", folder / "sdl_changes.csv", folder / "sdl_departments.csv"]
    departments = parse_departments(files[2])
    collections = {c.ref: c for c in parse_collections(files[0])}
    for path in imported_editions(records_dir):
        files.append(path)
        for c in parse_collections(path):
            old = collections.get(c.ref)
            if old is None:
                collections[c.ref] = c
                continue
            years = sorted(set(old.list_years) | set(c.list_years))
            newer = max(c.list_years or [""]) >= max(old.list_years or [""])
            keep = c if newer else old
            keep.list_years = years
            if newer:
                # The older source's history note still applies.
                keep.note = "; ".join(x for x in (c.note, old.note) if x)
            collections[c.ref] = keep
    problems = []
    for c in collections.values():
        if c.department and c.department not in departments:
            problems.append(Problem(c.file, f"department code {c.department!r} is not in sdl_departments.csv",
                                    c.row, "department", "department-known"))
    if problems:
        raise SourceError(problems)
    changes = parse_changes(files[1], set(collections))
    for ch in changes:
        if ch.ref:
            collections[ch.ref].changes.append(ch)
    return Sdl(departments, collections, changes, files)


# ---------------------------------------------------------------------------------------------
# RDF


def add_organisation(g: Graph, uris: Uris, slug_: str, name: str, code: str | None = None,
                     homepage: str | None = None, alt_name: str | None = None) -> URIRef:
    org = URIRef(uris.organisation(slug_))
    for t in (FOAF.Agent, FOAF.Organization, ORG.Organization):
        g.add((org, RDF.type, t))
    g.add((org, FOAF.name, Literal(name, lang="en")))
    g.add((org, RDFS.label, Literal(name, lang="en")))
    if code:
        g.add((org, SKOS.notation, Literal(CURRENT_CODES.get(code, code))))
        if code in CURRENT_CODES:
            g.add((org, SKOS.altLabel, Literal(code, lang="en")))
    if alt_name and alt_name != name:
        g.add((org, SKOS.altLabel, Literal(alt_name, lang="en")))
    if homepage:
        g.add((org, FOAF.homepage, add_document(g, homepage)))
    return org


def add_department(g: Graph, uris: Uris, sdl: Sdl, code: str) -> URIRef:
    dep = sdl.departments[code]
    # The list's acronym table has no expansion for some codes (DBT/OPSS on the 2023-24 list):
    # the code as printed is then the only name we have.
    name = CURRENT_NAMES.get(code) or dep.name or code
    org = add_organisation(g, uris, org_slug(code), name, code=code, alt_name=dep.name or None)
    if not dep.name:
        g.add((org, RDFS.comment, Literal(f"The expansion of {code} is not in the stored copy of the list.", lang="en")))
    g.add((org, LACAT.sdlSection, Literal(dep.section)))
    parent = parent_code(code)
    if parent and parent in sdl.departments:
        g.add((org, ORG.subOrganizationOf, URIRef(uris.organisation(org_slug(parent)))))
    return org


STATUS_LABELS = {
    "listed": "On the list",
    "listed-for-completeness": "Listed for completeness (outside SDL arrangements)",
    "new": "New (seen only on a changes page)",
    "ceased": "Ceased",
    "amended": "Amended data topic (seen only on a changes page)",
    "new-data-topic": "New data topic (seen only on a changes page)",
    "title-amended": "Data topic title amended (seen only on a changes page)",
}


def sdl_graph(sdl: Sdl, uris: Uris) -> Graph:
    g = Graph()
    g.bind("dcat", DCAT)
    g.bind("dcterms", DCTERMS)
    g.bind("lacat", LACAT)
    cat = URIRef(uris.sdl_catalogue())
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal("Single Data List (England)", lang="en")))
    g.add((cat, RDFS.label, Literal("Single Data List (England)", lang="en")))
    g.add((cat, DCTERMS.description, Literal(
        "The data returns central government requires from local government in England, one dataset per "
        "collection with its SDL reference, department, section, the list years it is confirmed in and its "
        "changes since April 2020. Rebuilt from copies of the GOV.UK pages; the Detailed SDL spreadsheet "
        "(frequencies, authority types, legal basis) was not available.", lang="en")))
    publisher = add_department(g, uris, sdl, "DLUHC")
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, DCTERMS.license, add_licence(g, OGL, "Open Government Licence v3.0")))
    g.add((cat, FOAF.homepage, add_document(g, SDL_PAGE, "Single data list (GOV.UK)")))
    g.add((cat, DCTERMS.spatial, england(g)))

    for code in sdl.departments:
        add_department(g, uris, sdl, code)

    scheme = concept_scheme("sdl-status")
    for key, label in STATUS_LABELS.items():
        node = concept("sdl-status", key)
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((node, SKOS.notation, Literal(key)))
        g.add((node, SKOS.inScheme, scheme))
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCTERMS.title, Literal("Single Data List collection status", lang="en")))
    g.add((scheme, SKOS.prefLabel, Literal("Single Data List collection status", lang="en")))
    change_scheme = concept_scheme("sdl-change")
    g.add((change_scheme, RDF.type, SKOS.ConceptScheme))
    g.add((change_scheme, DCTERMS.title, Literal("Single Data List change types", lang="en")))
    g.add((change_scheme, SKOS.prefLabel, Literal("Single Data List change types", lang="en")))

    for c in sdl.collections.values():
        node = add_dataset(g, cat, URIRef(uris.sdl_collection(c.ref)), c.name, describe(c, sdl),
                           (DCAT.Dataset, LACAT.SdlCollection), identifier=c.ref, label=f"{c.ref} {c.name}")
        if c.department:
            g.add((node, DCTERMS.publisher, URIRef(uris.organisation(org_slug(c.department)))))
        g.add((node, LACAT.sdlSection, Literal(c.section)))
        for y in c.list_years:
            g.add((node, LACAT.listYear, Literal(y)))
        if c.status_key not in STATUS_LABELS:
            node_status = concept("sdl-status", c.status_key)
            g.add((node_status, RDF.type, SKOS.Concept))
            g.add((node_status, SKOS.prefLabel, Literal(c.status.split(";")[0], lang="en")))
            g.add((node_status, SKOS.inScheme, scheme))
        g.add((node, LACAT.sdlStatus, concept("sdl-status", c.status_key)))
        g.add((node, LACAT.statusNote, Literal(c.status)))
        if c.note:
            g.add((node, RDFS.comment, Literal(c.note, lang="en")))
        if c.source_url:
            g.add((node, DCAT.landingPage, add_document(g, c.source_url)))
        g.add((node, DCTERMS.spatial, ENGLAND))

    for ch in sdl.changes:
        node = URIRef(uris.sdl_change(ch.year, ch.row))
        g.add((node, RDF.type, LACAT.SdlChange))
        ctype = concept("sdl-change", slug(ch.change_type))
        g.add((ctype, RDF.type, SKOS.Concept))
        g.add((ctype, SKOS.prefLabel, Literal(ch.change_type, lang="en")))
        g.add((ctype, SKOS.inScheme, change_scheme))
        g.add((node, LACAT.changeType, ctype))
        g.add((node, LACAT.changesYear, Literal(ch.year)))
        g.add((node, RDFS.label, Literal(f"{ch.change_type}, {ch.year}: {ch.ref or ch.ref_as_printed or 'ref not printed'}",
                                         lang="en")))
        if ch.description:
            g.add((node, DCTERMS.description, Literal(ch.description, lang="en")))
        if ch.ref_as_printed:
            g.add((node, LACAT.refAsPrinted, Literal(ch.ref_as_printed)))
        if ch.source_url:
            g.add((node, DCTERMS.source, URIRef(ch.source_url)))
        if ch.ref:
            g.add((URIRef(uris.sdl_collection(ch.ref)), LACAT.sdlChange, node))
        else:
            g.add((cat, LACAT.sdlChange, node))
    return g


ENGLAND = STATGEO["E92000001"]


def england(g: Graph) -> URIRef:
    node = ENGLAND
    g.add((node, RDF.type, DCTERMS.Location))
    g.add((node, RDFS.label, Literal("England", lang="en")))
    return node


def describe(c: Collection, sdl: Sdl) -> str:
    """A description built only from what the list says about the collection."""
    dep = sdl.departments.get(c.department)
    who = f"{dep.name or dep.code} ({dep.code})" if dep else "a department the source page does not name"
    years = ", ".join(c.list_years)
    if c.status_key == "listed-for-completeness":
        where = f"printed on the {years} list for completeness only; it is not subject to SDL arrangements"
    elif years:
        where = f"on the Single Data List in {years}"
    else:
        where = "seen only on the Single Data List changes page"
    return f"Data return '{c.name}' (SDL reference {c.ref}) required by {who}; {where}."


def sdl_step(ctx: BuildContext) -> list[GraphOutput]:
    sdl = load_sdl(ctx.settings.sources_dir, ctx.settings.records_dir)
    g = sdl_graph(sdl, ctx.uris)
    ctx.log(f"      {len(sdl.collections)} SDL collections, {len(sdl.changes)} change events, "
            f"{len(sdl.departments)} departments")
    return [GraphOutput(ctx.graph("sdl"), g, sources=sdl.files, label="Single Data List")]


