"""Early-warning rules and flags over the real built catalogue: rule records are validated with
precise messages, every flag is linked to its rule version and observations, the evidence queries
agree with the build's evaluation, and the documented SPARQL query reproduces the flags."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from catalogue.flags import evaluate, open_restricted
from catalogue.metric_records import load_records
from catalogue.rules import EVALUATED, bindings, load_rules, query_text
from core.problems import SourceError
from core.queries import iri, select
from core.settings import PROJECT_ROOT
from core.uris import Uris

DOC = PROJECT_ROOT / "docs" / "early-warning.md"


@pytest.fixture(scope="module")
def restricted(settings, store):
    found = open_restricted(settings, store.info.version)
    assert found is not None, "the build wrote no restricted store for the live catalogue"
    return found


@pytest.fixture(scope="module")
def rules(settings):
    return load_rules(settings.records_dir, {r.slug for r in load_records(settings.records_dir)})


@pytest.fixture(scope="module")
def flag_rows(restricted):
    return select(restricted, "flags-list")


def test_a_real_sustained_trend_is_flagged_with_its_evidence(restricted, settings) -> None:
    """Bradford's adult social care service-user quality of life (ASC2) fell four years running in
    Oflog's file: 0.455, 0.416, 0.377, 0.34 (2016-17 to 2019-20)."""
    uris = Uris(settings.base_uri)
    flag = uris.flag("asc-outcome-sustained-adverse-trend", 1, "asc2-service-user-quality-of-life", "BBD", "2019-20")
    rows = select(restricted, "flags-flag", flag=iri(flag))
    assert [(r["observationPeriod"], r["value"]) for r in rows] == [
        ("2016-17", 0.455), ("2017-18", 0.416), ("2018-19", 0.377), ("2019-20", 0.34)]
    head = rows[0]
    assert head["ruleVersion"] == uris.rule_version("asc-outcome-sustained-adverse-trend", 1)
    assert head["comment"] == "A prompt for questions, not a judgement."
    assert head["detail"].startswith("Fell in each of three consecutive periods: 2016-17 0.455, 2017-18 0.416, "
                                     "2018-19 0.377, 2019-20 0.34")


def test_every_flag_links_a_rule_version_and_observations_that_exist(flag_rows, restricted, store) -> None:
    assert flag_rows
    versions = {r["ruleVersion"] for r in select(restricted, "flags-list")}
    for v in versions:
        assert select(restricted, "flags-rule-version", ruleVersion=iri(v)), v
    observations = {r["observation"] for r in flag_rows}
    # The flagged observations are public ones, in the live catalogue.
    sample = sorted(observations)[:: max(1, len(observations) // 40)]
    for obs in sample:
        assert store.ask("ASK { ?o ?p ?v }", {"o": ox.NamedNode(obs)}), obs


def test_flags_are_per_council_period_and_metric_without_scores(flag_rows, restricted) -> None:
    keys = Counter((r["rule"], r["authority"], r["metric"], r["periodKey"]) for r in flag_rows)
    assert max(keys.values()) == 1
    predicates = {r["p"].value for r in restricted.select(
        "SELECT DISTINCT ?p WHERE { ?f a <https://w3id.org/lacat/def#Flag> ; ?p ?o }")}
    assert not any(re.search(r"score|rank|total|count", p, re.IGNORECASE) for p in predicates), predicates


def test_build_evaluation_equals_the_restricted_flags(rules, store, restricted, settings, flag_rows) -> None:
    """Re-evaluating the rules on the public catalogue gives exactly the flags the build stored."""
    found = evaluate(store, rules, Uris(settings.base_uri))
    computed = {(f.authority, f.metric, f.period, f.evidence[0]) for items in found.values() for f in items}
    stored = {(r["authority"], r["metric"], r["periodKey"], r["observation"]) for r in flag_rows}
    assert computed == stored
    assert {r.slug for r in rules if r.status in EVALUATED} == set(found)


@pytest.mark.parametrize("slug", ["asc-outcome-sustained-adverse-trend", "asc-outcome-lowest-decile-of-similar",
                                  "waste-sustained-adverse-trend", "reserves-lowest-decile-of-similar",
                                  "reserves-fall-over-two-years", "high-debt-servicing-low-reserves"])
def test_evidence_query_agrees_with_the_build(slug, rules, restricted, store, settings) -> None:
    """Bound to a flag's metric, council and period, the rule's evidence query returns its evidence;
    bound to councils the rule did not flag, it returns nothing."""
    rule = next(r for r in rules if r.slug == slug)
    uris = Uris(settings.base_uri)
    text = query_text(rule.query)
    terms = {k: ox.NamedNode(str(v)) if not hasattr(v, "datatype") else _literal(v)
             for k, v in bindings(rule, uris).items()}
    found = evaluate(store, [rule], uris)[slug]
    assert found
    metric = found[0].metric
    on_metric = [f for f in found if f.metric == metric]
    for f in on_metric[:6]:
        rows = restricted.select(text, {**terms, "metric": ox.NamedNode(f.metric),
                                        "authority": ox.NamedNode(f.authority), "periodKey": ox.Literal(f.period)})
        assert len(rows) == 1, f
        evidence = {v.value for k, v in rows[0].items() if k.startswith("evidence")}
        assert evidence == set(f.evidence)
    flagged = {(f.authority, f.period) for f in on_metric}
    period = on_metric[0].period
    others = [r["authority"] for r in select(store, "flags-observations", metric=iri(metric))
              if r["periodKey"] == period and "/id/authority/" in r["authority"]
              and (r["authority"], period) not in flagged][:6]
    assert others
    for authority in others:
        rows = restricted.select(text, {**terms, "metric": ox.NamedNode(metric),
                                        "authority": ox.NamedNode(authority), "periodKey": ox.Literal(period)})
        assert rows == [], authority


def _literal(value) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))


def test_documented_query_reproduces_the_flags(restricted, flag_rows) -> None:
    blocks = re.findall(r"```sparql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks, "docs/early-warning.md has no SPARQL example"
    rows = restricted.select(blocks[0])
    assert {r["flag"].value for r in rows} == {r["flag"] for r in flag_rows}


# --- Rule records ---------------------------------------------------------------------------------


def _records(tmp_path: Path, settings) -> Path:
    target = tmp_path / "records"
    shutil.copytree(settings.records_dir, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(records: Path) -> list[str]:
    metrics = {r.slug for r in load_records(records)}
    with pytest.raises(SourceError) as info:
        load_rules(records, metrics)
    return [str(p) for p in info.value.problems]


def test_rule_naming_a_missing_metric_is_refused_with_file_line_and_field(tmp_path, settings) -> None:
    records = _records(tmp_path, settings)
    _edit(records / "rules" / "waste-sustained-adverse-trend.yaml", "  - oflog-residual-household-waste\n",
          "  - residual-waste-typo\n")
    problems = _problems(records)
    assert len(problems) == 1
    assert "waste-sustained-adverse-trend.yaml" in problems[0]
    assert "row 15" in problems[0] and "metrics.1" in problems[0] and "residual-waste-typo" in problems[0]


def test_rule_threshold_and_query_mistakes_are_refused(tmp_path, settings) -> None:
    records = _records(tmp_path, settings)
    path = records / "rules" / "asc-outcome-lowest-decile-of-similar.yaml"
    _edit(path, "name: minPeers", "name: minimumPeers")
    problems = _problems(records)
    assert any("takes no parameter 'minimumPeers'" in p and "parameters.1.name" in p for p in problems)
    assert any("needs a value for parameter 'minPeers'" in p for p in problems)
    _edit(path, "query: lowest-decile-of-similar", "query: no-such-query")
    assert any("no evaluation method for query 'no-such-query'" in p for p in _problems(records))


def test_published_rule_needs_an_approval_and_versions_need_change_notes(tmp_path, settings) -> None:
    records = _records(tmp_path, settings)
    path = records / "rules" / "waste-sustained-adverse-trend.yaml"
    _edit(path, "status: proposed", "status: published")
    _edit(path, "version: 1\n", "version: 2\n")
    problems = _problems(records)
    assert any("a published rule needs an approval" in p and "field 'approval'" in p for p in problems)
    assert any("version 2 must be the latest entry in changes" in p for p in problems)


def test_schema_errors_name_the_field(tmp_path, settings) -> None:
    records = _records(tmp_path, settings)
    _edit(records / "rules" / "asc-outcome-sustained-adverse-trend.yaml", "status: proposed", "status: live")
    problems = _problems(records)
    assert any("'live' is not one of" in p and "field 'status'" in p for p in problems)
