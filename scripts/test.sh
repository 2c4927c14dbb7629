#!/usr/bin/env bash
# Sets everything up (test tools and Chromium included) and runs the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k audit -x (add -n 0 to run in one process).
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/reintegration runs it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
# One worker per core; each gets its own test database.
exec .venv/bin/python -m pytest -n auto "$@"
