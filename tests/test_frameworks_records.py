"""Framework records (catalogue/records/frameworks/): the bundled records against their sources, and
broken copies of them, made at test time, rejected with file, line and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from catalogue.datasets import load_metric_records
from catalogue.frameworks import load_frameworks, mapping_notes
from core.problems import SourceError
from core.settings import PROJECT_ROOT

RECORDS = PROJECT_ROOT / "catalogue" / "records"
SOURCES = PROJECT_ROOT / "ingest" / "sources"
FIRST = "lof-2026-02-first-edition"


@pytest.fixture(scope="module")
def editions():
    return {e.slug: e for e in load_frameworks(RECORDS, SOURCES)}


def source_text(name: str) -> str:
    return (SOURCES / "lof" / name).read_text(encoding="utf-8")


TABLE = "gov.uk_local-outcomes-framework-priority-outcomes-and-metrics_2026-02-09_excerpt_table.txt"
TEXT = "gov.uk_local-outcomes-framework-priority-outcomes-and-metrics_2026-02-09_excerpt_text.txt"


def test_every_outcome_and_metric_wording_is_in_the_bundled_page_text(editions) -> None:
    first = editions[FIRST]
    text = " ".join(source_text(TEXT).split())
    table = " ".join(source_text(TABLE).split())
    assert [(o.number, o.label) for o in first.outcomes] == [
        (1, "Housing supply"), (2, "Housing quality and safety"), (3, "Homelessness and rough sleeping"),
        (4, "Multiple disadvantage")]
    for o in first.outcomes:
        assert f"| {o.label} | {o.ambition} |" in table
    for m in first.metrics:
        if m.source not in ("table", "text"):
            continue
        # The cohort breakdown is worded on the page as a continuation of the metric before it.
        wording = m.label.split(", broken down by a cohort")[0]
        assert wording in text, m.key
    # The two placeholders the page marks, and the metric cut off by the end of the text.
    placeholders = {m.key for m in first.metrics if m.availability == "placeholder"}
    assert placeholders == {"private-rented-sector-enforcement", "duties-prevented-or-relieved-multiple-disadvantage"}
    assert text.count("[Placeholder]") == 2
    cut = [m for m in first.metrics if not m.label_complete]
    assert [m.key for m in cut] == ["substance-use-treatment-multiple-disadvantage-progress"]
    assert text.endswith(cut[0].label)


def test_outcome_and_output_metrics_follow_the_table_columns(editions) -> None:
    first = editions[FIRST]
    table = source_text(TABLE)
    # Outcome 2's fourth column (output metrics) holds only the PRS placeholder.
    row2 = table.split("| Housing quality and safety |")[1].split("| Homelessness")[0]
    output_cell = row2.rsplit("|", 2)[-2]
    assert output_cell.strip() == "Private Rented Sector enforcement [Placeholder]"
    o2 = first.outcome(2)
    assert [m.key for m in o2.metrics if m.type == "output"] == ["private-rented-sector-enforcement"]
    assert sum(m.type == "outcome" for m in o2.metrics) == 4
    o3 = first.outcome(3)
    assert o3.metrics_statement == "No output metrics included." and all(m.type == "outcome" for m in o3.metrics)
    assert len(o3.metrics) == 6  # five metrics on the page and the placeholder breakdown of the third
    assert [m.source_organisation for m in o2.metrics] == ["mhclg", "ons", "mhclg", "mhclg", "unknown"]
    # The breakdown is reflected in outcome 4 as the page says.
    cohort = next(m for m in o3.metrics if m.key.endswith("multiple-disadvantage"))
    assert cohort.outcomes == [3, 4]
    assert first.outcome(4).metrics_complete is False and first.outcome(1).metrics == []


def test_draft_counts_and_dates_come_from_the_call_for_feedback(editions) -> None:
    draft = editions["lof-2025-07-draft"]
    text = source_text("gov.uk_local-government-outcomes-framework-call-for-feedback_2025-07_excerpt.txt")
    assert "The Framework sets 15 outcomes" in text and draft.data["stated"]["outcomes"]["value"] == 15
    assert "3 July 2025" in text and draft.data["issued"] == "2025-07"
    assert draft.outcomes == [] and draft.metrics == []
    assert editions[FIRST].previous == "lof-2025-07-draft" and draft.previous is None
    assert draft.data["status"] == "superseded" and editions[FIRST].data["status"] == "current"


def test_oflog_scheme_is_retired_by_the_closure_letter(editions) -> None:
    oflog = editions["oflog-data-explorer"]
    letter = source_text("gov.uk_closure-of-the-office-for-local-government-oflog_2024-12-16_excerpt.txt")
    assert "16 December 2024" in letter and oflog.data["retirement"]["date"] == "2024-12-16"
    assert "I have taken the decision to close Oflog" in letter
    for quoted in re.findall(r'"([^"]+)"', oflog.data["retirement"]["reason"]):
        assert quoted in letter
    assert (oflog.data["in_use"]["from"], oflog.data["in_use"]["until"]) == ("2023", "2025")
    asc = (SOURCES / "oflog" / "oflog_asc_data.csv").read_text(encoding="utf-8")
    for m in oflog.metrics:
        if m.source == "oflog-asc":
            assert f'"{m.label}",{m.notation},' in asc


def test_every_mapping_names_a_published_metric_record(editions) -> None:
    refs = load_metric_records(RECORDS)
    published = {r.slug for r in refs if r.published}
    assert mapping_notes(editions.values(), published, {r.slug for r in refs}) == []
    mapped = {slug for e in editions.values() for m in e.metrics for slug in m.catalogue_metrics}
    assert "defra-household-recycling-rate" in mapped and len(mapped) >= 11


# --- Broken copies ------------------------------------------------------------------------------


def broken_copy(tmp_path: Path, slug: str, edit) -> Path:
    """The real records in a temporary folder, with one record changed by `edit(text) -> text`."""
    records = tmp_path / "records"
    shutil.copytree(RECORDS / "frameworks", records / "frameworks")
    path = records / "frameworks" / f"{slug}.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return records


def problems_of(records: Path) -> list:
    with pytest.raises(SourceError) as err:
        load_frameworks(records, SOURCES)
    return err.value.problems


@pytest.mark.parametrize("slug,edit,field,rule", [
    (FIRST, lambda t: t.replace("availability: placeholder", "availability: maybe", 1),
     "outcomes.1.metrics.4.availability", "schema:enum"),
    (FIRST, lambda t: t.replace("type: output", "type: input", 1), "outcomes.1.metrics.4.type", "schema:enum"),
    (FIRST, lambda t: t.replace("source_organisation: ons", "source_organisation: dfe", 1),
     "outcomes.1.metrics.1.source_organisation", "known-organisation"),
    (FIRST, lambda t: t.replace("also_in_outcomes: [4]", "also_in_outcomes: [9]", 1),
     "outcomes.2.metrics.3.also_in_outcomes", "known-outcome"),
    (FIRST, lambda t: t.replace("key: homes-epc-c-and-above", "key: rental-housing-deemed-decent", 1),
     "outcomes.1.metrics.1.key", "unique-key"),
    (FIRST, lambda t: t.replace("  - number: 2\n", "  - number: 1\n", 1), "outcomes.1.number", "unique-outcome"),
    (FIRST, lambda t: t.replace("    source: table\n    metrics_statement: No output", "    source: tabel\n"
                                "    metrics_statement: No output", 1), "outcomes.2.source", "known-source"),
    (FIRST, lambda t: t.replace("    mapping_basis: >-\n      The catalogue metric is DEFRA", "    note: >-\n"
                                "      The catalogue metric is DEFRA", 1), "unplaced_metrics.18.catalogue_metric",
     "mapping-has-basis"),
    (FIRST, lambda t: t.replace("catalogue_metric: defra-household-recycling-rate", "catalogue_metric: []"),
     "unplaced_metrics.18.catalogue_metric", "schema:minItems"),
    (FIRST, lambda t: t.replace("catalogue_metric: defra-household-recycling-rate",
                                "catalogue_metric: [defra-household-recycling-rate, Bad Slug]"),
     "unplaced_metrics.18.catalogue_metric.1", "schema:pattern"),
    (FIRST, lambda t: t.replace("previous_version: lof-2025-07-draft", "previous_version: lof-2024-draft"),
     "previous_version", "known-previous"),
    (FIRST, lambda t: t.replace("previous_version: lof-2025-07-draft", "previous_version: oflog-data-explorer"),
     "previous_version", "same-framework"),
    (FIRST, lambda t: t.replace('issued: "2026-02-09"', 'issued: "2025-07-01"'), "previous_version",
     "previous-is-earlier"),
    (FIRST, lambda t: t.replace("slug: lof-2026-02-first-edition", "slug: lof-2026-02"), "slug",
     "slug-matches-file"),
    (FIRST, lambda t: t.replace('issued: "2026-02-09"', 'issued: "9 Feb 2026"'), "issued", "schema:pattern"),
    ("lof-2025-07-draft", lambda t: t.replace("status: superseded", "status: current"), "status",
     "revised-is-superseded"),
    (FIRST, lambda t: t.replace("status: current", "status: superseded"), "status", "superseded-has-successor"),
    ("oflog-data-explorer", lambda t: t.replace("status: retired", "status: superseded"), "retirement",
     "retired-has-reason"),
    ("oflog-data-explorer", lambda t: t.replace("file: lof/gov.uk_closure", "file: lof/missing_closure"),
     "sources.0.file", "source-exists"),
    ("lof-2025-07-draft", lambda t: t.replace("    kind: reference\n", "    kind: reference\n    file: lof/x.txt\n"),
     "sources.1.file", "reference-has-no-file"),
])
def test_broken_record_names_file_line_and_field(tmp_path: Path, slug: str, edit, field: str, rule: str) -> None:
    problems = problems_of(broken_copy(tmp_path, slug, edit))
    found = [p for p in problems if p.rule == rule]
    assert found, [str(p) for p in problems]
    p = found[0]
    assert p.file.endswith(f"records/frameworks/{slug}.yaml") and not p.file.startswith("/")
    assert p.field == field
    assert p.row is not None and p.row > 1
    assert str(PROJECT_ROOT) not in str(p)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    records = broken_copy(tmp_path, FIRST, lambda t: t.replace("  - number: 3\n", "  - number: 3\n\t  oops: [\n", 1))
    problems = problems_of(records)
    assert problems[0].rule == "yaml" and problems[0].row is not None


def test_one_broken_record_loads_nothing(tmp_path: Path) -> None:
    records = broken_copy(tmp_path, "oflog-data-explorer", lambda t: t.replace("number: 1", "number: 1"))
    path = records / "frameworks" / "lof-2025-07-draft.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["outcomes"] = [{"number": 0, "key": "x", "label": "x", "kind": "priority", "source": "call-for-feedback",
                         "metrics_complete": True, "metrics": []}]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    problems = problems_of(records)
    assert [p.rule for p in problems] == ["schema:minimum"]


def test_a_later_revision_is_a_dated_version_of_the_edition_it_revises(tmp_path: Path) -> None:
    """A revision record (here a copy of the first edition, as a later revision would be written)
    chains by previous_version; the edition it revises must then be superseded."""
    records = broken_copy(tmp_path, FIRST, lambda t: t.replace("status: current", "status: superseded"))
    first = (records / "frameworks" / f"{FIRST}.yaml").read_text(encoding="utf-8")
    revision = (first.replace(f"slug: {FIRST}", "slug: lof-2026-09-revision")
                .replace('issued: "2026-02-09"', 'issued: "2026-09-14"')
                .replace("previous_version: lof-2025-07-draft", f"previous_version: {FIRST}")
                .replace("status: superseded", "status: current")
                .replace("version: first edition", "version: revision of 14 September 2026"))
    (records / "frameworks" / "lof-2026-09-revision.yaml").write_text(revision, encoding="utf-8")
    editions = {e.slug: e for e in load_frameworks(records, SOURCES)}
    chain, slug = [], "lof-2026-09-revision"
    while slug:
        chain.append(slug)
        slug = editions[slug].previous
    assert chain == ["lof-2026-09-revision", FIRST, "lof-2025-07-draft"]
    # Two current editions of one framework are refused.
    (records / "frameworks" / f"{FIRST}.yaml").write_text(first.replace("status: superseded", "status: current"),
                                                         encoding="utf-8")
    rules = {p.rule for p in problems_of(records)}
    assert {"revised-is-superseded", "one-current-edition"} <= rules


def test_a_mapping_to_a_missing_or_unpublished_metric_links_nothing_and_is_reported(editions) -> None:
    """Metric records come and go with the sources: a mapping to one that is absent or unpublished
    is a build note, not an error, and the graph links nothing for it."""
    notes = mapping_notes(editions.values(), published=set(), known={"defra-household-recycling-rate"})
    assert f"{FIRST}: metric household-waste-recycling-composting-reuse maps to defra-household-recycling-rate, " \
           "which is not published" in notes
    assert any(n.startswith("oflog-data-explorer: metric asc1 maps to asc1-carer-quality-of-life, which has no "
                            "metric record") for n in notes)
