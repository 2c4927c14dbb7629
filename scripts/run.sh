#!/usr/bin/env bash
# Sets everything up, loads the demo data and serves the application on http://127.0.0.1:8000
# (SQLite in db.sqlite3 unless DATABASE_URL says otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python manage.py migrate --no-input -v 0
# The database cache's table (settings.CACHES), unless CACHE_URL names another cache.
.venv/bin/python manage.py createcachetable
.venv/bin/python manage.py seed_demo
ADDRESS=${ADDRESS:-127.0.0.1:8000}
echo "Open http://$ADDRESS/ and sign in with one of these accounts (Ctrl+C stops the server)."
# DEBUG stays off so that the demo shows the real error pages, never a stack trace.
export DEBUG=${DEBUG:-false}
# Long work (issuing certificates, large PDFs, checking imports) and e-mail run as jobs: a
# worker runs them beside the server and stops with it.
.venv/bin/python manage.py db_worker --interval 1 --no-reload -v 0 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
.venv/bin/python manage.py runserver "$ADDRESS"
