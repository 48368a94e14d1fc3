#!/usr/bin/env bash
# Sets up everything and runs the whole test suite: lint, types, and pytest on SQLite AND on a
# real PostgreSQL, with the real-browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL=$(scripts/system-deps.sh | tail -n1)
export CLAIRON_TEST_POSTGRES_URL="${CLAIRON_TEST_POSTGRES_URL:-$PG_URL}"

if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[dev,bench]" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import clairon, fastapi, playwright" # fail loudly if the install failed

status=0
echo "== ruff check"; .venv/bin/ruff check src tests bench scripts || status=1
echo "== ruff format --check"; .venv/bin/ruff format --check src || status=1
echo "== mypy --strict"; .venv/bin/mypy || status=1
echo "== pytest (SQLite + PostgreSQL at ${CLAIRON_TEST_POSTGRES_URL})"
.venv/bin/python -m pytest "$@" || status=$?
exit $status
