"""The soak test (bench/soak.py) in its short form: 10 s at concurrency 8 against the real
server, pages and SPARQL mixed; not one error, and the report carries latency and memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT


@pytest.mark.slow
def test_short_soak_has_no_errors(built_var: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "soak.py"), "--seconds", "10", "--concurrency", "8",
         "--workers", "1", "--var", str(built_var), "--json"],
        capture_output=True, text=True, timeout=600, cwd=PROJECT_ROOT,
    )
    report = json.loads(done.stdout)
    assert report["errors"] == 0, report["error_samples"]
    assert done.returncode == 0
    assert report["requests"] >= 20, report
    kinds = report["latency"]
    # Kinds are drawn at random from the mix; pages and SPARQL are most of it.
    assert "page" in kinds and {"sparql", "sparql-cached"} & set(kinds), set(kinds)
    assert all(k["n"] > 0 for k in kinds.values())
    assert kinds["all"]["p50_ms"] <= kinds["all"]["p95_ms"] <= kinds["all"]["max_ms"]
    memory = report["memory"]
    assert memory["processes"] >= 2 and memory["rss_after_mb"] > 0  # server, worker, query processes
