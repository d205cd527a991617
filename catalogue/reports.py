"""Data-landscape rationalisation reports: the Single Data List joined to the metrics that use it.

Each report is one named SPARQL query (sparql/queries/report-*.rq, copied for readers to
docs/reports/*.rq), shown at /reports/{name} with a CSV twin at /reports/{name}.csv, and says
plainly what the data cannot show. docs/rationalisation.md explains them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.step import BuildContext
from core.queries import select
from core.store import Store

# The list year whose complete list is bundled; the burden report counts returns on it.
COMPLETE_LIST_YEAR = "2022-23"


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    summary: str
    columns: list[tuple[str, str]]  # (query variable, column heading)
    cannot_show: list[str]
    bindings: dict[str, object] = field(default_factory=dict)

    @property
    def query(self) -> str:
        return "report-" + self.name


_COMMON_LIMITS = [
    "Links from source datasets to Single Data List collections are recorded by this catalogue with the "
    "basis for each (shown on dataset pages); the list itself does not say which statistics use which return.",
    "Only the metrics this catalogue publishes are counted. A collection unused here may feed other "
    "official statistics, funding formulas or inspections.",
    "The bundled list is the complete 2022-23 list and the first 34 rows of the 2023-24 list; the 2025-26 "
    "list and the Detailed Single Data List spreadsheet (frequencies, authority types, legal basis, data "
    "topics) were not available.",
]

REPORTS: list[Report] = [
    Report(
        "collection-metrics",
        "Which published metrics use each collection",
        "Every collection on the Single Data List with the published metrics whose values come from it.",
        [("ref", "SDL reference"), ("collection", "Collection"), ("department", "Department"),
         ("metricTitle", "Published metric")],
        _COMMON_LIMITS,
    ),
    Report(
        "unused-collections",
        "Collections used by no published metric",
        "Collections on the list whose data no metric published in this catalogue draws on.",
        [("ref", "SDL reference"), ("collection", "Collection"), ("department", "Department"),
         ("section", "Section"), ("status", "Status")],
        _COMMON_LIMITS + ["Being unused here is not evidence that a return could be dropped."],
    ),
    Report(
        "metrics-outside-sdl",
        "Metrics whose data come from outside the Single Data List",
        "Published metrics none of whose values come from a return on the list, with the sources they use.",
        [("metricTitle", "Metric"), ("sourceTitle", "Source dataset"), ("publisher", "Publisher"),
         ("sdlNote", "Why no SDL collection")],
        _COMMON_LIMITS,
    ),
    Report(
        "shared-collections",
        "Collections feeding several metrics",
        "Collections whose data feed more than one published metric: where one return serves several uses.",
        [("ref", "SDL reference"), ("collection", "Collection"), ("department", "Department"),
         ("metrics", "Published metrics"), ("metricTitles", "Metric titles")],
        _COMMON_LIMITS,
    ),
    Report(
        "burden-by-department",
        "Burden by department",
        f"How many returns each department and its arm's length bodies require from councils on the "
        f"{COMPLETE_LIST_YEAR} list, and how many of them feed a metric published here.",
        [("department", "Department"), ("code", "Code on the list"), ("returns", f"Returns ({COMPLETE_LIST_YEAR})"),
         ("usedByMetrics", "Used by published metrics")],
        [
            "How often each return is made: the bundled pages give no frequencies. The change log records one "
            "frequency change (Alcohol and Late Night Refreshment Licensing, 163-00: from annual to every two "
            "years, 2021-22).",
            "Burden by authority type: the bundled list does not say which types of authority must make each "
            "return, so the catalogue cannot count returns per county, district, unitary or combined authority.",
            "The effort a return takes: the list counts returns, not data items or hours.",
            "Electoral Commission returns, printed on the list for completeness only, are not counted.",
        ] + _COMMON_LIMITS[2:],
        {"year": COMPLETE_LIST_YEAR},
    ),
    Report(
        "year-on-year",
        "What changed year on year",
        "Every change to the list recorded on the GOV.UK changes page from April 2020: new, amended, ceased, "
        "reduced and postponed collections, by the year the change was agreed.",
        [("year", "Changes year"), ("changeType", "Change"), ("ref", "SDL reference"),
         ("refAsPrinted", "Reference as printed"), ("collection", "Collection"), ("department", "Department"),
         ("description", "Description")],
        [
            "The changes year is the year a change was agreed, not the list year: the four collections new in "
            "the 2022-23 changes are not on the 2022-23 list published in May 2022.",
            "The 2022-23 changes are as far as the stored copy of the page goes; changes after 2022-23 and "
            "before April 2020 are not in the bundled material.",
            "Three events print no usable reference (shown with the reference as printed).",
        ],
    ),
]
BY_NAME = {r.name: r for r in REPORTS}


def run_report(store: Store, report: Report) -> list[dict[str, object]]:
    return select(store, report.query, **report.bindings)


def reports_check(ctx: BuildContext) -> list[str]:
    """Every report query runs on the new store (a broken report is caught before it goes live)."""
    problems = []
    reader = ctx.reader()
    for report in REPORTS:
        try:
            run_report(reader, report)
        except Exception as exc:  # the query engine raises several types; report them all by name
            problems.append(f"report {report.name}: {exc}")
    return problems
