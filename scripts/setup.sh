#!/usr/bin/env bash
# Installs everything the project needs into .venv/ and node_modules/ (both git-ignored).
# Usage: scripts/setup.sh [--test]   (--test also installs test tools and Debian's Chromium)
# A rerun installs only what changed: each install is skipped while the lock files it came from
# are the ones recorded after its last success (.venv/.installed, node_modules/.installed).
set -euo pipefail
cd "$(dirname "$0")/.."

digest() { cat "$@" | sha256sum | cut -d' ' -f1; }

# npm runs beside pip: on a fresh machine both mostly wait on downloads.
npm_pid=""
npm_digest=$(digest package-lock.json)
if [ ! -d node_modules/govuk-frontend ] || [ "$(cat node_modules/.installed 2>/dev/null)" != "$npm_digest" ]; then
  (npm ci --no-audit --no-fund --loglevel=error && echo "$npm_digest" > node_modules/.installed) &
  npm_pid=$!
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
py_digest=$(digest requirements.lock pyproject.toml)
if [ "$(cat .venv/.installed 2>/dev/null)" != "$py_digest" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r requirements.lock
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
    || .venv/bin/python -m pip install --quiet --no-deps -e .
  echo "$py_digest" > .venv/.installed
fi

if [ "${1:-}" = "--test" ]; then
  # Debian's Chromium for the browser tests, and Virtuoso Open Source as the second SPARQL server
  # the remote backend is tested against (tests/test_remote_virtuoso.py); one apt run for both.
  need_chromium=""; need_virtuoso=""
  command -v chromium >/dev/null 2>&1 || need_chromium=1
  command -v virtuoso-t >/dev/null 2>&1 || need_virtuoso=1
  if [ -n "$need_chromium$need_virtuoso" ]; then
    sudo=""
    if [ "$(id -u)" != "0" ]; then sudo=sudo; fi
    apt_install() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
    $sudo apt-get update -qq
    if [ -n "$need_chromium" ]; then apt_install chromium; fi
    if [ -n "$need_virtuoso" ]; then apt_install --no-install-recommends virtuoso-opensource-7-bin; fi
  fi
fi

if [ -n "$npm_pid" ]; then
  wait "$npm_pid"
fi
