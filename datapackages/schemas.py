"""Table Schemas of the package resources, with the CSV on the Web mapping of each column.

One definition per column serves three outputs: the Frictionless Table Schema (types, formats,
constraints, keys), the CSVW metadata (how each cell becomes RDF with the project's URIs) and the
field list on the XLSX metadata sheet. Keeping them together means the three cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core import periods
from core.uris import LACAT, LACAT_CONCEPT, PREFIXES, SDMX_ATTR, SDMX_DIM

GSS_PATTERN = r"^E\d{8}$"
REGION_GSS_PATTERN = r"^E12\d{6}$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Every period key core.periods reads (financial, academic and school years, calendar years, ranges
# of years and days).
PERIOD_PATTERN = periods.PATTERN

AUTHORITY_TYPES = ["CC", "COMB", "CTY", "LBO", "MD", "NMD", "SRA", "UA"]
STATUSES = ["method-differs", "missing", "provisional", "revised"]
POLARITIES = ["higher", "lower", "neither"]
GROUPS = ["combined", "lower-tier", "upper-tier"]
BANDS = ["much-better", "better", "slightly-better", "broadly-similar", "slightly-worse", "worse", "much-worse",
         "much-higher", "higher", "slightly-higher", "slightly-lower", "lower", "much-lower"]

# Ranges a unit implies. Units without an entry (changes, net additions, shares of spending that
# can be negative, unstated scales) get no range rather than a guessed one.
UNIT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "percent": (0, 100),
    "score-out-of-12": (0, 12),
    "per-100000-population": (0, None),
    "kg-per-household": (0, None),
    "percent-of-road-length": (0, 100),
    "households": (0, None),
    "per-1000-households": (0, 1000),
    "planning-decisions": (0, None),
    "percent-of-requirement": (0, None),
}

XSD = PREFIXES["xsd"]
CSVW_TYPES = {"string": "string", "number": "decimal", "integer": "integer", "date": "date", "boolean": "boolean"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless type: string, number, integer, date
    title: str
    description: str
    required: bool = False
    constraints: dict[str, Any] = field(default_factory=dict)
    format: str | None = None
    # CSVW: the property a cell states about the row's subject (or about_url's), and for links the
    # URI template of the object. Templates use {base} for the catalogue's base URI.
    property: str | None = None
    value_url: str | None = None
    about_url: str | None = None
    lang: str | None = None
    suppress: bool = False

    def frictionless(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "title": self.title,
                               "description": self.description}
        if self.format:
            out["format"] = self.format
        constraints = dict(self.constraints)
        if extra:
            constraints.update(extra)
        if self.required:
            constraints["required"] = True
        if constraints:
            out["constraints"] = constraints
        return out

    def csvw(self, base: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        datatype: Any = CSVW_TYPES[self.type]
        constraints = dict(self.constraints)
        if extra:
            constraints.update(extra)
        if self.type == "string" and "pattern" in constraints:
            datatype = {"base": "string", "format": constraints["pattern"]}
        elif self.type in ("number", "integer") and ("minimum" in constraints or "maximum" in constraints):
            datatype = {"base": CSVW_TYPES[self.type]}
            if "minimum" in constraints:
                datatype["minimum"] = constraints["minimum"]
            if "maximum" in constraints:
                datatype["maximum"] = constraints["maximum"]
        if self.value_url:
            datatype = "anyURI" if self.type == "string" else datatype
        out: dict[str, Any] = {"name": self.name, "titles": self.name, "dc:description": self.description,
                               "datatype": datatype, "required": self.required}
        if self.suppress:
            out["suppressOutput"] = True
        if self.property:
            out["propertyUrl"] = self.property.replace("{base}", base)
        if self.value_url:
            out["valueUrl"] = self.value_url.replace("{base}", base)
        if self.about_url:
            out["aboutUrl"] = self.about_url.replace("{base}", base)
        if self.lang:
            out["lang"] = self.lang
        return out


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, resource, field)
    about_url: str | None = None
    types: tuple[str, ...] = ()  # rdf:type of each row's subject, for CSVW

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def schema(self, extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        extra = extra or {}
        out: dict[str, Any] = {
            "fields": [c.frictionless(extra.get(c.name)) for c in self.columns],
            "missingValues": [""],
            "primaryKey": list(self.primary_key),
        }
        if self.foreign_keys:
            out["foreignKeys"] = [{"fields": f, "reference": {"resource": r, "fields": rf}}
                                  for f, r, rf in self.foreign_keys]
        return out

    def csvw(self, base: str, title: str, licence: list[dict[str, str]],
             extra: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        extra = extra or {}
        columns = [c.csvw(base, extra.get(c.name)) for c in self.columns]
        for t in self.types:
            columns.append({"virtual": True, "propertyUrl": "rdf:type", "valueUrl": t})
        schema: dict[str, Any] = {"columns": columns, "primaryKey": list(self.primary_key)}
        if self.about_url:
            schema["aboutUrl"] = self.about_url.replace("{base}", base)
        return {
            "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
            "url": self.path,
            "dc:title": f"{title}: {self.title}",
            "dc:description": self.description,
            "dc:license": [{"@id": lic["path"]} for lic in licence],
            "dialect": {"header": True, "encoding": "utf-8"},
            "tableSchema": schema,
        }


C = LACAT_CONCEPT
OBS_ABOUT = "{base}id/observation/{metric}/{authority_code}/{period}"
AUTHORITY = "{base}id/authority/{authority_code}"
MEDIAN = "{base}id/metric/{metric}/median/{comparison_group}/{period}"

METRIC_COL = Column("metric", "string", "Metric", "Identifier (slug) of the metric; see the metrics table.",
                    required=True, constraints={"pattern": SLUG_PATTERN}, property=str(LACAT.metric),
                    value_url="{base}id/metric/{metric}")
AUTH_CODE = Column("authority_code", "string", "Authority code",
                   "The authority's three-or-four letter code (mySociety local-authority-code), as in the "
                   "catalogue's URIs.", required=True, constraints={"pattern": r"^[A-Z0-9]{2,6}$"},
                   property=str(SDMX_DIM.refArea), value_url=AUTHORITY)
GSS = Column("gss_code", "string", "GSS code",
             "ONS statistical geography code of the area the authority governs (or last governed).",
             constraints={"pattern": GSS_PATTERN}, property=str(LACAT.gssCode), about_url=AUTHORITY)
AUTH_NAME = Column("authority_name", "string", "Authority name", "Official name of the authority.",
                   required=True, property=PREFIXES["rdfs"] + "label", about_url=AUTHORITY, lang="en")
PERIOD = Column("period", "string", "Period",
                "Financial year (2022-23: April 2022 to March 2023), academic year (AY2022-23: August to "
                "July), school year (SY2022-23: September to August), calendar year (2023), range of "
                "calendar years (2020-2022) or day (2026-01-01).", required=True, constraints={"pattern": PERIOD_PATTERN},
                property=str(LACAT.periodKey))
UNIT = Column("unit", "string", "Unit", "Unit of the value; see unit_uri in the metrics table.", required=True,
              property=str(SDMX_ATTR.unitMeasure), value_url=f"{C}unit/{{unit}}", suppress=True)
STATUS = Column("status", "string", "Status",
                "Blank for a published value; 'provisional' or 'revised' when the source says so; 'missing' "
                "when the source lists the authority and period without a value (value is then blank).",
                constraints={"enum": STATUSES}, property=str(LACAT.observationStatus),
                value_url=f"{C}observation-status/{{status}}")
REASON = Column("reason", "string", "Reason", "Why a value is missing, as the source gives it.",
                property=str(LACAT.statusReason), lang="en")

OBSERVATIONS = Table(
    "observations", "Observations",
    "One row per metric, authority and period: the value, and how it compares with the England median of "
    "the authorities it is compared with.",
    (
        METRIC_COL, AUTH_CODE, GSS, AUTH_NAME, PERIOD,
        Column("value", "number", "Value", "The value as published by the source; blank when missing.",
               property="{base}id/metric/{metric}", format=None),
        UNIT, STATUS, REASON,
        Column("comparison_group", "string", "Comparison group",
               "The authorities the value is compared with: upper-tier, lower-tier or combined authorities.",
               constraints={"enum": GROUPS}, property=str(LACAT.comparisonGroup),
               value_url=f"{C}comparison-group/{{comparison_group}}", about_url=MEDIAN),
        Column("england_median", "number", "England median",
               "Median of the values of the comparison group's authorities for the metric and period.",
               property=str(LACAT.median), about_url=MEDIAN),
        Column("mads_from_median", "number", "Distance from the median",
               "Distance from the England median in median absolute deviations (positive: above).",
               property=str(LACAT.madsFromMedian)),
        Column("band", "string", "Band",
               "Oflog-style band of the distance from the median; blank when the group has no spread.",
               constraints={"enum": BANDS}, property=str(LACAT.band), value_url=f"{C}comparison-band/{{band}}"),
    ),
    ("metric", "authority_code", "period"),
    (("metric", "metrics", "metric"), ("authority_code", "authorities", "authority_code")),
    about_url=OBS_ABOUT,
)

ENGLAND = Table(
    "england", "England values",
    "Values for England as a whole, where the source gives them beside the councils'.",
    (
        METRIC_COL,
        Column("gss_code", "string", "GSS code", "ONS code of England.", required=True,
               constraints={"pattern": r"^E92000001$"}, property=str(SDMX_DIM.refArea),
               value_url="{base}id/area/{gss_code}"),
        Column("area_name", "string", "Area", "Name of the area.", required=True, suppress=True),
        PERIOD,
        Column("value", "number", "Value", "The value as published by the source; blank when missing.",
               property="{base}id/metric/{metric}"),
        UNIT, STATUS, REASON,
    ),
    ("metric", "period"),
    (("metric", "metrics", "metric"),),
    about_url="{base}id/observation/{metric}/E92000001/{period}",
)

AUTHORITIES = Table(
    "authorities", "Authorities",
    "The councils and combined authorities the package mentions.",
    (
        Column("authority_code", "string", "Authority code",
               "The authority's code (mySociety local-authority-code), as in the catalogue's URIs.",
               required=True, constraints={"pattern": r"^[A-Z0-9]{2,6}$", "unique": True},
               property=PREFIXES["dcterms"] + "identifier"),
        Column("gss_code", "string", "GSS code",
               "ONS statistical geography code of the area it governs (or last governed).",
               constraints={"pattern": GSS_PATTERN}, property=str(LACAT.gssCode)),
        Column("name", "string", "Name", "Official name.", required=True, property=PREFIXES["rdfs"] + "label",
               lang="en"),
        Column("authority_type", "string", "Type",
               "CTY county, NMD district, MD metropolitan district, LBO London borough, UA unitary, CC City of "
               "London, COMB combined authority, SRA strategic regional authority (the GLA).", required=True,
               constraints={"enum": AUTHORITY_TYPES}, property=str(LACAT.authorityType),
               value_url=f"{C}authority-type/{{authority_type}}"),
        Column("authority_type_label", "string", "Type name", "Name of the authority type.", suppress=True),
        Column("region_gss_code", "string", "Region GSS code", "ONS code of the region the authority is in.",
               constraints={"pattern": REGION_GSS_PATTERN}, property=str(LACAT.region),
               value_url="{base}id/area/{region_gss_code}"),
        Column("region_name", "string", "Region", "Name of the region.", suppress=True),
        Column("operational_from", "date", "Operational from", "First day the authority operated, if known.",
               property=str(LACAT.operationalFrom)),
        Column("operational_until", "date", "Operational until",
               "Last day the authority operated; blank if it still does.", property=str(LACAT.operationalUntil)),
        Column("uri", "string", "URI", "The authority's URI in the catalogue.", required=True, format="uri",
               suppress=True),
    ),
    ("authority_code",),
    about_url=AUTHORITY,
    types=(str(LACAT.LocalAuthority),),
)

METRIC_ABOUT = "{base}id/metric/{metric}"
METRICS = Table(
    "metrics", "Metrics",
    "Definitions of the metrics the package mentions. Read the caveats table with the figures.",
    (
        Column("metric", "string", "Metric", "Identifier (slug) of the metric.", required=True,
               constraints={"pattern": SLUG_PATTERN, "unique": True}, property=PREFIXES["dcterms"] + "identifier"),
        Column("code", "string", "Code", "The publisher's code for the measure, where it has one.",
               property=PREFIXES["skos"] + "notation"),
        Column("label", "string", "Label", "Name of the metric.", required=True,
               property=PREFIXES["skos"] + "prefLabel", lang="en"),
        Column("definition", "string", "Definition", "What the metric measures.", required=True,
               property=PREFIXES["skos"] + "definition", lang="en"),
        Column("unit", "string", "Unit", "Unit of the metric's values.", required=True, suppress=True),
        Column("unit_uri", "string", "Unit URI", "URI of the unit.", required=True, format="uri",
               property=str(LACAT.unit), value_url="{+unit_uri}"),
        Column("polarity", "string", "Polarity",
               "Whether a higher or a lower value is better, or neither (no direction).", required=True,
               constraints={"enum": POLARITIES}, property=str(LACAT.polarity), value_url=f"{C}polarity/{{polarity}}"),
        Column("service_area", "string", "Service area", "The service area of the metric.", required=True,
               property=str(LACAT.serviceArea), value_url=f"{C}service-area/{{service_area}}"),
        Column("metric_type", "string", "Metric type", "Kind of metric (outcome, cost, ...).", required=True,
               property=str(LACAT.metricType), value_url=f"{C}metric-type/{{metric_type}}"),
        Column("version", "integer", "Version", "Version of the metric's definition.", required=True,
               constraints={"minimum": 1}, suppress=True),
        Column("modified", "date", "Modified", "Date of the definition's latest change.",
               property=PREFIXES["dcterms"] + "modified"),
        Column("latest_period", "string", "Latest period", "Latest period with values.",
               constraints={"pattern": PERIOD_PATTERN}, property=str(LACAT.latestPeriodKey)),
        Column("methodology", "string", "Methodology", "How the values are produced.",
               property=str(LACAT.methodology), lang="en"),
        Column("uri", "string", "URI", "The metric's URI in the catalogue.", required=True, format="uri",
               suppress=True),
    ),
    ("metric",),
    about_url=METRIC_ABOUT,
    types=(str(LACAT.Metric),),
)

CAVEATS = Table(
    "caveats", "Caveats",
    "What to bear in mind when reading each metric's figures.",
    (
        Column("metric", "string", "Metric", "Identifier (slug) of the metric.", required=True,
               constraints={"pattern": SLUG_PATTERN}, suppress=True),
        Column("number", "integer", "Number", "Position of the caveat in the metric's list.", required=True,
               constraints={"minimum": 1}, suppress=True),
        Column("caveat", "string", "Caveat", "The caveat.", required=True, property=str(LACAT.caveat), lang="en"),
    ),
    ("metric", "number"),
    (("metric", "metrics", "metric"),),
    about_url=METRIC_ABOUT,
)

MEMBERSHIPS = Table(
    "memberships", "Combined authority memberships",
    "Which councils were constituent members of which combined authority, and when.",
    (
        Column("combined_authority_code", "string", "Combined authority", "Code of the combined authority.",
               required=True, property=PREFIXES["org"] + "organization", value_url="{base}id/authority/"
               "{combined_authority_code}"),
        Column("member_code", "string", "Member", "Code of the member council.", required=True,
               property=PREFIXES["org"] + "member", value_url="{base}id/authority/{member_code}"),
        Column("member_from", "date", "Member from", "First day of the membership, if known."),
        Column("member_until", "date", "Member until", "Last day of the membership; blank if it continues."),
    ),
    ("combined_authority_code", "member_code", "member_from"),
    (("combined_authority_code", "authorities", "authority_code"), ("member_code", "authorities", "authority_code")),
    about_url="{base}id/membership/{combined_authority_code}/{member_code}/{member_from}",
    types=(PREFIXES["org"] + "Membership",),
)

# Resources in the order they appear in a package, its workbook and its zip.
ORDER = (OBSERVATIONS, ENGLAND, MEMBERSHIPS, AUTHORITIES, METRICS, CAVEATS)

