#!/usr/bin/env bash
# Prepares this checkout: system packages, the Python virtual environment, npm packages,
# and compiled translations. Idempotent: a second run only checks.
#
#   scripts/setup.sh            what the application needs
#   scripts/setup.sh --dev      plus the test tools and Chromium for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- Python 3.11+ -------------------------------------------------------------------------
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1 || echo none))." >&2
  echo "Install it (Debian: apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11." >&2
  exit 1
fi

# --- Debian packages ----------------------------------------------------------------------
# HarfBuzz subsetting and Amiri make Arabic PDFs fast and correct; gettext compiles the
# translations; postgresql-client brings pg_dump and pg_restore (manage.py backup and restore on
# PostgreSQL); Node.js/npm fetch Bootstrap; Chromium drives the browser tests; the rate
# limit's tests also run against Redis.
packages=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-hosny-amiri gettext
  postgresql-client)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
[ "$DEV" = 1 ] && packages+=(chromium redis-server)
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "Installing Debian packages: ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "Missing Debian packages: ${missing[*]}" >&2
      echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
else
  echo "Not a Debian system: make sure these are installed: ${packages[*]} (or their equivalents)." >&2
fi

# --- Python virtual environment -----------------------------------------------------------
if [ ! -x .venv/bin/pip ]; then
  # Also repairs a .venv left half-made by an earlier failure.
  say "Creating the virtual environment (.venv)"
  rm -rf .venv
  "$PYTHON" -m venv .venv
fi
requirements=requirements.txt
[ "$DEV" = 1 ] && requirements=requirements-dev.txt
stamp=".venv/.installed-$(basename "$requirements")"
digest=$(cat requirements.txt "$requirements" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  say "Installing Python packages from $requirements"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$digest" > "$stamp"
fi

# --- Front-end packages from npm (never a CDN) --------------------------------------------
digest=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.installed 2>/dev/null)" != "$digest" ]; then
  say "Installing front-end packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$digest" > node_modules/.installed
fi

# --- Translations -------------------------------------------------------------------------
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0
