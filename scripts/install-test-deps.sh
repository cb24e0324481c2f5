#!/usr/bin/env bash
# Installs what the test suite needs, and only what is missing (safe to run again and again):
# the Debian packages for the real-server, document and browser tests (Chromium for the console's
# end-to-end tests: Playwright drives Debian's build, it cannot download its own here), uv, the locked
# Python environment, and the console's front-end packages (GOV.UK Frontend, axe-core) with npm ci.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# chromium and npm: the console's browser tests; postgresql-client: pg_dump, for the retention tests'
# full-text scan of a PostgreSQL dump.
packages=(dovecot-imapd dovecot-lmtpd tesseract-ocr tesseract-ocr-eng antiword libreoffice-writer-nogui chromium postgresql-client)
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]})); then
  echo "install-test-deps: installing Debian packages: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "install-test-deps: installing uv with pip"
  python3 -m pip install --quiet --user uv || python3 -m pip install --quiet --user --break-system-packages uv
fi
if command -v uv >/dev/null 2>&1; then uv=(uv); else uv=(python3 -m uv); fi

# Every dependency group (dev holds pytest, aiosmtpd, ruff, mypy), exactly as locked.
"${uv[@]}" sync --frozen --all-groups

# GOV.UK Frontend (served by the console) and axe-core (the accessibility tests), exactly as locked.
npm ci --no-audit --no-fund --loglevel=error
