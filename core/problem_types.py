"""The one catalogue of named problem types: every rule a source file, record or register can
break has a stable code here, printed at the end of its message (`... [unknown-authority]`).

A code never changes once released (scripts and maintainers search for it); docs/problems.md
explains each one, and tests/test_docs_problems.py keeps that page and this table in step.
Codes are grouped in families only for the docs; a code is unique across all families.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProblemType:
    code: str
    family: str
    meaning: str


FAMILIES: dict[str, str] = {
    "file": "Reading a file at all: it exists, is text or a workbook of the expected kind.",
    "table-schema": "Frictionless Table Schema checks of a CSV source (the error types of Frictionless).",
    "source-row": "The project's own checks of a source file's rows and cells, in every adapter.",
    "finance": "Finance metric records and the revenue outturn workbooks they compute from.",
    "register": "The authority register (ingest/sources/geography/) and its reconciliation of sources.",
    "neighbours": "ONS nearest-neighbour workbooks and the catalogue's similar-councils table.",
    "sdl": "The Single Data List collections, changes and departments.",
    "record-schema": "A YAML record against its JSON Schema (the keyword that failed).",
    "metric-record": "Metric records, their published snapshots and the lifecycle commands.",
    "framework-record": "Outcomes framework edition records.",
    "rule-record": "Early-warning rule records.",
    "dataset-record": "Dataset records under catalogue/records/datasets/.",
}

_TYPES: dict[str, dict[str, str]] = {
    "file": {
        "file-exists": "The file named (a source, a record, a records file) must exist.",
        "file-readable": "The file could not be read at all (the message gives the system's reason).",
        "file-type": "The file is not of a type the command reads (e.g. .csv or .xlsx).",
        "schema-file-exists": "A CSV source needs its Table Schema descriptor ({stem}.schema.yaml) beside it.",
        "encoding": "The file must be text in the expected encoding; the row and column of the first bad byte "
                    "are named.",
        "no-data-rows": "The file is empty or has no data rows below its header.",
        "yaml": "A record is not valid YAML.",
        "type": "A record must be a mapping of fields (field: value lines).",
        "turtle-syntax": "An ontology or RDF file is not valid Turtle.",
        "json-readable": "A JSON (TopoJSON) file cannot be parsed.",
        "workbook-readable": "A spreadsheet cannot be opened as a workbook.",
        "sheet-missing": "The workbook has no sheet of the expected name.",
        "adapter-file": "The adapter does not read this file (each adapter reads the files it names).",
    },
    "table-schema": {
        "blank-label": "A column heading in the header row is empty.",
        "duplicate-label": "Two columns of the header row have the same heading.",
        "extra-label": "The header has a column the Table Schema does not define.",
        "missing-label": "A column the Table Schema defines is missing from the header.",
        "incorrect-label": "A column heading differs from the Table Schema's field name.",
        "blank-header": "The header row is empty.",
        "blank-row": "A row is empty.",
        "extra-cell": "A row has more values than the header row has columns.",
        "missing-cell": "A row has fewer values than the header row has columns.",
        "type-error": "A value does not match the type or format of its field (a number, a date).",
        "constraint-error": "A value breaks a constraint of its field (required, pattern, enum, minimum ...).",
        "unique-error": "A field declared unique repeats a value of another row.",
        "primary-key": "Two rows have the same primary key.",
        "foreign-key": "A value is not in the table it refers to.",
        "row-constraint": "A row breaks a row constraint of the Table Schema.",
        "duplicate-row": "A row repeats another row (or another row for the same key).",
        "encoding-error": "Frictionless could not decode the file.",
        "format-error": "Frictionless could not read the file's format.",
        "scheme-error": "Frictionless could not open the file's location.",
        "source-error": "Frictionless found contents it cannot read consistently.",
        "schema-error": "The Table Schema descriptor itself is not valid.",
        "resource-error": "The file cannot be described as a tabular resource.",
        "compression-error": "Frictionless could not decompress the file.",
        "unmatched-header": "The header has none of the fields of the Table Schema.",
        "ascii-value": "A value holds characters outside ASCII where the check asks for ASCII.",
        "forbidden-value": "A value is one the check forbids.",
        "sequential-value": "A value breaks the sequence the check expects.",
        "truncated-value": "A value looks cut short (it fills the column's maximum width).",
    },
    "source-row": {
        "gss-code-format": "An area code must be a GSS code: a nation letter and 8 digits (e.g. E08000025).",
        "unknown-metric": "No metric record selects this row's metric from this file.",
        "unknown-authority": "The area code is not an English council in the authority register.",
        "authority-not-in-period": "The council did not exist during the row's period.",
        "authority-type": "The row's authority type is not one the source's metric covers.",
        "period-format": "The period cannot be read as a financial, academic or calendar year, quarter or day.",
        "period-in-future": "The period has not begun yet, so no figure can exist for it.",
        "value-out-of-range": "The value is not finite or lies outside the range of the metric's unit.",
        "duplicate-observation": "Another row already gives a value for the same metric, authority and period.",
        "not-a-number": "A cell that holds a figure is neither a number nor one of the source's missing-value "
                        "markers.",
        "empty-cell": "A cell that must hold a value is empty.",
        "grade": "An inspection judgement cell must be an Ofsted grade from 1 to 4, or 9 where the judgement did "
                 "not exist.",
        "missing-column": "A column the reader needs is missing from the header.",
        "header-row": "No header row with the expected column headings was found.",
        "column-heading": "A column heading does not name what the reader expects (its measure or period).",
        "title-period": "The title rows of a sheet must name the period its figures are for.",
        "note-reference": "A note marker in a cell refers to no note of the workbook.",
        "row-after-table": "A data row stands below the end of the table.",
        "periods-match-data": "The periods a metric record lists must be the periods its source files give.",
        "band-count": "The comparison band template has the expected bands.",
        "topojson-shape": "A TopoJSON file lacks a part the maps need (type, arcs, transform, objects).",
    },
    "finance": {
        "finance-workbook": "A finance record's source must be one of the revenue outturn workbooks read.",
        "formula-required": "A computed finance metric needs a formula.",
        "formula-arithmetic": "A formula is plain arithmetic on named inputs (+ - * / and numbers).",
        "formula-inputs": "A formula uses exactly the inputs its record declares.",
        "formula-field": "A formula input names a field of the workbook.",
        "one-source-per-input": "Each formula input comes from one source file in a period.",
        "class-matches-authority": "The workbook's class of authority agrees with the register's type.",
        "codes-agree": "The workbook's ONS code and E-code name the same council.",
    },
    "register": {
        "unique": "An authority code appears once in the register's source.",
        "enum": "The authority type is one of the English types the register knows.",
        "pattern": "The code has the form of an English GSS code.",
        "join": "Every authority of one source is found in the other.",
        "ref": "A successor, county or district code names an authority of the register.",
        "dates": "An authority's end date is not before its start date.",
        "date-format": "A date is written YYYY-MM-DD.",
        "conflict": "Two sources disagree and no documented resolution settles it.",
    },
    "neighbours": {
        "unknown-neighbour": "A neighbour code is not an English council of the same table.",
        "neighbour-order": "Neighbours must be listed nearest first (distances never decrease).",
        "matrix-codes": "The distance matrix has the same councils as the neighbour table.",
        "wrong-tier": "A council is of a tier the table does not cover.",
    },
    "sdl": {
        "sdl-ref-format": "An SDL reference has the form NNN-NN (e.g. 082-00).",
        "sdl-ref-unique": "An SDL reference appears once in the list.",
        "sdl-ref-known": "An SDL reference named by a change or dataset is a collection of the loaded list.",
        "department-unique": "A department code appears once in sdl_departments.csv.",
        "department-known": "A collection's department code is in sdl_departments.csv.",
        "year-format": "A list year is written like 2022-23.",
        "list-year-given": "Every collection has a list year (a list_year column or --year).",
        "https-url": "A source page is an https address.",
    },
    "record-schema": {
        "schema:required": "A required field is missing.",
        "schema:enum": "The value is not one of the allowed ones.",
        "schema:type": "The value has the wrong type (text, number, list, mapping).",
        "schema:pattern": "The value does not have the expected form.",
        "schema:format": "The value is not in its format (e.g. a date YYYY-MM-DD).",
        "schema:minLength": "The text is too short.",
        "schema:minItems": "The list has too few items.",
        "schema:minimum": "The number is below the minimum.",
        "schema:maximum": "The number is above the maximum.",
        "schema:uniqueItems": "The list repeats an item.",
        "schema:additionalProperties": "The record has a field the schema does not define (check its spelling).",
        "schema:const": "The value must be exactly the one the schema states.",
        "schema:minProperties": "The mapping has too few fields.",
        "schema:propertyNames": "A field name does not have the expected form.",
    },
    "metric-record": {
        "slug-matches-file": "A record's slug equals its file name.",
        "version-in-changes": "The record's version is the latest entry in its changes.",
        "changes-unique": "Each version has only one entry in changes.",
        "approval-recorded": "An approved or published metric records its approval (who, when, note) or a "
                             "publication_basis.",
        "approval-after-proposal": "A draft or proposed metric carries no approval yet.",
        "superseded-needs-replacement": "A superseded metric names its replacement in replaced_by.",
        "replacement-exists": "replaced_by names a metric record.",
        "related-exists": "A related metric is a metric record.",
        "source-exists": "A record's source file is in the sources folder.",
        "published-has-snapshot": "A published metric has its published versions in its history folder.",
        "published-needs-basis": "A published metric (read by the build) needs an approval or a "
                                 "publication_basis.",
        "version-published": "A published metric's version is its latest published version.",
        "unpublished-change": "A published definition was edited without publishing a new version.",
        "no-unpublishing": "A metric with published versions cannot go back to draft, proposed or approved.",
        "history-layout": "Only v{n}.yaml snapshots and SHA256SUMS belong in a history folder.",
        "history-has-record": "A history folder belongs to a record; a published metric is retired, never deleted.",
        "snapshot-recorded": "Every snapshot has its checksum in SHA256SUMS.",
        "snapshot-immutable": "A published snapshot never changes (its SHA-256 matches SHA256SUMS).",
        "snapshot-version": "A snapshot v{n}.yaml is version n of its metric.",
        "snapshot-missing": "A snapshot listed in SHA256SUMS exists.",
        "snapshot-sequence": "Snapshot versions run 1, 2, 3 ... without gaps.",
        "propose-from-draft": "Only a draft metric can be proposed.",
        "approve-from-proposed": "Only a proposed metric can be approved.",
        "retire-from-published": "Only a published metric can be retired or superseded.",
        "version-needs-note": "Publishing a new version needs a note saying what changed.",
        "publish-needs-approval": "A metric is published only after its approval.",
        "publish-not-retired": "A retired or superseded metric cannot be published again.",
        "publish-needs-definition": "A metric states its definition before it is published.",
        "publish-needs-unit": "A metric states its unit before it is published.",
        "publish-needs-polarity": "A metric states its polarity before it is published.",
        "publish-needs-caveats": "A metric states its caveats before it is published.",
        "publish-needs-sources": "A metric names its sources before it is published.",
        "metric-slug": "A metric slug is lower-case letters, digits and hyphens, starting with a letter or digit (it "
                       "is the record's file name and the metric's URI).",
        "new-slug-free": "'lacat metric new' makes a record only for a slug that has none yet.",
        "slug-not-reused": "A slug that was published (it has a history folder) is never given to another metric.",
        "option-date": "A date given with --on is written YYYY-MM-DD.",
        "published-version-exists": "A version asked for (lacat metric diff --from/--to) is one the metric has "
                                    "published.",
        "replacement-published": "A metric is superseded only by a metric that is already published.",
    },
    "framework-record": {
        "unique-source": "A source id is used once in an edition.",
        "bundled-has-file": "A bundled source names its file under ingest/sources/.",
        "reference-has-no-file": "A reference source is cited only and names no bundled file.",
        "known-organisation": "A publisher or source organisation is one of the edition's organisations.",
        "retired-has-reason": "An edition has a retirement exactly when its status is 'retired'.",
        "known-source": "A source named by an outcome, metric or statement is one of the edition's sources.",
        "unique-outcome": "An outcome number is used once in an edition.",
        "unique-key": "An outcome or metric key is used once in an edition.",
        "known-outcome": "also_in_outcomes names another outcome of the edition.",
        "mapping-has-basis": "A mapping to a catalogue metric states its mapping_basis.",
        "known-previous": "previous_version names an edition record.",
        "same-framework": "A previous version is an edition of the same framework.",
        "previous-is-earlier": "A previous version was issued earlier.",
        "revised-is-superseded": "An edition that a later one revises is marked superseded.",
        "superseded-has-successor": "A superseded edition has a later edition revising it.",
        "one-current-edition": "A framework has at most one current edition.",
        "one-framework-title": "All editions of a framework share its title.",
    },
    "rule-record": {
        "published-needs-approval": "A published rule records its approval (by, on).",
        "replaced-by-other": "A rule cannot replace itself.",
        "metric-exists": "A metric a rule reads has a metric record.",
        "query-known": "A rule's query has an evaluation method.",
        "query-exists": "A rule's query file exists under sparql/queries/rules/.",
        "metric-count": "A rule's query reads exactly the metrics it expects.",
        "parameter-known": "A rule gives only parameters its query takes.",
        "parameter-given": "A rule gives a value for every parameter its query needs.",
        "query-projects": "A rule's query projects the variables the evaluation reads.",
    },
    "dataset-record": {
        "dataset-field": "A field of a dataset record has the wrong form (text, list, web address, slug, date).",
        "field-required": "A required field of a record or entry is missing or empty.",
    },
}


def _index() -> dict[str, ProblemType]:
    out: dict[str, ProblemType] = {}
    for family, codes in _TYPES.items():
        for code, meaning in codes.items():
            if code in out:
                raise ValueError(f"problem type {code!r} is registered in {out[code].family} and {family}")
            out[code] = ProblemType(code, family, meaning)
    return out


PROBLEM_TYPES: dict[str, ProblemType] = _index()


def problem_type(code: str) -> ProblemType:
    """The registered type of a code; an unknown code is a programming error."""
    try:
        return PROBLEM_TYPES[code]
    except KeyError:
        raise ValueError(f"problem type {code!r} is not registered in core/problem_types.py") from None
