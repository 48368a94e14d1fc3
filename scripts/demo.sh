#!/usr/bin/env bash
# Sets up Clairon on the embedded default (SQLite, in-process worker, outbox network) with demo
# data and serves the web UI on http://127.0.0.1:8000/ (log in as demo@clairon.local / clairon-demo).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q -e . 2>&1 | grep -v "is ignored" || true
exec .venv/bin/clairon demo "$@"
