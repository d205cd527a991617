"""Where the registers disagree, each resolution is a small function so a test can hold it to its rule."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from core.problems import SourceError
from ingest.geography.model import CONSTITUENT, Authority, Membership
from ingest.geography.sources import SourceRow


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


def resolve_district_county(a: Authority, drafts: dict[str, Authority],
                            region_claims: dict[str, tuple[str | None, str | None, SourceRow | None]]) -> str | None:
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
    ms: dict[str, SourceRow],
    dl_rows: list[SourceRow],
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

