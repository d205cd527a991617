"""The analysts' flag pages over the real built catalogue: filters, the JSON twin, and one click
from every flag to its rule version and to the observations behind it."""

from __future__ import annotations

import re
import uuid

import pytest

from web.auth import Accounts, AuditLog

PASSWORD = "correct horse battery staple"


@pytest.fixture()
def analyst(app, settings):
    name = f"flags-{uuid.uuid4().hex[:10]}"
    Accounts(settings).add(name, PASSWORD)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    page = client.get("/analyst/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/analyst/login", data={"csrf_token": token, "name": name, "password": PASSWORD}).status_code == 302
    client.account = name
    return client


def _flag_rows(html: str) -> list[tuple[str, str]]:
    """(rule version link, evidence link) of each flag row."""
    rows = re.findall(r'<td class="govuk-table__cell"><a class="govuk-link" href="(/analyst/rules/[^"]+)">.*?'
                      r'<a class="govuk-link" href="(/analyst/flags/[^"]+)">Observations behind this flag</a>',
                      html, re.DOTALL)
    return rows


def test_every_flag_links_in_one_click_to_its_rule_version_and_evidence(analyst, settings) -> None:
    rule = settings.base_uri + "id/rule/high-debt-servicing-low-reserves"
    data = analyst.get("/analyst/flags.json", query_string={"rule": rule}).get_json()
    html = analyst.get("/analyst/flags", query_string={"rule": rule}).get_data(as_text=True)
    rows = _flag_rows(html)
    assert rows and len(rows) == len(data["flags"])
    assert "A prompt for questions, not a judgement." in html
    for rule_href, evidence_href in rows:
        assert rule_href == "/analyst/rules/high-debt-servicing-low-reserves/version/1"
        evidence = analyst.get(evidence_href)
        assert evidence.status_code == 200
        text = evidence.get_data(as_text=True)
        # Debt servicing and usable reserves of the same year, each linked to its public observation.
        observations = re.findall(r'href="(/doc/observation/[^"]+)"', text)
        assert len(observations) == 2
        assert {o.split("/")[3] for o in observations} == {"finance-debt-servicing-percent-nre",
                                                           "finance-usable-reserves-percent-nre"}
        assert 'href="/analyst/rules/high-debt-servicing-low-reserves/version/1"' in text
    rule_page = analyst.get(rows[0][0]).get_data(as_text=True)
    assert "?minMads" in rule_page and "1.5" in rule_page and "sparql/queries/rules/high-and-low.rq" in rule_page


def test_filters_by_rule_region_and_type(analyst, settings) -> None:
    every = analyst.get("/analyst/flags.json").get_json()["flags"]
    assert {f["status"] for f in every} == {"proposed"}
    region = next(f["region"] for f in every if f["region"])
    by_region = analyst.get("/analyst/flags.json", query_string={"region": region}).get_json()["flags"]
    assert by_region and all(f["region"] == region for f in by_region)
    assert len(by_region) == sum(1 for f in every if f["region"] == region)
    by_type = analyst.get("/analyst/flags.json", query_string={"type": "NMD"}).get_json()["flags"]
    assert by_type and all(f["typeCode"] == "NMD" for f in by_type)
    both = analyst.get("/analyst/flags.json", query_string={"type": "NMD", "region": region}).get_json()["flags"]
    assert both == [f for f in by_type if f["region"] == region]
    html = analyst.get("/analyst/flags", query_string={"type": "NMD"}).get_data(as_text=True)
    assert len(_flag_rows(html)) == len(by_type)
    # Councils in name order, never ranked by how many flags they have.
    names = [f["authorityLabel"] for f in every]
    assert names == sorted(names)
    views = [e for e in AuditLog(settings).read() if e.get("account") == analyst.account and e["event"] == "view"]
    assert {"type": "NMD", "region": region} in [e["filters"] for e in views]


def test_unknown_flag_or_rule_pages_are_not_found(analyst) -> None:
    assert analyst.get("/analyst/flags/no-such-rule/1/asc5-short-term-services-sequel/BIR/2022-23").status_code == 404
    assert analyst.get("/analyst/rules/no-such-rule/version/1").status_code == 404
    assert analyst.get("/analyst/flags/..%2F..%2Fetc/1/x/y/z").status_code == 404
