"""WCAG 2.2 AA (axe-core, every A and AA rule) on every kind of page the site serves, in headless
Chromium with JavaScript running (charts, the SPARQL editor), each asserted to have 0 violations.

The list is checked against the app itself: a new route or a new kind of /doc/ page that is not
listed here fails test_every_page_kind_is_listed, so no page kind can go untested."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from core.settings import Settings
from tests.a11y import axe_violations, describe
from tests.helpers import save_screenshot
from web.auth import Accounts
from web.linked_data import _HTML_VIEWS

FIRST = "lof-2026-02-first-edition"
FE = "fe-skills-achievements-per-100000"
RECYCLING = "defra-household-recycling-rate"

# page kind -> a real example of it
PAGES: dict[str, str] = {
    "/": "/",
    "/about": "/about",
    "/authorities": "/authorities?region=E12000002",
    "/combined-authorities": "/combined-authorities",
    "/metrics": "/metrics",
    "/search": "/search?q=leeds",
    "/datasets": "/datasets?department=dluhc",
    "/catalogue": "/catalogue",
    "/changes": "/changes",
    "/downloads": "/downloads",
    "/frameworks": "/frameworks",
    "/frameworks/diff": f"/frameworks/diff?from=lof-2025-07-draft&to={FIRST}",
    "/reports": "/reports",
    "/reports/<name>": "/reports/burden-by-department",
    "/sdl": "/sdl",
    "/similar-authorities": "/similar-authorities",
    "/sparql": "/sparql",
    "/sparql (results)": "/sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+a+lacat%3AMetric+%7D+LIMIT+5",
    "/compare/<slug>/<code>": f"/compare/{RECYCLING}/LDS",
    "/learn-from/<metric>": f"/learn-from/{RECYCLING}",
    "/doc/metric/<slug>/history": f"/doc/metric/{RECYCLING}/history",
    "/doc/metric/<slug>/version/<ident>": f"/doc/metric/{RECYCLING}/version/1",
    "/analyst/login": "/analyst/login",
    "doc:authority": "/doc/authority/BIR",
    "doc:authority (combined)": "/doc/authority/GMCA",
    "doc:area": "/doc/area/E12000002",
    "doc:metric": f"/doc/metric/{FE}?council=BIR",
    "doc:observation": f"/doc/observation/{RECYCLING}/LCE/2023-24",
    "doc:dataset": "/doc/dataset/defra-env18-household-recycling",
    "doc:dataset (edition)": f"/doc/dataset/metric-{FE}/edition/AY2019-20",
    "doc:sdl-collection": "/doc/sdl-collection/082-00",
    "doc:framework-edition": f"/doc/framework-edition/{FIRST}",
    # These kinds answer with a redirect to the page that shows them; the page reached is checked.
    "doc:catalogue": "/doc/catalogue/single-data-list",
    "doc:organisation": "/doc/organisation/dluhc",
    "doc:framework": "/doc/framework/local-outcomes-framework",
    "doc:similarity-method": "/doc/similarity-method/ons-lower-tier",
    "doc:neighbour": "/doc/neighbour/ons-lower-tier/BIR/1",
    "doc:similarity-agreement": "/doc/similarity-agreement/upper-tier",
    "not found": "/doc/authority/NOPE",
}
# Behind an analyst's login: checked after signing in (test_analyst_pages_have_no_axe_violations).
SIGNED_IN = ("/analyst", "/analyst/", "/analyst/flags", "/analyst/flags/<rule>/<int:version>/<metric>/<code>/<period>",
             "/analyst/rules/<rule>/version/<int:version>")
# Not pages: data, feeds, files and redirects that only forward.
NOT_PAGES = re.compile(r"\.(json|csv|atom|xml|xlsx|zip|ttl|nt|rdf|jsonld)|<fmt>|<suffix>|^/(static|vendor|assets)/|"
                       r"^/(id|doc)/<path:path>$|^/downloads/|^/\.well-known/|^/doc/catalogue$|"
                       r"^/doc/authority/<string:ident>$|^/analyst/logout$")


def test_every_page_kind_is_listed(app) -> None:
    listed = {k.split(" (")[0] for k in PAGES} | set(SIGNED_IN)
    routes = {r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not NOT_PAGES.search(r.rule)}
    assert sorted(routes - listed) == []
    kinds = {f"doc:{k}" for k in _HTML_VIEWS}
    assert sorted(kinds - listed) == []


@pytest.mark.browser
@pytest.mark.parametrize("kind", list(PAGES))
def test_page_kind_has_no_axe_violations(page, live_server: str, kind: str) -> None:
    path = PAGES[kind]
    response = page.goto(live_server + path)
    assert response is not None
    assert response.status == (404 if kind == "not found" else 200), path
    if kind == "/sparql":
        page.wait_for_selector(".yasqe .CodeMirror", timeout=20000)  # the editor, not the plain form
    page.wait_for_load_state("networkidle")
    violations = axe_violations(page)
    save_screenshot(page, "a11y-" + re.sub(r"[^a-z0-9]+", "-", kind.lower()).strip("-"))
    assert len(violations) == 0, f"{path}:\n{describe(violations)}"


@pytest.mark.browser
def test_analyst_pages_have_no_axe_violations(page, live_server: str, built_var: Path) -> None:
    name, password = f"axe-{uuid.uuid4().hex[:8]}", "correct horse battery staple"
    Accounts(Settings.from_env(var_dir=built_var)).add(name, password)
    page.goto(live_server + "/analyst/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/analyst"))
    checked = []
    for path in ["/analyst/flags"]:
        page.goto(live_server + path)
        checked.append(path)
        assert len(found := axe_violations(page)) == 0, f"{path}:\n{describe(found)}"
    for selector in ('a[href^="/analyst/flags/"]', 'a[href^="/analyst/rules/"]'):
        page.goto(live_server + "/analyst/flags")
        link = page.locator(selector).first
        href = link.get_attribute("href")
        assert href, selector
        page.goto(live_server + href)
        checked.append(href)
        assert len(found := axe_violations(page)) == 0, f"{href}:\n{describe(found)}"
    assert len(checked) == 3


@pytest.mark.browser
def test_sparql_plain_form_works_without_javascript(browser, live_server: str, settings) -> None:
    """Without JavaScript the page is the plain form: it runs a query and shows the results as a table."""
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/sparql")
        assert page.locator("#sparql-form").is_visible() and page.locator("#yasgui").is_hidden()
        page.fill("#query", f"SELECT ?label WHERE {{ <{settings.base_uri}id/authority/BIR> rdfs:label ?label }}")
        page.click("#sparql-form button[type=submit]")
        page.wait_for_selector("#sparql-results")
        assert "Birmingham" in page.locator("#sparql-results tbody").inner_text()
    finally:
        context.close()


@pytest.mark.browser
def test_sparql_plain_form_has_no_axe_violations(browser, live_server: str) -> None:
    """The plain form a browser gets when the editor cannot load (axe itself needs JavaScript, so
    the editor's script is blocked instead of all scripts)."""
    context = browser.new_context(bypass_csp=True)
    context.route("**/vendor/yasgui/**", lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(live_server + "/sparql?query=ASK+%7B+%3Fs+a+lacat%3AMetric+%7D")
        assert page.locator("#sparql-form").is_visible()
        assert len(found := axe_violations(page)) == 0, describe(found)
    finally:
        context.close()
