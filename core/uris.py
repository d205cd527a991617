"""The URI scheme (docs/conventions.md, "URIs"): every minted URI is made here and nowhere else."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import quote

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, TIME, XSD

from core import periods
from core.problems import display_name

# Standard vocabularies not shipped by rdflib, and DCAT: rdflib's DCAT is a closed list of DCAT 2
# terms that warns at every DCAT 3 term the catalogue uses (dcat:version, dcat:previousVersion,
# dcat:hasCurrentVersion, dcat:inSeries), so this open one is the project's only DCAT.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIM = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_ATTR = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SH = Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
QUDT_UNIT = Namespace("http://qudt.org/vocab/unit/")
LOCALGOV = Namespace("http://reference.data.gov.uk/def/local-government#")
STATGEO = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
GOV_YEAR = Namespace("http://reference.data.gov.uk/id/government-year/")
YEAR = Namespace("http://reference.data.gov.uk/id/year/")
DAY = Namespace("http://reference.data.gov.uk/id/day/")
INTERVAL = Namespace("http://reference.data.gov.uk/id/gregorian-interval/")
OGL = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
# LG Inform / esd metric types, the identifiers a framework metric is matched to where a source gives one.
ESD_METRIC_TYPE = Namespace("http://id.esd.org.uk/metricType/")
CC_BY = "https://creativecommons.org/licenses/by/4.0/"

# The project's own vocabulary: a stable namespace independent of where the site is served,
# so the ontology means the same thing on every deployment.
LACAT = Namespace("https://w3id.org/lacat/def#")
LACAT_CONCEPT = Namespace("https://w3id.org/lacat/concept/")

PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "dcat": str(DCAT),
    "foaf": str(FOAF),
    "org": str(ORG),
    "prov": str(PROV),
    "time": str(TIME),
    "qb": str(QB),
    "sdmx-dimension": str(SDMX_DIM),
    "sdmx-attribute": str(SDMX_ATTR),
    "sdmx-measure": str(SDMX_MEASURE),
    "sh": str(SH),
    "schema": str(SCHEMA),
    "void": str(VOID),
    "unit": str(QUDT_UNIT),
    "localgov": str(LOCALGOV),
    "statgeo": str(STATGEO),
    "geo": str(GEO),
    "lacat": str(LACAT),
    "lacatc": str(LACAT_CONCEPT),
}

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_slug(value: str, what: str = "identifier") -> str:
    """Reject anything that could escape a path segment; URIs and file names are built from slugs."""
    if not isinstance(value, str) or not _SLUG.match(value) or ".." in value:
        raise ValueError(f"invalid {what}: {value!r}")
    return value


class Uris:
    """Mints the URIs under one base URI (the LACAT_BASE_URI setting)."""

    def __init__(self, base: str) -> None:
        if not base.endswith("/"):
            raise ValueError("base URI must end with '/'")
        self.base = base

    def _id(self, *parts: str) -> str:
        return self.base + "id/" + "/".join(quote(p, safe="-._~") for p in parts)

    def authority(self, code: str) -> str:
        return self._id("authority", code)

    def area(self, gss: str) -> str:
        return self._id("area", gss)

    def metric(self, slug: str) -> str:
        return self._id("metric", slug)

    def metric_version(self, slug: str, n: int) -> str:
        return self._id("metric", slug, "version", str(n))

    def dataset(self, slug: str) -> str:
        return self._id("dataset", slug)

    def distribution(self, slug: str, fmt: str) -> str:
        return self._id("dataset", slug, "distribution", fmt)

    def sdl_collection(self, ref: str) -> str:
        return self._id("sdl-collection", ref)

    def observation(self, metric: str, code: str, period: str) -> str:
        return self._id("observation", metric, code, period)

    def inspection(self, code: str, as_at: str) -> str:
        """A council's children's services inspection judgements in force on a date (2023-03-31)."""
        return self._id("inspection", "childrens-services", code, as_at)

    def membership(self, ca_code: str, member_code: str, start: str) -> str:
        return self._id("membership", ca_code, member_code, start)

    def catalogue(self) -> str:
        return self._id("catalogue")

    # DCAT catalogue and Single Data List (catalogue/dcat.py, catalogue/sdl.py).
    def sdl_catalogue(self) -> str:
        return self._id("catalogue", "single-data-list")

    def sdl_change(self, year: str, n: int) -> str:
        return self._id("sdl-change", year, str(n))

    def organisation(self, slug: str) -> str:
        return self._id("organisation", slug)

    def metric_dataset(self, slug: str) -> str:
        return self._id("dataset", "metric-" + slug)

    def dataset_series(self, slug: str) -> str:
        return self._id("dataset-series", slug)

    def data_service(self, slug: str) -> str:
        return self._id("service", slug)

    # Metrics as an RDF Data Cube, comparisons and similar authorities (catalogue/metrics.py,
    # catalogue/comparison.py, catalogue/similar.py).
    def metric_cube(self, slug: str) -> str:
        """The metric's qb:DataSet (its observations), distinct from the DCAT metric dataset."""
        return self._id("metric", slug, "cube")

    def metric_structure(self, slug: str) -> str:
        return self._id("metric", slug, "structure")

    def metric_component(self, slug: str, name: str) -> str:
        """One component (dimension, measure or attribute) of a metric's data structure."""
        return self._id("metric", slug, "structure", name)

    def metric_edition(self, slug: str, period: str) -> str:
        """The edition of a metric's DCAT dataset for one period key."""
        return self._id("dataset", "metric-" + slug, "edition", period)

    def dataset_edition(self, slug: str, period: str) -> str:
        return self._id("dataset", slug, "edition", period)

    def similarity_input(self, method: str, name: str) -> str:
        return self._id("similarity-method", method, "input", name)

    def rule_parameter(self, slug: str, n: int, name: str) -> str:
        return self._id("rule", slug, "version", str(n), "parameter", name)

    def inspection_judgement(self, code: str, as_at: str, area: str) -> str:
        """One judgement (an area such as overall effectiveness) of an inspection."""
        return self._id("inspection", "childrens-services", code, as_at, area)

    def flags(self) -> str:
        """The collection of every early-warning finding."""
        return self._id("flags")

    # Addresses of the service itself, which DCAT records as access and download URLs.
    def sparql_endpoint(self) -> str:
        return self.base + "sparql"

    def metric_download(self, slug: str, suffix: str) -> str:
        """A metric's data package file as web/downloads.py serves it (docs/data-packages.md)."""
        return f"{self.base}downloads/metric/{slug}.{suffix}"

    def site_page(self, path: str) -> str:
        """A page of the site (e.g. 'sdl', 'downloads'), for DCAT's foaf:page and homepages."""
        return self.base + path

    def package_descriptor(self, folder: str) -> str:
        return f"{self.base}downloads/{folder}/datapackage.json"

    def median(self, slug: str, group: str, period: str) -> str:
        return self._id("metric", slug, "median", group, period)

    def similarity_method(self, slug: str) -> str:
        return self._id("similarity-method", slug)

    def neighbour(self, method: str, code: str, rank: int) -> str:
        return self._id("neighbour", method, code, str(rank))

    # The metric pages' maps (catalogue/map_shapes.py).
    def map_frame(self) -> str:
        return self._id("map", "england")

    def map_shape(self, code: str) -> str:
        return self._id("map", "england", "shape", code)

    def similarity_agreement(self, own_method: str) -> str:
        """How far the catalogue's own similar councils of a tier agree with ONS's (catalogue/ons_neighbours.py)."""
        return self._id("similarity-agreement", own_method)

    # Early-warning rules and flags (catalogue/rules.py, catalogue/flags.py) and whom to learn from
    # (catalogue/learn_from.py).
    def rule(self, slug: str) -> str:
        return self._id("rule", slug)

    def rule_version(self, slug: str, n: int) -> str:
        return self._id("rule", slug, "version", str(n))

    def flag(self, rule: str, version: int, metric: str, code: str, period: str) -> str:
        return self._id("flag", rule, str(version), metric, code, period)

    def learn_from(self, kind: str, metric: str, code: str, period: str) -> str:
        return self._id("learn-from", kind, metric, code, period)

    # Outcome frameworks (catalogue/framework_graph.py): a framework is a series of editions; outcomes
    # and metrics are minted within their edition, since an edition may reword or renumber them.
    def framework(self, slug: str) -> str:
        return self._id("framework", slug)

    def framework_edition(self, slug: str) -> str:
        return self._id("framework-edition", slug)

    def framework_outcome(self, edition: str, number: int) -> str:
        return self._id("framework-edition", edition, "outcome", str(number))

    def framework_metric(self, edition: str, key: str) -> str:
        return self._id("framework-edition", edition, "metric", key)

    def build(self, build_id: str) -> str:
        return self._id("build", build_id)

    def source_file(self, path: Path) -> str:
        """A bundled source file, named by its path under the sources folder. The build records its
        checksum on this entity (catalogue.build) and the metrics step its origin and licence."""
        return self.base + "id/source-file/" + display_name(path).replace("/", "--")

    def graph(self, kind: str, slug: str | None = None) -> str:
        tail = kind if slug is None else f"{kind}/{slug}"
        return self.base + "graph/" + tail

    def id_to_doc(self, uri: str) -> str | None:
        """The document URL describing a minted /id/ URI, or None if the URI is not ours."""
        prefix = self.base + "id/"
        if not uri.startswith(prefix):
            return None
        return self.base + "doc/" + uri[len(prefix):]

    def page_url(self, uri: str) -> str:
        """The address of the page about `uri`: its document for a minted /id/ URI; any other URI
        as it is."""
        return self.id_to_doc(uri) or uri

    def page_path(self, uri: str) -> str:
        """The path on this site of the page about `uri` (/doc/... for a minted /id/ URI, /... for
        another of the site's own URIs); a URI that is not ours as it is, to link to directly."""
        doc = self.id_to_doc(uri)
        if doc is not None:
            return "/" + doc[len(self.base):]
        if uri.startswith(self.base):
            return "/" + uri[len(self.base):]
        return uri

    def doc_to_id(self, path: str) -> str:
        """The resource URI for a document path like 'authority/BIR'."""
        return self.base + "id/" + path


def period_uri(period: str) -> str:
    """reference.data.gov.uk URI of a period key (core.periods): government year, calendar year,
    day, or a Gregorian interval for academic and school years and ranges of years."""
    p = periods.parse(period)
    if p.kind == "financial-year":
        return str(GOV_YEAR[f"{p.start.year}-{p.start.year + 1}"])
    if p.kind == "calendar-year":
        return str(YEAR[str(p.start.year)])
    if p.kind == "day":
        return str(DAY[p.key])
    if p.kind == "year-ending":
        return str(INTERVAL[f"{p.start.isoformat()}T00:00:00/P1Y"])
    if p.kind == "quarter":
        return str(INTERVAL[f"{p.start.isoformat()}T00:00:00/P3M"])
    years = p.end.year - p.start.year + (1 if p.kind == "calendar-years" else 0)
    return str(INTERVAL[f"{p.start.isoformat()}T00:00:00/P{years}Y"])


# Units with a standard URI; any other unit is a lacat concept.
UNIT_URIS: dict[str, str] = {
    "percent": str(QUDT_UNIT["PERCENT"]),
}


UNIT_CONCEPTS = f"{LACAT_CONCEPT}unit/"  # the start of every unit URI that is a lacat concept


def unit_uri(unit: str) -> URIRef:
    return URIRef(UNIT_URIS.get(unit, UNIT_CONCEPTS + unit))


def concept(scheme: str, notation: str) -> URIRef:
    """A concept of one of the lacat schemes (ontology/concepts), e.g. polarity/higher-is-better."""
    return URIRef(f"{LACAT_CONCEPT}{scheme}/{notation}")


def concept_scheme(scheme: str) -> URIRef:
    """A lacat concept scheme itself (ontology/concepts), e.g. sdl-status."""
    return URIRef(f"{LACAT_CONCEPT}{scheme}")


def instant_uri(day: date) -> URIRef:
    """reference.data.gov.uk instant at the start of a day (a dated event such as a CA membership)."""
    return URIRef(f"http://reference.data.gov.uk/id/gregorian-instant/{day.isoformat()}T00:00:00")


def wikidata_uri(qid: str) -> URIRef:
    return URIRef(f"http://www.wikidata.org/entity/{qid}")


def github_repository_uri(repository: str) -> URIRef:
    """A repository on GitHub named owner/name, where a source's files are kept."""
    return URIRef(f"https://github.com/{repository}")


def source_file_uri(uris: Uris, path: Path) -> URIRef:
    return URIRef(uris.source_file(path))
