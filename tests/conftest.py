"""Shared fixtures: one real build of the bundled data per test session, a real server on
127.0.0.1, and headless Chromium for browser tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from xdist.scheduler import LoadFileScheduling

from core.settings import Settings
from core.store import LiveStore
from tests.helpers import copy_built, serving, shared_build
from web.app import create_app

# Test files that share one expensive module-level product run in the same process when the suite
# is spread over several (pytest-xdist, --dist loadfile): both of these package the catalogue.
SAME_PROCESS = {
    "tests/test_packages_build.py": "packages",
    "tests/test_downloads_web.py": "packages",
}


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    if config.getoption("dist") != "loadfile":
        return None
    # xdist would otherwise hand out the files with the most tests first, not in the order below.
    config.option.loadscopereorder = False

    class SharedProductScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return SAME_PROCESS.get(scope, scope)

    return SharedProductScheduling(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The order in which whole files are handed to the test processes. First the files that
    package the catalogue, the longest chain (the session's build, then packaging); then the files
    that need no build, which keep the other processes busy while that build runs; then the rest.
    Within each group, files holding a slow test come first, so that the long ones overlap instead
    of landing at the end. The order within a file is kept."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    needs_build = {item.path for item in items if "built_var" in item.fixturenames}

    def rank(item: pytest.Item) -> tuple[int, bool]:
        if SAME_PROCESS.get(item.nodeid.split("::")[0]) == "packages":
            return 0, False
        return (2 if item.path in needs_build else 1), item.path not in slow

    items.sort(key=rank)


@pytest.fixture(scope="session")
def built_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var/ folder holding a catalogue built from the real bundled data."""
    var = tmp_path_factory.mktemp("var")
    # While working on one area, a developer can build once (`lacat build`) and point the tests at
    # that folder instead of rebuilding per run. Otherwise the session builds once, shared by every
    # test process (pytest-xdist gives each a folder under one base), and each process copies it.
    reuse = os.environ.get("LACAT_TEST_REUSE_VAR")
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return copy_built(Path(reuse) if reuse else shared_build(shared), var)


@pytest.fixture(scope="session")
def settings(built_var: Path) -> Settings:
    return Settings.from_env(var_dir=built_var)


@pytest.fixture(scope="session")
def app(settings: Settings):
    application = create_app(settings)
    application.config["TESTING"] = True
    return application


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def store(settings: Settings):
    return LiveStore(settings).current()


@pytest.fixture(scope="session")
def live_server(built_var: Path) -> Iterator[str]:
    """The real `lacat serve` (Granian) on 127.0.0.1, over the session's built catalogue."""
    with serving({**os.environ, "LACAT_VAR_DIR": str(built_var)}) as (url, _):
        yield url


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail("Debian's chromium is not installed: run scripts/setup.sh --test")

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    # axe-core is injected by the tests, so the page CSP must not block it.
    context = browser.new_context(bypass_csp=True)
    pg = context.new_page()
    yield pg
    context.close()


