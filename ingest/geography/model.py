"""The authority register's types: authorities, combined-authority memberships, and lookups."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

CONSTITUENT = "constituent"


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

