"""A department user, new to the service, finds their datasets and the metrics that use them
(headless Chromium against the real server)."""

from __future__ import annotations

import pytest

from catalogue.datasets import load_metric_records
from tests.helpers import save_screenshot

pytestmark = pytest.mark.browser


def test_defra_user_finds_datasets_returns_and_metrics(page, live_server: str, settings) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name="Datasets", exact=True).first.click()
    page.wait_for_url("**/datasets")
    page.get_by_label("Department for Environment, Food and Rural Affairs", exact=False).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/datasets?*department=defra*")
    results = page.locator("#results > li")
    titles = results.locator("h2").all_inner_texts()
    assert any("082-00 WasteDataFlow" in t for t in titles)
    assert "Household waste recycling rate by council (DEFRA ENV18 and devolved equivalents)" in titles
    assert "Oflog waste metrics, 2015-16 to 2022-23" in titles
    # Every result belongs to DEFRA (as publisher, collector or source of the data).
    count = page.locator("#result-count strong").inner_text()
    assert int(count) == results.count() >= 16
    waste = results.filter(has_text="Oflog waste metrics, 2015-16 to 2022-23")
    assert waste.get_by_text("Metrics using it:").count() == 1
    metric_links = waste.locator("p", has_text="Metrics using it:").locator("a")
    assert metric_links.count() >= 1
    save_screenshot(page, "datasets-defra")
    # Follow the return to its page: the metrics drawing on WasteDataFlow are listed there.
    page.get_by_role("link", name="082-00 WasteDataFlow - LA waste management statistics").first.click()
    page.wait_for_url("**/doc/sdl-collection/082-00")
    waste_metrics = [m for m in load_metric_records(settings.records_dir) if m.published and any(
        s.dataset in ("oflog-waste-metrics", "defra-env18-household-recycling", "defra-la-collected-waste") for s in m.sources)]
    assert page.locator("#metrics li").count() == len(waste_metrics)
    save_screenshot(page, "sdl-collection-082-00")
