"""The data explorer in headless Chromium: axe-core (WCAG 2.2 AA) on every page type, keyboard use
of the search suggestions, sortable tables, charts under the real Content-Security-Policy, and
the new user's path from the home page to a council's recycling rate against similar councils."""

from __future__ import annotations

import pytest

from tests.a11y import axe_violations, describe
from tests.helpers import save_screenshot

pytestmark = pytest.mark.browser

RECYCLING = "defra-household-recycling-rate"

PAGES = [
    ("/", "home"),
    ("/search?q=manchester", "search"),
    ("/metrics", "metrics"),
    (f"/doc/metric/{RECYCLING}?council=TRF", "metric"),
    (f"/doc/metric/{RECYCLING}/version/1", "metric-version"),
    (f"/compare/{RECYCLING}/TRF", "compare"),
    ("/doc/authority/TRF", "council"),
    ("/doc/authority/GMCA", "combined-authority"),
    ("/combined-authorities", "combined-authorities"),
    (f"/doc/observation/{RECYCLING}/TRF/2023-24", "observation"),
    ("/doc/area/E92000001", "area-england"),
    ("/doc/area/E12000002", "area-region"),
    ("/doc/dataset/defra-env18-household-recycling", "dataset"),
    ("/about", "about"),
]


def wait_for_charts(page) -> None:
    if page.locator("[data-vega-spec]").count():
        page.wait_for_selector("[data-vega-spec][data-rendered]", timeout=30_000)


@pytest.mark.parametrize("path,name", PAGES)
def test_page_type_has_no_axe_violations(page, live_server: str, path: str, name: str) -> None:
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    wait_for_charts(page)
    violations = axe_violations(page)
    save_screenshot(page, f"explorer-{name}")
    assert not violations, describe(violations)


def test_charts_render_under_the_real_csp(browser, live_server: str) -> None:
    # No bypass_csp here: the page's own policy applies, so any eval or inline script would fail.
    context = browser.new_context()
    pg = context.new_page()
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    try:
        pg.goto(f"{live_server}/doc/metric/{RECYCLING}?council=TRF")
        pg.wait_for_selector("#distribution-chart[data-rendered]", timeout=30_000)
        pg.wait_for_selector("#series-chart[data-rendered]", timeout=30_000)
        assert pg.get_attribute("#distribution-chart", "data-rendered") == "true"
        label = pg.get_attribute("#distribution-chart svg", "aria-label")
        assert label.startswith("Trafford Metropolitan Borough Council: 58.4% in 2023-24")
        assert pg.locator("#distribution-chart svg .mark-rect path").count() > 250
        assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    finally:
        context.close()


def test_search_suggestions_by_keyboard(page, live_server: str) -> None:
    page.goto(live_server + "/")
    box = page.locator("#council-search")
    box.click()
    page.keyboard.type("Traff", delay=50)
    page.wait_for_selector("#council-search-suggestions [role=option]", timeout=10_000)
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    assert "Trafford" in page.locator(f"#{active}").inner_text()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/doc/authority/TRF")


def test_search_form_works_without_javascript(browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    try:
        pg.goto(live_server + "/")
        pg.fill("#council-search", "Trafford")
        with pg.expect_navigation():
            pg.press("#council-search", "Enter")
        assert "/search?q=Trafford" in pg.url
        assert pg.locator('#council-results a[href="/doc/authority/TRF"]').count() == 1
    finally:
        context.close()


def test_table_sorts_by_clicking_headers(page, live_server: str) -> None:
    page.goto(f"{live_server}/doc/metric/{RECYCLING}")
    header = page.locator('#values-table th[data-sort-key="name"]')
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    names = page.locator("#values-table tbody tr td:first-child").all_inner_texts()[:20]
    assert names == sorted(names, key=str.casefold)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"


def test_new_user_reaches_recycling_against_similar_councils_in_three_clicks(page, live_server: str) -> None:
    page.goto(live_server + "/")
    clicks = 0
    page.fill("#council-search", "Trafford")
    page.click("button:has-text('Search')")  # 1: search
    clicks += 1
    page.click('#council-results a[href="/doc/authority/TRF"]')  # 2: the council page
    clicks += 1
    row = page.locator(f'tr[data-metric="{RECYCLING}"]')
    row.get_by_role("link", name="Compare with similar councils").click()  # 3: the comparison
    clicks += 1
    assert clicks <= 3
    assert page.url.endswith(f"/compare/{RECYCLING}/TRF")
    assert page.locator("h1").inner_text().startswith("Trafford Metropolitan Borough Council compared with similar")
    caveats = page.locator("#caveats")
    assert caveats.is_visible() and "Bristol" in caveats.inner_text()
    assert page.locator("#compare-table tbody tr").count() == 17  # the council, 15 similar, the median
    wait_for_charts(page)
    save_screenshot(page, "explorer-three-clicks")
