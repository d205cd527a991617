"""The command line, settings and the atomic build/serve cycle."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from core.settings import Settings


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env)


@pytest.mark.parametrize("command", ["build", "serve", "validate", "settings"])
def test_every_subcommand_has_help(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "usage: lacat " + command in result.stdout


def test_settings_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LACAT_BASE_URI", "https://example.gov.uk/lg/")
    monkeypatch.setenv("LACAT_QUERY_TIMEOUT", "2.5")
    s = Settings.from_env()
    assert s.base_uri == "https://example.gov.uk/lg/"
    assert s.query_timeout_s == 2.5


def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LACAT_QUERY_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="LACAT_QUERY_TIMEOUT"):
        Settings.from_env()


def test_serve_without_a_build_says_so(tmp_path) -> None:
    env = {**os.environ, "LACAT_VAR_DIR": str(tmp_path)}
    result = run_cli("serve", "--port", "1", env=env)
    assert result.returncode == 1
    assert "lacat build" in result.stderr


def test_home_page_served_by_real_server(live_server: str) -> None:
    r = requests.get(live_server + "/", timeout=10)
    assert r.status_code == 200
    assert "govuk-template" in r.text
    assert "Content-Security-Policy" in r.headers
    assert r.headers["X-Content-Type-Options"] == "nosniff"
