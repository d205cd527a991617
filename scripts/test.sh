#!/usr/bin/env bash
# Sets up (including test tools and headless Chromium) and runs the whole test suite.
# Test files are spread over up to LACAT_TEST_WORKERS processes (default: one per core, at most 4);
# the catalogue is built once per run, shared by all of them. LACAT_TEST_WORKERS=0 runs in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
# The layers (core < ingest < catalogue < sparql < datapackages < web < cli, pyproject.toml).
.venv/bin/lint-imports --no-cache
workers="${LACAT_TEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
if [ "$workers" -gt 4 ]; then workers=4; fi
if [ "$workers" -le 1 ]; then workers=0; fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "$workers" --dist loadfile --durations=10 "$@"
