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

# Debian packages, in one apt run: mimalloc, the allocator the SPARQL query processes run with
# (core/allocator.py; without it they use glibc's malloc and heavy queries are slower), and with
# --test Chromium for the browser tests and Virtuoso Open Source as the second SPARQL server the
# remote backend is tested against (tests/test_remote_virtuoso.py).
packages=(); lean=()  # lean: installed without the packages they only recommend
.venv/bin/python -c "import sys; from core import allocator; sys.exit(allocator.find('mimalloc') is None)" \
  || packages+=(libmimalloc2.0)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  command -v virtuoso-t >/dev/null 2>&1 || lean+=(virtuoso-opensource-7-bin)
fi
if [ ${#packages[@]} -gt 0 ] || [ ${#lean[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" != "0" ]; then sudo=sudo; fi
  apt_install() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
  if [ "${1:-}" = "--test" ]; then
    $sudo apt-get update -qq
    if [ ${#packages[@]} -gt 0 ]; then apt_install "${packages[@]}"; fi
    if [ ${#lean[@]} -gt 0 ]; then apt_install --no-install-recommends "${lean[@]}"; fi
  else
    # Not fatal: the catalogue serves without mimalloc. sudo -n never stops to ask for a password.
    if [ -n "$sudo" ]; then sudo="sudo -n"; fi
    if ! { command -v apt-get >/dev/null 2>&1 && $sudo apt-get update -qq && apt_install "${packages[@]}"; }; then
      echo "setup: could not install ${packages[*]} with apt; the SPARQL query processes will use" \
           "the system allocator (docs/deploy.md)" >&2
    fi
  fi
fi

if [ -n "$npm_pid" ]; then
  wait "$npm_pid"
fi
