"""The validated extracts of the finance workbooks, with the principal council each row is about."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from core.problems import Problem, SourceError, display_name
from ingest.adapters.finance_workbooks import read_extract, schema_path, validate_extract, workbook
from ingest.geography.model import Authority, Register
from ingest.geography.sources import GEOGRAPHY, MYSOCIETY
from ingest.observations import period_bounds, resolve

# Principal councils by MHCLG class: shire counties, shire districts, metropolitan districts,
# unitaries, London boroughs (L or LB; the City of London is in L). "O" is every other body.
PRINCIPAL_CLASSES = ("SC", "SD", "MD", "UA", "L", "LB")
# The mySociety authority types each class may resolve to; anything else is a mapping error.
CLASS_TYPES: dict[str, frozenset[str]] = {
    "SC": frozenset({"CTY"}),
    "SD": frozenset({"NMD"}),
    "MD": frozenset({"MD"}),
    "UA": frozenset({"UA"}),
    "L": frozenset({"LBO", "CC"}),
    "LB": frozenset({"LBO", "CC"}),
}


def ecode_index(sources_dir: Path) -> dict[str, str]:
    """MHCLG E-code -> mySociety authority code, from the register's `ecode` column."""
    path = sources_dir / GEOGRAPHY / MYSOCIETY
    out: dict[str, str] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            code = (row.get("ecode") or "").strip()
            if code:
                out[code] = row["local-authority-code"]
    return out


# ONS codes the workbooks print wrongly, with the fact each correction rests on. RS 2015-16 and
# RS 2017-18 give North Yorkshire County Council (E-code E2721, class SC) E10000022, a code no
# council in the register has governed; its GSS code is E10000023 (mySociety, digital-land and the
# RS 2016-17 and COR files agree). Such a row is resolved by its E-code instead.
ONS_CODE_ERRATA: dict[tuple[str, str], str] = {
    ("E2721", "E10000022"): "North Yorkshire County Council is E10000023; E10000022 is printed in error",
}


@dataclass
class Located:
    authority: Authority | None
    problem: Problem | None = None


def locate(register: Register, ecodes: dict[str, str], rec: dict[str, Any], period: str, file: str) -> Located:
    """The principal council a workbook row is about, in the period; a problem if it cannot be."""
    row = int(rec["source_row"])
    start, end = period_bounds(period)
    gss = rec["ons_code"]
    if (rec["ecode"], gss) in ONS_CODE_ERRATA:
        gss = ""
    if gss:
        res = resolve(register, gss, period)
        if res.authority is None:
            return Located(None, Problem(file, res.message, row, "ONS Code", res.problem))
        found = res.authority
        field_name = "ONS Code"
    else:
        code = ecodes.get(rec["ecode"])
        found = register.authorities.get(code) if code else None
        if found is None:
            return Located(None, Problem(file, f"E-code {rec['ecode']} is not in the register's ecode column",
                                         row, "E-code", "unknown-authority"))
        if not register.existed(found.code, start, end):
            return Located(None, Problem(file, f"{found.name} ({rec['ecode']}) did not exist in {period}", row,
                                         "E-code", "authority-not-in-period"))
        field_name = "E-code"
    if found.type not in CLASS_TYPES[rec["authority_class"]]:
        return Located(None, Problem(file, f"{rec['authority_name']} is class {rec['authority_class']} in the workbook but "
                                           f"resolves to {found.name} ({found.type})", row, field_name,
                                     "class-matches-authority"))
    # Both keys must name the same council: a row whose ONS code and E-code disagree is a shifted
    # or mistyped row, not something to guess about.
    mapped = ecodes.get(rec["ecode"])
    if gss and mapped is not None and mapped != found.code:
        return Located(None, Problem(file, f"ONS code {gss} is {found.name} ({found.code}) but E-code "
                                           f"{rec['ecode']} is {mapped} in the register", row, "E-code",
                                     "codes-agree"))
    return Located(found)



@dataclass
class Extracts:
    """The validated extracts of every workbook a set of records uses, with the authorities."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)  # rel -> extract
    # (rel, ecode) -> the authority of that row (principal councils only)
    authorities: dict[tuple[str, str], Authority] = field(default_factory=dict)



def load_extracts(sources_dir: Path, rels: list[str], register: Register) -> Extracts:
    out = Extracts()
    ecodes = ecode_index(sources_dir)
    problems: list[Problem] = []
    for rel in rels:
        wb = workbook(rel)
        path = sources_dir / rel
        extract = read_extract(path, wb)
        validate_extract(path, wb, extract, schema_path(sources_dir, wb.kind))
        out.frames[rel] = extract
        firsts = extract.drop_duplicates("ecode")
        for rec in firsts[firsts["authority_class"].isin(PRINCIPAL_CLASSES)].to_dict("records"):
            located = locate(register, ecodes, rec, wb.period, display_name(path))
            if located.problem is not None:
                problems.append(located.problem)
            else:
                assert located.authority is not None
                out.authorities[(rel, rec["ecode"])] = located.authority
    if problems:
        raise SourceError(problems)
    return out
