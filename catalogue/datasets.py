"""Source dataset records (catalogue/records/datasets/{slug}.yaml) and, read tolerantly, the metric
records (catalogue/records/metrics/*.yaml) that say which source datasets each metric uses.

A dataset record is validated strictly (a problem names the file and the field); metric records
belong to the metrics part of the project, so only the few keys the catalogue needs are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from core import periods
from core.problems import Problem, SourceError, display_name
from core.yaml_text import load_yaml

# EU Publications Office "frequency" authority table (the vocabulary DCAT-AP recommends).
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
FREQUENCIES = {
    "ANNUAL": "Annual",
    "BIENNIAL": "Biennial",
    "QUARTERLY": "Quarterly",
    "MONTHLY": "Monthly",
    "IRREG": "Irregular",
    "UNKNOWN": "Unknown",
    "NEVER": "Never",
}
# EU Publications Office "data theme" authority table.
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
THEMES = {
    "AGRI": "Agriculture, fisheries, forestry and food",
    "ECON": "Economy and finance",
    "EDUC": "Education, culture and sport",
    "ENER": "Energy",
    "ENVI": "Environment",
    "GOVE": "Government and public sector",
    "HEAL": "Health",
    "INTR": "International issues",
    "JUST": "Justice, legal system and public safety",
    "REGI": "Regions and cities",
    "SOCI": "Population and society",
    "TECH": "Science and technology",
    "TRAN": "Transport",
}
LICENCES = {
    "ogl-3.0": ("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                "Open Government Licence v3.0"),
    "cc-by-4.0": ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0"),
    # The source states no licence: say so rather than assume one.
    "none-stated": (None, "No licence stated by the source"),
}
# ONS statistical geography codes used for spatial coverage.
AREAS = {"E92000001": "England", "K02000001": "United Kingdom"}

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_REF = re.compile(r"^\d{3}-\d{2}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass
class Organisation:
    id: str
    name: str
    sdl_code: str | None = None
    homepage: str | None = None


@dataclass
class SdlLink:
    ref: str
    basis: str
    # Parts of the dataset this return feeds (the `select` of a metric record's source); empty: all.
    applies_to: list[str] = field(default_factory=list)

    def feeds(self, select: str | None) -> bool:
        return not self.applies_to or select is None or select in self.applies_to


@dataclass
class Edition:
    year: str
    issued: date
    held: str


@dataclass
class DatasetRecord:
    slug: str
    title: str
    description: str
    publisher: Organisation
    licence: str
    frequency: str
    spatial: list[str]
    themes: list[str]
    contact_name: str
    contact_url: str
    landing_page: str
    files: list[str]
    origin: dict[str, str]
    sdl: list[SdlLink]
    path: Path
    creator: Organisation | None = None
    licence_note: str = ""
    frequency_note: str = ""
    temporal: tuple[date, date] | None = None
    temporal_note: str = ""
    keywords: list[str] = field(default_factory=list)
    sdl_note: str = ""
    editions: list[Edition] = field(default_factory=list)

    @property
    def licence_uri(self) -> str | None:
        return LICENCES[self.licence][0]

    @property
    def licence_label(self) -> str:
        return LICENCES[self.licence][1]


class _Reader:
    """Collects every problem in one record before failing, so one run shows them all."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.file = display_name(path)
        self.data = data
        self.problems: list[Problem] = []

    def fail(self, fieldname: str, message: str, rule: str = "dataset-field") -> None:
        self.problems.append(Problem(self.file, message, None, fieldname, rule))

    def text(self, key: str, required: bool = True, data: dict[str, Any] | None = None, where: str = "") -> str:
        value = (self.data if data is None else data).get(key)
        name = where + key
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "is required", "field-required")
            return ""
        if not isinstance(value, str):
            self.fail(name, f"must be text, not {type(value).__name__}")
            return ""
        return " ".join(value.split())

    def url(self, key: str, data: dict[str, Any] | None = None, where: str = "", required: bool = True) -> str:
        value = self.text(key, required, data, where)
        if value and not value.startswith(("https://", "http://")):
            self.fail(where + key, f"{value!r} is not a web address")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a list of text values")
            return []
        return value

    def organisation(self, key: str, required: bool = True) -> Organisation | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "is required", "field-required")
            return None
        if not isinstance(value, dict):
            self.fail(key, "must be a mapping with id and name")
            return None
        oid = self.text("id", data=value, where=key + ".")
        if oid and not _SLUG.match(oid):
            self.fail(key + ".id", f"{oid!r} is not a lower-case slug")
        name = self.text("name", data=value, where=key + ".")
        homepage = self.url("homepage", data=value, where=key + ".", required=False) or None
        code = self.text("sdl_code", required=False, data=value, where=key + ".") or None
        return Organisation(oid, name, code, homepage)


def _date(r: _Reader, value: object, name: str) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        r.fail(name, f"{value!r} is not a date like 2022-04-01")
        return None


def parse_dataset_record(path: Path, sources_dir: Path) -> DatasetRecord:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError.one(path, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                              row=mark.line + 1 if mark else None, rule="yaml") from None
    if not isinstance(data, dict):
        raise SourceError.one(path, "must be a YAML mapping", rule="type")
    r = _Reader(path, data)
    slug = r.text("slug")
    if slug and slug != path.stem:
        r.fail("slug", f"{slug!r} differs from the file name {path.stem!r}")
    licence = r.text("licence")
    if licence and licence not in LICENCES:
        r.fail("licence", f"{licence!r} is not one of {', '.join(LICENCES)}")
    licence_note = r.text("licence_note", required=licence == "none-stated")
    frequency = r.text("frequency")
    if frequency and frequency not in FREQUENCIES:
        r.fail("frequency", f"{frequency!r} is not one of {', '.join(FREQUENCIES)}")
    spatial = r.strings("spatial")
    for code in spatial:
        if code not in AREAS:
            r.fail("spatial", f"{code!r} is not one of {', '.join(AREAS)}")
    themes = r.strings("themes")
    for t in themes:
        if t not in THEMES:
            r.fail("themes", f"{t!r} is not an EU data theme code ({', '.join(THEMES)})")
    temporal = None
    if data.get("temporal") is not None:
        t = data["temporal"]
        if not isinstance(t, dict):
            r.fail("temporal", "must be a mapping with start and end")
        else:
            start, end = _date(r, t.get("start"), "temporal.start"), _date(r, t.get("end"), "temporal.end")
            if start and end:
                if end < start:
                    r.fail("temporal.end", "is before temporal.start")
                temporal = (start, end)
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        r.fail("contact", "must be a mapping with name and url")
        contact = {}
    contact_name = r.text("name", data=contact, where="contact.")
    contact_url = r.url("url", data=contact, where="contact.")
    files = r.strings("files")
    if not files:
        r.fail("files", "at least one bundled file is required")
    for f in files:
        p = Path(f)
        if p.is_absolute() or ".." in p.parts:
            r.fail("files", f"{f!r} must be a path inside ingest/sources/")
        elif not (sources_dir / p).is_file():
            r.fail("files", f"{f!r} is not a file in ingest/sources/")
    origin = data.get("origin")
    origin_out: dict[str, str] = {}
    if not isinstance(origin, dict):
        r.fail("origin", "must be a mapping with repository and commit")
    else:
        repo = r.text("repository", data=origin, where="origin.")
        if repo and not _REPO.match(repo):
            r.fail("origin.repository", f"{repo!r} is not owner/name")
        commit = r.text("commit", data=origin, where="origin.")
        if commit and not _COMMIT.match(commit):
            r.fail("origin.commit", f"{commit!r} is not a 40-digit commit id")
        for key in ("path", "snapshot_head", "note"):
            value = r.text(key, required=False, data=origin, where="origin.")
            if value:
                origin_out[key] = value
        origin_out.update(repository=repo, commit=commit)
    links: list[SdlLink] = []
    raw_links = data.get("sdl") or []
    if not isinstance(raw_links, list):
        r.fail("sdl", "must be a list of {ref, basis}")
        raw_links = []
    for i, link in enumerate(raw_links, 1):
        where = f"sdl[{i}]."
        if not isinstance(link, dict):
            r.fail(f"sdl[{i}]", "must be a mapping with ref and basis")
            continue
        ref = r.text("ref", data=link, where=where)
        if ref and not _REF.match(ref):
            r.fail(where + "ref", f"{ref!r} is not an SDL reference like 082-00")
        # Each link must say why: a reference is never guessed.
        basis = r.text("basis", data=link, where=where)
        applies = link.get("applies_to") or []
        if not isinstance(applies, list) or not all(isinstance(a, str) for a in applies):
            r.fail(where + "applies_to", "must be a list of text values")
            applies = []
        links.append(SdlLink(ref, basis, applies))
    editions: list[Edition] = []
    for i, ed in enumerate(data.get("editions") or [], 1):
        where = f"editions[{i}]."
        if not isinstance(ed, dict):
            r.fail(f"editions[{i}]", "must be a mapping with year, issued and held")
            continue
        year = r.text("year", data=ed, where=where)
        # An edition is named by its period key (core/periods.py): a financial year such as 2022-23,
        # an academic year AY2022-23, a calendar year ...
        if year and periods.kind_of(year) is None:
            r.fail(where + "year", f"{year!r} is not a period key like 2022-23 or AY2022-23")
        issued = _date(r, ed.get("issued"), where + "issued")
        held = r.text("held", data=ed, where=where)
        if year and issued:
            editions.append(Edition(year, issued, held))
    record = DatasetRecord(
        slug=slug,
        title=r.text("title"),
        description=r.text("description"),
        publisher=r.organisation("publisher") or Organisation("", ""),
        creator=r.organisation("creator", required=False),
        licence=licence,
        licence_note=licence_note,
        frequency=frequency,
        frequency_note=r.text("frequency_note", required=False),
        temporal=temporal,
        temporal_note=r.text("temporal_note", required=False),
        spatial=spatial,
        themes=themes,
        keywords=r.strings("keywords"),
        contact_name=contact_name,
        contact_url=contact_url,
        landing_page=r.url("landing_page"),
        files=files,
        origin=origin_out,
        sdl=links,
        sdl_note=r.text("sdl_note", required=False),
        editions=editions,
        path=path,
    )
    if r.problems:
        raise SourceError(r.problems)
    return record


def load_dataset_records(records_dir: Path, sources_dir: Path) -> list[DatasetRecord]:
    problems: list[Problem] = []
    out = []
    for path in sorted((records_dir / "datasets").glob("*.yaml")):
        try:
            out.append(parse_dataset_record(path, sources_dir))
        except SourceError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SourceError(problems)
    return out


# ---------------------------------------------------------------------------------------------
# Metric records, owned by the metrics part of the project: read only what the catalogue needs.

# Lifecycle states in which a metric is not (or no longer) published; "approved" awaits `lacat metric publish`.
UNPUBLISHED = {"draft", "proposed", "approved", "retired", "superseded", "withdrawn", "deprecated"}


@dataclass
class MetricSource:
    dataset: str
    select: str | None = None


@dataclass
class MetricRef:
    slug: str
    title: str
    sources: list[MetricSource]
    status: str
    service_area: str
    description: str
    path: Path
    periods: list[str] = field(default_factory=list)
    retired_on: str = ""  # ISO date, for a retired or superseded metric
    replaced_by: str = ""  # slug of the metric that supersedes it

    @property
    def published(self) -> bool:
        return self.status.lower() not in UNPUBLISHED

    @property
    def ended(self) -> bool:
        """Retired or superseded: no new figures, but its dataset stays in the catalogue with its end date
        (a harvester that saw it must see it end, not vanish)."""
        return self.status.lower() in ("retired", "superseded")


def _first_text(data: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
        if isinstance(value, dict):
            for v in value.values():
                if isinstance(v, str) and v.strip():
                    return " ".join(v.split())
    return ""


def _sources(value: object) -> list[MetricSource]:
    out: list[MetricSource] = []
    for item in value if isinstance(value, list) else [value] if value else []:
        if isinstance(item, str):
            out.append(MetricSource(item))
        elif isinstance(item, dict):
            s = item.get("dataset") or item.get("slug") or item.get("id")
            select = item.get("select")
            if isinstance(s, str):
                out.append(MetricSource(s, str(select) if isinstance(select, (str, int)) else None))
    return out


def load_metric_records(records_dir: Path) -> list[MetricRef]:
    out = []
    for path in sorted((records_dir / "metrics").glob("*.y*ml")):
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError):
            # A broken metric record is reported by the metrics step, which owns it.
            continue
        if not isinstance(data, dict):
            continue
        slug = data.get("slug") if isinstance(data.get("slug"), str) else path.stem
        out.append(MetricRef(
            slug=slug,
            title=_first_text(data, "title", "label", "pref_label", "prefLabel", "name") or slug,
            sources=_sources(data.get("sources")),
            status=_first_text(data, "status", "lifecycle", "lifecycle_status") or "published",
            service_area=_first_text(data, "service_area", "serviceArea", "service-area"),
            description=_first_text(data, "definition", "description"),
            path=path,
            periods=[str(p) for p in data.get("periods") or [] if isinstance(p, (str, int))],
            retired_on=str(data.get("retired_on") or ""),
            replaced_by=str(data.get("replaced_by") or ""),
        ))
    return out
