#!/usr/bin/env bash
# Sets everything up (test tools and Chromium included) and runs the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k audit -x (add -n 0 to run in one process).
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/reintegration runs it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
# Some machines set PYTHONDONTWRITEBYTECODE: every run then compiles the project and rewrites
# the tests' asserts again, 2 to 3 seconds per worker. The compiled files are git-ignored.
unset PYTHONDONTWRITEBYTECODE
# One worker per core; each gets its own test database.
exec .venv/bin/python -m pytest -n auto "$@"
