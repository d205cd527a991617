#!/usr/bin/env bash
# Sets up, builds the catalogue from the bundled real data and serves it on http://localhost:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/lacat build
exec .venv/bin/lacat serve --host "${LACAT_HOST:-127.0.0.1}" --port "${LACAT_PORT:-5000}"
