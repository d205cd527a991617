"""A council officer follows the Local Outcomes Framework from the list to one outcome and on to a
metric with figures, in headless Chromium against the real server; every page passes axe-core."""

from __future__ import annotations

import pytest

from tests.a11y import axe_violations, describe
from tests.helpers import save_screenshot

pytestmark = pytest.mark.browser


def test_from_the_framework_list_to_an_outcome_and_a_metric(page, live_server: str) -> None:
    page.goto(live_server + "/frameworks")
    assert page.locator("h1").inner_text() == "Outcome frameworks"
    assert not (found := axe_violations(page)), describe(found)
    page.get_by_role("link", name="Local Outcomes Framework: first edition").click()
    page.wait_for_url("**/doc/framework-edition/lof-2026-02-first-edition")
    assert page.locator("#edition-status").inner_text() == "Current edition"
    assert page.locator("#outcomes tbody tr").count() == 4
    assert not (found := axe_violations(page)), describe(found)
    page.locator("#outcomes").get_by_role("link", name="Homelessness and rough sleeping").click()
    page.wait_for_url("**/outcome/3")
    rows = page.locator("#metrics tbody tr")
    assert rows.count() == 6
    figures = rows.locator("td:nth-child(5)").all_inner_texts()
    assert len(figures) == 6 and all(f for f in figures)
    assert not (found := axe_violations(page)), describe(found)
    save_screenshot(page, "framework-outcome-3")
    # Back on the edition, the metric with figures links to its metric page.
    page.go_back()
    page.locator("#metric-household-waste-recycling-composting-reuse").get_by_role("link", name="Yes").click()
    page.wait_for_url("**/doc/metric/defra-household-recycling-rate")
    assert "recycling" in page.locator("h1").inner_text().lower()
    # The changes from the draft say what cannot be told.
    page.goto(live_server + "/frameworks")
    page.get_by_role("link", name="What changed in the first edition").click()
    page.wait_for_url("**/frameworks/diff?*")
    assert page.locator('#changes tr[data-change="unknown"]').count() == 36
    assert not (found := axe_violations(page)), describe(found)
