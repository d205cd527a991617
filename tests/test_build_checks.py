"""The build's checks: they run side by side, every one runs even when another fails, and a
failing check stops the build before anything is published."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from catalogue.build import run_build
from catalogue.ontology_step import ontology_step
from catalogue.step import BuildContext, BuildFailed
from core.settings import Settings


def test_checks_run_together_and_every_failure_is_reported(tmp_path: Path) -> None:
    settings = Settings.from_env(var_dir=tmp_path / "var")
    both_running = threading.Barrier(2, timeout=30)  # broken unless the two checks overlap
    ran: list[str] = []

    def first_check(ctx: BuildContext) -> list[str]:
        both_running.wait()
        ran.append("first")
        return ["first problem"]

    def second_check(ctx: BuildContext) -> list[str]:
        both_running.wait()
        ran.append("second")
        return ["second problem", "another second problem"]

    def passing_check(ctx: BuildContext) -> list[str]:
        ran.append("passing")
        return []

    with pytest.raises(BuildFailed) as failed:
        run_build(settings, steps=[ontology_step], checks=[first_check, second_check, passing_check],
                  log=lambda _m: None)
    message = str(failed.value)
    assert "validation 'first_check' failed with 1 problem(s):\n  - first problem" in message
    assert "validation 'second_check' failed with 2 problem(s)" in message
    assert "another second problem" in message and "passing_check" not in message
    assert sorted(ran) == ["first", "passing", "second"]
    assert not settings.current_pointer.exists(), "nothing is published after a failed check"
    assert not any((settings.stores_dir).glob("building-*")), "the unfinished store is removed"


def test_a_check_that_crashes_stops_the_build(tmp_path: Path) -> None:
    settings = Settings.from_env(var_dir=tmp_path / "var")

    def broken_check(ctx: BuildContext) -> list[str]:
        raise RuntimeError("the check itself is broken")

    with pytest.raises(RuntimeError, match="the check itself is broken"):
        run_build(settings, steps=[ontology_step], checks=[broken_check], log=lambda _m: None)
    assert not settings.current_pointer.exists()
