"""Reading, validating and reconciling the bundled registers into one `Register`."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

from core.problems import Problem, SourceError
from ingest.geography.model import Authority, Register
from ingest.geography.rules import (
    DIGITAL_LAND_NORTHAMPTONSHIRE_ERRORS,
    choose_ca_start,
    derive_memberships,
    is_register_entry_date,
    majority_region,
    normalise_end,
    resolve_district_county,
)
from ingest.geography.sources import (
    DIGITAL_LAND,
    MYSOCIETY,
    MYSOCIETY_GSS_LOOKUP,
    ONS_COUNTY_LOOKUP,
    SourceRow,
    read_rows,
    row_date,
    split_codes,
    validate_sources,
)

ENGLISH_TYPES = ("CTY", "NMD", "MD", "LBO", "UA", "COMB", "SRA", "CC")
GSS_PATTERN = re.compile(r"^E\d{8}$")

# The GSS code ONS gives the Greater London Authority (mySociety's gss-code for GLA).
GLA_GSS = "E61000001"


def load_register(sources_dir: Path) -> Register:
    """Read, validate and reconcile the bundled geography sources (`sources_dir/geography/...`)."""
    validate_sources(sources_dir)
    ms_rows = [r for r in read_rows(sources_dir, MYSOCIETY) if r.get("nation") == "England"]
    dl_rows = read_rows(sources_dir, DIGITAL_LAND)
    lookup_rows = read_rows(sources_dir, MYSOCIETY_GSS_LOOKUP)
    ons_rows = read_rows(sources_dir, ONS_COUNTY_LOOKUP)
    resolutions: list[tuple[str, str]] = []
    problems: list[Problem] = []

    def problem(row: SourceRow, field_name: str, message: str, rule: str) -> None:
        problems.append(Problem(row.file, message, row.row, field_name, rule))

    # --- mySociety: the primary register -------------------------------------------------------
    ms: dict[str, SourceRow] = {}
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
    dl_by_gss: dict[str, list[SourceRow]] = defaultdict(list)
    for row in dl_rows:
        gss = row.get("statistical-geography")
        if row.get("local-authority-type") == "SRA" and gss.startswith("E12"):
            # The GLA row gives London's region code as its geography; the GLA's own code is
            # E61000001 (mySociety), so join it on that.
            resolutions.append(("gla-region-as-gss", f"{row.file} row {row.row}: {gss} is London's region"))
            gss = GLA_GSS
        dl_by_gss[gss].append(row)

    def dl_for(gss: str) -> SourceRow | None:
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
    region_claims: dict[str, tuple[str | None, str | None, SourceRow | None]] = {}
    for code, row in ms.items():
        gss = row.get("gss-code")
        d = dl_for(gss)
        ms_start = row_date(row, "start-date")
        start = None if is_register_entry_date(ms_start) else ms_start
        if ms_start is not None and start is None:
            resolutions.append(("register-entry-start", f"{code}: {ms_start} dropped"))
        if start is None and d is not None:
            dl_start = row_date(d, "start-date")
            if dl_start is not None and not is_register_entry_date(dl_start):
                start = dl_start
        end = row_date(row, "end-date")
        typ = row.get("local-authority-type")
        if typ == "COMB" and d is not None:
            n = len(dl_by_gss.get(gss, []))
            chosen = choose_ca_start(gss, ms_start, row_date(d, "start-date"), n)
            if chosen != start:
                resolutions.append(("ca-start", f"{code}: {start} -> {chosen}"))
            start = chosen
            if end is None and row_date(d, "end-date") is not None:
                # mySociety still flags NECA and NTCA as current; digital-land records their ends
                # (2024-05-06 and 2024-05-07) when the North East CA took over in May 2024.
                end = row_date(d, "end-date")
                resolutions.append(("ca-end", f"{code}: end {end} from {d.file} row {d.row}"))
        ms_region = region_by_name.get(row.get("region")) if row.get("region") else None
        dl_region = d.get("region") if d is not None and d.get("region").startswith("E12") else None
        region_claims[code] = (ms_region, dl_region, d)
        former_codes = set(split_codes(row.get("former-gss-codes"))) | former[code]
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
            replaced_by=split_codes(row.get("replaced-by")),
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
        start = row_date(d, "start-date")
        drafts[code] = Authority(
            code=code, name=d.get("name"), nice_name=d.get("name"), type=d.get("local-authority-type"),
            gss=gss, former_gss=(), start=None if is_register_entry_date(start) else start,
            end=row_date(d, "end-date"), region=d.get("region") or None, county=None, replaced_by=(),
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
            theirs = row_date(d, field_name)
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
