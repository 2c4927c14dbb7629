#!/usr/bin/env bash
# Sets everything up (test tools and Chromium included) and runs the whole test suite.
# Extra arguments go to pytest, e.g. scripts/test.sh -k audit -x
# DATABASE_URL=postgres://postgres@127.0.0.1:5432/reintegration runs it on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec .venv/bin/python -m pytest "$@"
