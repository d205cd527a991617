#!/usr/bin/env bash
# Installs everything the project needs into .venv/ and node_modules/ (both git-ignored).
# Usage: scripts/setup.sh [--test]   (--test also installs test tools and Debian's Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.lock
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
  || .venv/bin/python -m pip install --quiet --no-deps -e .

if [ ! -d node_modules/govuk-frontend ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--test" ]; then
  # Debian's Chromium for the browser tests, and Virtuoso Open Source as the second SPARQL server
  # the remote backend is tested against (tests/test_remote_virtuoso.py).
  apt_install() {
    if [ "$(id -u)" = "0" ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
    fi
  }
  command -v chromium >/dev/null 2>&1 || apt_install chromium
  command -v virtuoso-t >/dev/null 2>&1 || apt_install --no-install-recommends virtuoso-opensource-7-bin
fi
