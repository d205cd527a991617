"""WCAG 2.2 AA checks (axe-core) and keyboard use of the site-wide pages."""

from __future__ import annotations

import pytest

from tests.a11y import axe_violations, describe
from tests.helpers import save_screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path,name", [("/", "home"), ("/about", "about"), ("/authorities", "authorities"),
                                       ("/doc/authority/BIR", "authority-birmingham"),
                                       ("/doc/authority/GMCA", "authority-gmca")])
def test_page_has_no_axe_violations(page, live_server: str, path: str, name: str) -> None:
    response = page.goto(live_server + path)
    assert response is not None and response.status == 200
    violations = axe_violations(page)
    save_screenshot(page, f"a11y-{name}")
    assert not violations, describe(violations)


def test_skip_link_is_first_tab_stop(page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
