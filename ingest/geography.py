"""England's local authorities, current and past, and combined-authority membership over time.

Two registers are merged, joined on GSS code (their own reference codes differ):

- mySociety `uk_local_authorities_current.csv` (CC BY 4.0): the primary register. It supplies the
  authority codes used in our URIs, names, types, counties, successors and most dates.
- digital-land `local-authority.csv` (OGL v3.0): region GSS codes, OpenDataCommunities and
  Wikidata identifiers, combined-authority dates, and the North East CA (E47000014) that mySociety
  lacks.

The ONS April 2021 district-to-county lookup cross-checks mySociety's counties. Each place where
the sources disagree is resolved by a named function below, with the fact it relies on.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import frictionless
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, OWL, RDF, RDFS, SKOS, TIME, XSD

from core.problems import Problem, SourceError, display_name
from core.uris import LACAT, LACAT_CONCEPT, PREFIXES, STATGEO, Uris
from core.yaml_text import load_yaml

GEOGRAPHY = "geography"
MYSOCIETY = Path("mysociety_uk_la_past_current") / "uk_local_authorities_current.csv"
MYSOCIETY_GSS_LOOKUP = Path("mysociety_uk_la_past_current") / "lookup_gss_to_registry.csv"
DIGITAL_LAND = Path("digital_land") / "local-authority.csv"
DIGITAL_LAND_TYPES = Path("digital_land") / "local-authority-type.csv"
ONS_COUNTY_LOOKUP = Path("ons_lad21_to_cty21_lookup_april2021.csv")

# Every CSV the geography step reads, with its Frictionless schema beside it.
READ_FILES = (MYSOCIETY, MYSOCIETY_GSS_LOOKUP, DIGITAL_LAND, DIGITAL_LAND_TYPES, ONS_COUNTY_LOOKUP)

ENGLISH_TYPES = ("CTY", "NMD", "MD", "LBO", "UA", "COMB", "SRA", "CC")
GSS_PATTERN = re.compile(r"^E\d{8}$")
CONSTITUENT = "constituent"

# The GSS code ONS gives the Greater London Authority (mySociety's gss-code for GLA).
GLA_GSS = "E61000001"


@dataclass(frozen=True)
class Authority:
    code: str  # mySociety local-authority-code, e.g. "BIR"
    name: str  # official name
    nice_name: str
    type: str  # mySociety type code: CTY, NMD, MD, LBO, UA, COMB, SRA (GLA), CC (City of London)
    gss: str | None  # the GSS code it governs now (or last governed)
    former_gss: tuple[str, ...]
    start: date | None
    end: date | None  # last operational day, inclusive
    region: str | None  # region GSS code E12...
    county: str | None  # county authority code, for districts
    replaced_by: tuple[str, ...]
    # Combined authorities whose official name in the sources says "Mayoral". The bundled data
    # does not record mayoral status otherwise, so False means "not stated", not "no mayor".
    mayoral: bool = False
    replaces: tuple[str, ...] = ()
    opendatacommunities: str | None = None
    wikidata: str | None = None
    source_rows: tuple[tuple[str, int], ...] = ()  # (file, spreadsheet row) it was read from

    def operational_on(self, on: date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or self.end >= on)


@dataclass(frozen=True)
class Membership:
    """A council's constituent membership of a combined authority over a dated interval."""

    organization: str  # CA code
    member: str  # council code
    start: date | None
    end: date | None  # last day of membership, inclusive
    role: str = CONSTITUENT
    sources: tuple[str, ...] = ()

    def active_on(self, on: date) -> bool:
        return (self.start is None or self.start <= on) and (self.end is None or self.end >= on)


@dataclass
class Register:
    authorities: dict[str, Authority]
    memberships: list[Membership] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)  # E12 code -> name
    # Which conflict resolutions fired, for the build log and tests: (rule, detail).
    resolutions: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_gss: dict[str, list[str]] = defaultdict(list)
        for a in self.authorities.values():
            for code in (a.gss, *a.former_gss):
                if code and a.code not in self._by_gss[code]:
                    self._by_gss[code].append(a.code)

    def by_gss(self, gss: str, on: date | None = None) -> Authority | None:
        """The authority that governs (or governed) a GSS code; current and former codes."""
        codes = self._by_gss.get(gss, [])
        found = [self.authorities[c] for c in codes]
        if on is not None:
            found = [a for a in found if a.operational_on(on)]
        if not found:
            return None
        # A current code outranks a former one when both match.
        found.sort(key=lambda a: (a.gss != gss, a.end is not None))
        return found[0]

    def existed(self, code: str, start: date, end: date) -> bool:
        """Operational at some point in [start, end]."""
        a = self.authorities.get(code)
        if a is None:
            return False
        return (a.start is None or a.start <= end) and (a.end is None or a.end >= start)

    def members(self, ca_code: str, on: date) -> list[Authority]:
        """Constituent members of a CA/MCA on a date, by name."""
        found = {m.member for m in self.memberships if m.organization == ca_code and m.active_on(on)}
        return sorted((self.authorities[c] for c in found), key=lambda a: a.name)

    def memberships_of(self, code: str) -> list[Membership]:
        return [m for m in self.memberships if m.member == code]

    def districts(self, county_code: str) -> list[Authority]:
        return sorted((a for a in self.authorities.values() if a.county == county_code), key=lambda a: a.name)

    def current(self, on: date | None = None) -> list[Authority]:
        day = on or date.today()
        return [a for a in self.authorities.values() if a.operational_on(day)]


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass
class _Row:
    file: str
    row: int  # as a spreadsheet shows it: header is row 1
    values: dict[str, str]

    def get(self, name: str) -> str:
        return (self.values.get(name) or "").strip()


def _read_csv(sources_dir: Path, rel: Path) -> list[_Row]:
    path = sources_dir / GEOGRAPHY / rel
    if not path.is_file():
        raise SourceError.one(path, "source file is missing")
    name = display_name(path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return [_Row(name, i, row) for i, row in enumerate(reader, start=2)]


def _date(row: _Row, field_name: str) -> date | None:
    raw = row.get(field_name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SourceError.one(row.file, f"not a date (YYYY-MM-DD): {raw!r}", row.row, field_name) from None


def _codes(raw: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in raw.split(",") if c.strip())


# ---------------------------------------------------------------------------------------------
# Conflict resolutions. Each is a small function so a test can hold it to its rule.


def is_register_entry_date(value: date | None) -> bool:
    """True for start dates that record when a council entered the GOV.UK register, not when it began.

    mySociety carries 2005-05-27..2005-06-28 for 52 English councils (e.g. Buckinghamshire County
    Council 2005-06-19, the GLA 2005-06-22), and digital-land the same month and day with the
    century lost (1905-06-19): no English principal council was created between the 1998 and 2009
    reorganisations, so these are register artefacts and the true start is unknown here.
    """
    if value is None:
        return False
    return value.year == 1905 or (value.year == 2005 and (value.month, value.day) >= (5, 27)
                                  and (value.month, value.day) <= (6, 28))


def normalise_end(end: date | None, successor_starts: list[date]) -> date | None:
    """The last operational day.

    mySociety records the 2019 and 2020 abolitions as YYYY-03-31 (the last day) but the 2021 and
    2023 ones as YYYY-04-01, the successor's vesting day (Allerdale: 2023-04-01; digital-land:
    2023-03-31). An end date equal to a successor's first day is that convention: the council's
    last day is the day before. digital-land's North of Tyne CA end (2024-05-07, the North East CA's
    first day) follows the same convention.
    """
    if end is not None and end in successor_starts:
        return end - timedelta(days=1)
    return end


# Northamptonshire's two unitaries were vested on 2021-04-01 (mySociety, and the 2021 ONS
# lookup still lists the county's seven districts); digital-land dates them 2020-04-01 and
# Northampton Borough's end 2020-03-31, a year early. For these fields mySociety wins.
NORTHAMPTONSHIRE_VESTING = date(2021, 4, 1)
DIGITAL_LAND_NORTHAMPTONSHIRE_ERRORS = {("E06000061", "start-date"), ("E06000062", "start-date"),
                                        ("E07000154", "end-date")}


def choose_ca_start(gss: str, mysociety: date | None, digital_land: date | None,
                    digital_land_rows_for_gss: int) -> date | None:
    """A combined authority's first day when the registers disagree.

    digital-land dates each CA from its own establishment order (WECA 2017-02-09, EMCCA
    2024-02-28), where mySociety gives 2014-04-01 to WECA, a date before the West of England CA
    existed. digital-land is preferred, except where it holds two rows for one GSS code
    (E47000002: "Sheffield City Region" and "South Yorkshire Mayoral Combined Authority", one body
    renamed, both dated 2018-05-03, the first mayoral election): there mySociety's 2014-04-01 stands.
    """
    if digital_land is None or is_register_entry_date(digital_land):
        return mysociety
    if digital_land_rows_for_gss > 1:
        return mysociety or digital_land
    return digital_land


def majority_region(related: list[str | None]) -> str | None:
    """The region most of an authority's districts or members lie in (None if they do not say)."""
    counts = Counter(r for r in related if r)
    if not counts:
        return None
    (best, n), *rest = counts.most_common()
    if rest and rest[0][1] == n:
        return None
    return best


# ---------------------------------------------------------------------------------------------


def load_register(sources_dir: Path) -> Register:
    """Read, validate and reconcile the bundled geography sources (`sources_dir/geography/...`)."""
    validate_sources(sources_dir)
    ms_rows = [r for r in _read_csv(sources_dir, MYSOCIETY) if r.get("nation") == "England"]
    dl_rows = _read_csv(sources_dir, DIGITAL_LAND)
    lookup_rows = _read_csv(sources_dir, MYSOCIETY_GSS_LOOKUP)
    ons_rows = _read_csv(sources_dir, ONS_COUNTY_LOOKUP)
    resolutions: list[tuple[str, str]] = []
    problems: list[Problem] = []

    def problem(row: _Row, field_name: str, message: str, rule: str) -> None:
        problems.append(Problem(row.file, message, row.row, field_name, rule))

    # --- mySociety: the primary register -------------------------------------------------------
    ms: dict[str, _Row] = {}
    for row in ms_rows:
        code = row.get("local-authority-code")
        if code in ms:
            problem(row, "local-authority-code", f"duplicate code {code!r} (also row {ms[code].row})", "unique")
            continue
        ms[code] = row
        typ = row.get("local-authority-type")
        if typ not in ENGLISH_TYPES:
            problem(row, "local-authority-type", f"unknown English authority type {typ!r}", "enum")
        gss = row.get("gss-code")
        if not GSS_PATTERN.match(gss):
            problem(row, "gss-code", f"not an English GSS code: {gss!r}", "pattern")
    if problems:
        raise SourceError(problems)

    # --- digital-land, joined on GSS ------------------------------------------------------------
    dl_by_gss: dict[str, list[_Row]] = defaultdict(list)
    for row in dl_rows:
        gss = row.get("statistical-geography")
        if row.get("local-authority-type") == "SRA" and gss.startswith("E12"):
            # The GLA row gives London's region code as its geography; the GLA's own code is
            # E61000001 (mySociety), so join it on that.
            resolutions.append(("gla-region-as-gss", f"{row.file} row {row.row}: {gss} is London's region"))
            gss = GLA_GSS
        dl_by_gss[gss].append(row)

    def dl_for(gss: str) -> _Row | None:
        rows = dl_by_gss.get(gss, [])
        if len(rows) > 1:
            # E47000002: "SCR" and "SYMCA" are one body under its former and current name; the
            # member rows point at SYMCA, so that row is the authority's record.
            pointed = {r.get("combined-authority") for r in dl_rows}
            rows = [r for r in rows if r.get("reference") in pointed] or rows[-1:]
        return rows[0] if rows else None

    dl_code_to_gss = {r.get("reference"): (GLA_GSS if r.get("local-authority-type") == "SRA"
                                           else r.get("statistical-geography")) for r in dl_rows}

    # --- region names: mySociety names each region, digital-land gives its code ----------------
    pair_counts: Counter[tuple[str, str]] = Counter()
    for row in ms.values():
        d = dl_for(row.get("gss-code"))
        if d is not None and row.get("region") and d.get("region"):
            pair_counts[(d.get("region"), row.get("region"))] += 1
    regions: dict[str, str] = {}
    for (rcode, rname), _n in pair_counts.most_common():
        if rcode not in regions and rname not in regions.values():
            regions[rcode] = rname
    region_by_name = {v: k for k, v in regions.items()}

    # --- build each authority -------------------------------------------------------------------
    former: dict[str, set[str]] = defaultdict(set)
    for row in lookup_rows:
        code, gss = row.get("local-authority-code"), row.get("gss-code")
        if code in ms and gss != ms[code].get("gss-code"):
            former[code].add(gss)

    drafts: dict[str, Authority] = {}
    region_claims: dict[str, tuple[str | None, str | None, _Row | None]] = {}
    for code, row in ms.items():
        gss = row.get("gss-code")
        d = dl_for(gss)
        ms_start = _date(row, "start-date")
        start = None if is_register_entry_date(ms_start) else ms_start
        if ms_start is not None and start is None:
            resolutions.append(("register-entry-start", f"{code}: {ms_start} dropped"))
        if start is None and d is not None:
            dl_start = _date(d, "start-date")
            if dl_start is not None and not is_register_entry_date(dl_start):
                start = dl_start
        end = _date(row, "end-date")
        typ = row.get("local-authority-type")
        if typ == "COMB" and d is not None:
            n = len(dl_by_gss.get(gss, []))
            chosen = choose_ca_start(gss, ms_start, _date(d, "start-date"), n)
            if chosen != start:
                resolutions.append(("ca-start", f"{code}: {start} -> {chosen}"))
            start = chosen
            if end is None and _date(d, "end-date") is not None:
                # mySociety still flags NECA and NTCA as current; digital-land records their ends
                # (2024-05-06 and 2024-05-07) when the North East CA took over in May 2024.
                end = _date(d, "end-date")
                resolutions.append(("ca-end", f"{code}: end {end} from {d.file} row {d.row}"))
        ms_region = region_by_name.get(row.get("region")) if row.get("region") else None
        dl_region = d.get("region") if d is not None and d.get("region").startswith("E12") else None
        region_claims[code] = (ms_region, dl_region, d)
        former_codes = set(_codes(row.get("former-gss-codes"))) | former[code]
        name = row.get("official-name")
        drafts[code] = Authority(
            code=code,
            name=" ".join(name.split()),  # mySociety has "North Somerset  Council"
            nice_name=row.get("nice-name") or name,
            type=typ,
            gss=gss,
            former_gss=tuple(sorted(former_codes - {gss})),
            start=start,
            end=end,
            region=ms_region or dl_region,
            county=row.get("county-la") or None,
            replaced_by=_codes(row.get("replaced-by")),
            mayoral=typ == "COMB" and "Mayoral" in name,
            opendatacommunities=(d.get("opendatacommunities-uri") or None) if d is not None else None,
            wikidata=(d.get("wikidata") or None) if d is not None else None,
            source_rows=((row.file, row.row),) + (((d.file, d.row),) if d is not None else ()),
        )

    # --- authorities only digital-land has (the North East CA, E47000014) ------------------------
    known_gss = {a.gss for a in drafts.values()}
    for gss in list(dl_by_gss):
        if gss in known_gss:
            continue
        d = dl_for(gss)
        assert d is not None
        code = d.get("reference")
        if d.get("local-authority-type") not in ENGLISH_TYPES or not GSS_PATTERN.match(gss):
            problem(d, "statistical-geography", f"authority {code!r} not in mySociety and not valid", "join")
            continue
        start = _date(d, "start-date")
        drafts[code] = Authority(
            code=code, name=d.get("name"), nice_name=d.get("name"), type=d.get("local-authority-type"),
            gss=gss, former_gss=(), start=None if is_register_entry_date(start) else start,
            end=_date(d, "end-date"), region=d.get("region") or None, county=None, replaced_by=(),
            mayoral="Mayoral" in d.get("name"), wikidata=d.get("wikidata") or None,
            opendatacommunities=d.get("opendatacommunities-uri") or None, source_rows=((d.file, d.row),),
        )
        resolutions.append(("digital-land-only", f"{code} ({gss}) from {d.file} row {d.row}"))

    # --- references must resolve -----------------------------------------------------------------
    for code, a in drafts.items():
        row = ms.get(code)
        if row is None:
            continue
        for succ in a.replaced_by:
            if succ not in drafts:
                problem(row, "replaced-by", f"successor {succ!r} is not an English authority in the file", "ref")
        if a.county is not None and (a.county not in drafts or drafts[a.county].type != "CTY"):
            problem(row, "county-la", f"county {a.county!r} is not a county council in the file", "ref")
        if a.start and a.end and a.end < a.start:
            problem(row, "end-date", f"end {a.end} is before start {a.start}", "dates")
    if problems:
        raise SourceError(problems)

    # --- end dates: one convention (last operational day) ----------------------------------------
    for code, a in list(drafts.items()):
        starts = [drafts[s].start for s in a.replaced_by if drafts[s].start]
        end = normalise_end(a.end, starts)
        if end != a.end:
            resolutions.append(("end-successor-start", f"{code}: {a.end} -> {end}"))
            drafts[code] = replace(a, end=end)

    # --- a district's county lies in the district's region ----------------------------------------
    for code, a in list(drafts.items()):
        if a.county is None:
            continue
        resolved = resolve_district_county(a, drafts, region_claims)
        if resolved != a.county:
            resolutions.append(("district-county", f"{code}: county {a.county} -> {resolved}"))
            drafts[code] = replace(a, county=resolved)

    # --- regions where the two sources disagree -------------------------------------------------
    members_by_ca: dict[str, set[str]] = defaultdict(set)
    for code, row in ms.items():
        if row.get("combined-authority"):
            members_by_ca[row.get("combined-authority")].add(code)
    for code, (ms_region, dl_region, _row) in region_claims.items():
        if not ms_region or not dl_region or ms_region == dl_region:
            continue
        a = drafts[code]
        related = [x.code for x in drafts.values() if x.county == code] if a.type == "CTY" else \
            sorted(members_by_ca.get(code, ()))
        chosen = majority_region([region_claims[r][0] or region_claims[r][1] for r in related])
        if chosen not in (ms_region, dl_region):
            row = ms[code]
            problem(row, "region", f"region {row.get('region')!r} disagrees with {DIGITAL_LAND.name} "
                    f"({dl_region}) and the authority's districts or members do not settle it", "conflict")
            continue
        resolutions.append(("region", f"{code}: {ms_region} / {dl_region} -> {chosen}"))
        drafts[code] = replace(a, region=chosen)

    # --- digital-land must agree with mySociety on dates, except where resolved above ------------
    for code, a in drafts.items():
        if code not in ms:
            continue
        d = dl_for(a.gss or "")
        if d is None or a.type == "COMB":
            continue
        for field_name, ours in (("start-date", a.start), ("end-date", a.end)):
            theirs = _date(d, field_name)
            if theirs is None or ours is None or theirs == ours or is_register_entry_date(theirs):
                continue
            if (a.gss, field_name) in DIGITAL_LAND_NORTHAMPTONSHIRE_ERRORS:
                resolutions.append(("northamptonshire-vesting", f"{code}: {field_name} {theirs} -> {ours}"))
                continue
            if field_name == "start-date" and ms[code].get("start-date") == "":
                continue
            if field_name == "start-date":
                # Both registers give a start; mySociety is the primary register.
                resolutions.append(("start-mysociety", f"{code}: {theirs} -> {ours}"))
                continue
            problem(d, field_name, f"{theirs} contradicts {MYSOCIETY.name} row {ms[code].row} ({ours}, "
                    "the last operational day)", "conflict")

    # --- county cross-check against ONS April 2021 -------------------------------------------------
    code_by_gss = {a.gss: a.code for a in drafts.values()}
    for row in ons_rows:
        lad, cty = row.get("LAD21CD"), row.get("CTY21CD")
        if not cty.startswith("E10"):
            continue  # E11 metropolitan counties and E13 Inner/Outer London are not councils
        district, county = code_by_gss.get(lad), code_by_gss.get(cty)
        if district is None or county is None:
            problem(row, "LAD21CD" if district is None else "CTY21CD", "code is not an English authority", "ref")
        elif drafts[district].county != county:
            problem(row, "CTY21CD", f"{cty} ({county}) but {MYSOCIETY.name} gives county "
                    f"{drafts[district].county!r} for {district}", "conflict")
    if problems:
        raise SourceError(problems)

    # --- predecessor links --------------------------------------------------------------------------
    replaces: dict[str, list[str]] = defaultdict(list)
    for a in drafts.values():
        for s in a.replaced_by:
            replaces[s].append(a.code)

    # --- combined-authority membership ----------------------------------------------------------------
    memberships, ca_successors = derive_memberships(drafts, ms, dl_rows, dl_code_to_gss, resolutions)
    for old, new in ca_successors.items():
        a = drafts[old]
        starts = [drafts[n].start for n in new if drafts[n].start]
        drafts[old] = replace(a, replaced_by=tuple(sorted(set(a.replaced_by) | set(new))),
                              end=normalise_end(a.end, starts))
        for n in new:
            replaces[n].append(old)
    memberships = [
        replace(m, end=min(filter(None, (m.end, drafts[m.organization].end)), default=None))
        for m in memberships
    ]
    for code, preds in replaces.items():
        drafts[code] = replace(drafts[code], replaces=tuple(sorted(set(preds))))

    return Register(authorities=dict(sorted(drafts.items())), memberships=memberships, regions=regions,
                    resolutions=resolutions)


def resolve_district_county(a: Authority, drafts: dict[str, Authority],
                            region_claims: dict[str, tuple[str | None, str | None, _Row | None]]) -> str | None:
    """A district's county, checked against the district's successor.

    mySociety gives Forest Heath (abolished 2019, merged with St Edmundsbury into West Suffolk) the
    county SRY, Surrey; West Suffolk and St Edmundsbury are in Suffolk (SFK), and digital-land puts
    Forest Heath in the East of England, not Surrey's South East. A district that was merged into
    another district lies in that district's county, so its successor's county is taken when the
    two disagree.
    """
    if a.county is None:
        return None
    successors = [drafts[s] for s in a.replaced_by if drafts[s].type == "NMD" and drafts[s].county]
    if not successors:
        return a.county
    counties = {s.county for s in successors}
    if a.county in counties or len(counties) != 1:
        return a.county
    return counties.pop()


def derive_memberships(
    drafts: dict[str, Authority],
    ms: dict[str, _Row],
    dl_rows: list[_Row],
    dl_code_to_gss: dict[str, str],
    resolutions: list[tuple[str, str]],
) -> tuple[list[Membership], dict[str, list[str]]]:
    """Constituent memberships from both registers, and CAs replaced by a successor CA.

    Neither register dates membership: each lists one CA per council. mySociety still lists the
    North East CA (NECA) and North of Tyne CA (NTCA) members as they were before May 2024;
    digital-land lists the same seven councils under the North East CA (E47000014, from 2024-05-07)
    and dates NECA and NTCA's ends. A membership is therefore dated by its CA (and the council's
    own life): it runs from the later of the two starts to the earlier of the two ends.

    The lists are unioned: digital-land's are incomplete (CPCA without Cambridgeshire County
    Council; EMCCA without Derby and Nottingham), and the county councils mySociety lists for CPCA
    and EMCA are constituent councils of those authorities (digital-land also lists Derbyshire and
    Nottinghamshire for EMCCA). The GLA is not a combined authority: London boroughs' "GLA" entries
    are not memberships.
    """
    code_by_gss = {a.gss: a.code for a in drafts.values()}
    claims: dict[tuple[str, str], set[str]] = defaultdict(set)
    for code, row in ms.items():
        ca = row.get("combined-authority")
        if not ca or drafts.get(ca) is None or drafts[ca].type != "COMB":
            continue
        claims[(ca, code)].add(f"{row.file} row {row.row}")
    for row in dl_rows:
        ca_ref = row.get("combined-authority")
        if not ca_ref:
            continue
        ca = code_by_gss.get(dl_code_to_gss.get(ca_ref, ""))
        member = code_by_gss.get(row.get("statistical-geography"))
        if ca is None or member is None:
            raise SourceError.one(row.file, f"combined authority {ca_ref!r} or member is not an authority",
                                  row.row, "combined-authority", "ref")
        claims[(ca, member)].add(f"{row.file} row {row.row}")

    members_of: dict[str, set[str]] = defaultdict(set)
    for ca, member in claims:
        members_of[ca].add(member)

    # A CA whose members all move to a CA that begins the day after it ends (or on its recorded
    # end, under the successor-start convention) was replaced by it: NECA and NTCA -> E47000014.
    successors: dict[str, list[str]] = defaultdict(list)
    for old, old_members in members_of.items():
        o = drafts[old]
        if o.end is None:
            continue
        for new, new_members in members_of.items():
            n = drafts[new]
            if new == old or n.start is None:
                continue
            if n.start in (o.end, o.end + timedelta(days=1)) and old_members <= new_members:
                successors[old].append(new)
                resolutions.append(("ca-successor", f"{old} (ends {o.end}) -> {new} (starts {n.start})"))

    out = []
    for (ca, member), sources in sorted(claims.items()):
        c, m = drafts[ca], drafts[member]
        start = max(filter(None, (c.start, m.start)), default=None)
        end_ca = normalise_end(c.end, [drafts[s].start for s in successors.get(ca, []) if drafts[s].start])
        end = min(filter(None, (end_ca, m.end)), default=None)
        if start and end and end < start:
            continue
        out.append(Membership(ca, member, start, end, CONSTITUENT, tuple(sorted(sources))))
    return out, dict(successors)


# ---------------------------------------------------------------------------------------------
# Validation against the Frictionless descriptors bundled beside each file.


def schema_path(sources_dir: Path, rel: Path) -> Path:
    return sources_dir / GEOGRAPHY / rel.with_name(rel.stem + ".schema.yaml")


def validate_sources(sources_dir: Path) -> None:
    """Each CSV the step reads against its Table Schema; problems name file, row and field."""
    problems: list[Problem] = []
    for rel in READ_FILES:
        path = sources_dir / GEOGRAPHY / rel
        if not path.is_file():
            problems.append(Problem(display_name(path), "source file is missing"))
            continue
        schema_file = schema_path(sources_dir, rel)
        if not schema_file.is_file():
            problems.append(Problem(display_name(schema_file), "Table Schema descriptor is missing"))
            continue

        # Passed as a dict: frictionless refuses absolute descriptor paths as unsafe.
        schema = frictionless.Schema.from_descriptor(load_yaml(schema_file.read_text(encoding="utf-8")))
        resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema,
                                         encoding="utf-8-sig" if rel == ONS_COUNTY_LOOKUP else "utf-8")
        report = resource.validate()
        for task in report.tasks:
            for err in task.errors:
                row = getattr(err, "row_number", None)
                fname = getattr(err, "field_name", None)
                cell = getattr(err, "cell", None)
                message = f"{err.title}: {err.note}" + (f" (value {cell!r})" if cell is not None else "")
                problems.append(Problem(display_name(path), message, row, fname, err.type))
    if problems:
        raise SourceError(problems)


# ---------------------------------------------------------------------------------------------


AUTHORITY_TYPE_SCHEME = "authority-type"


def authority_type_concept(type_code: str) -> URIRef:
    return URIRef(f"{LACAT_CONCEPT}{AUTHORITY_TYPE_SCHEME}/{type_code}")


def _day(value: date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _instant(g: Graph, value: date) -> URIRef:
    # reference.data.gov.uk names every instant; reusing it means two memberships that begin on
    # the same day share one resource, and no local URI has to be minted for a point in time.
    node = URIRef(f"http://reference.data.gov.uk/id/gregorian-instant/{value.isoformat()}T00:00:00")
    g.add((node, RDF.type, TIME.Instant))
    g.add((node, TIME.inXSDDate, _day(value)))
    g.add((node, RDFS.label, Literal(value.isoformat())))
    return node


def register_graph(register: Register, uris: Uris, areas: list[dict[str, str]] | None = None) -> Graph:
    """The register as RDF (graph/geography)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)

    nation_uri: URIRef | None = None
    for area in areas or []:
        nation_uri = URIRef(uris.area(area["gss"]))
        g.add((nation_uri, RDF.type, LACAT.Nation))
        g.add((nation_uri, RDFS.label, Literal(area["name"], lang="en")))
        g.add((nation_uri, SKOS.prefLabel, Literal(area["name"], lang="en")))
        g.add((nation_uri, LACAT.gssCode, Literal(area["gss"])))
        g.add((nation_uri, DCTERMS.identifier, Literal(area["gss"])))
        g.add((nation_uri, SKOS.exactMatch, STATGEO[area["gss"]]))
        g.add((nation_uri, DCTERMS.source, URIRef(area["source"])))
    for code, name in sorted(register.regions.items()):
        region = URIRef(uris.area(code))
        g.add((region, RDF.type, LACAT.Region))
        g.add((region, RDFS.label, Literal(name, lang="en")))
        g.add((region, SKOS.prefLabel, Literal(name, lang="en")))
        g.add((region, LACAT.gssCode, Literal(code)))
        g.add((region, DCTERMS.identifier, Literal(code)))
        g.add((region, SKOS.exactMatch, STATGEO[code]))
        if nation_uri is not None:
            g.add((region, DCTERMS.isPartOf, nation_uri))

    for a in register.authorities.values():
        node = URIRef(uris.authority(a.code))
        g.add((node, RDF.type, ORG.FormalOrganization))
        g.add((node, RDF.type, LACAT.LocalAuthority))
        g.add((node, RDFS.label, Literal(a.name, lang="en")))
        g.add((node, SKOS.prefLabel, Literal(a.name, lang="en")))
        if a.nice_name and a.nice_name != a.name:
            g.add((node, SKOS.altLabel, Literal(a.nice_name, lang="en")))
        g.add((node, DCTERMS.identifier, Literal(a.code)))
        g.add((node, LACAT.authorityType, authority_type_concept(a.type)))
        if a.mayoral:
            g.add((node, LACAT.mayoral, Literal(True)))
        if a.gss:
            g.add((node, LACAT.gssCode, Literal(a.gss)))
            g.add((node, LACAT.governs, STATGEO[a.gss]))
        for old in a.former_gss:
            g.add((node, LACAT.formerGssCode, Literal(old)))
            g.add((node, LACAT.governs, STATGEO[old]))
        if a.region:
            g.add((node, LACAT.region, URIRef(uris.area(a.region))))
        if a.county:
            g.add((node, LACAT.withinCounty, URIRef(uris.authority(a.county))))
        if a.start:
            g.add((node, LACAT.operationalFrom, _day(a.start)))
        if a.end:
            g.add((node, LACAT.operationalUntil, _day(a.end)))
        for succ in a.replaced_by:
            g.add((node, DCTERMS.isReplacedBy, URIRef(uris.authority(succ))))
        for pred in a.replaces:
            g.add((node, DCTERMS.replaces, URIRef(uris.authority(pred))))
        if a.opendatacommunities:
            g.add((node, OWL.sameAs, URIRef(a.opendatacommunities)))
        if a.wikidata:
            g.add((node, OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{a.wikidata}")))

    for m in register.memberships:
        start = m.start.isoformat() if m.start else "unknown"
        node = URIRef(uris.membership(m.organization, m.member, start))
        g.add((node, RDF.type, ORG.Membership))
        g.add((node, ORG.member, URIRef(uris.authority(m.member))))
        g.add((node, ORG.organization, URIRef(uris.authority(m.organization))))
        g.add((node, ORG.role, LACAT.ConstituentMember))
        member, ca = register.authorities[m.member], register.authorities[m.organization]
        g.add((node, RDFS.label, Literal(f"{member.name} in {ca.name}", lang="en")))
        interval = BNode()
        g.add((node, ORG.memberDuring, interval))
        g.add((interval, RDF.type, TIME.Interval))
        if m.start:
            g.add((interval, TIME.hasBeginning, _instant(g, m.start)))
        if m.end:
            g.add((interval, TIME.hasEnd, _instant(g, m.end)))
    return g
