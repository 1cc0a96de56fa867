#!/usr/bin/env bash
# Command 2: install what the tests need and run the whole suite on PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# System packages: Chromium for the browser tests, docker-compose to validate the compose
# file, poppler-utils to read the contract PDFs, a Chinese font so poppler can draw the
# contracts' built-in (not embedded) CJK font when a test renders a page, gettext for
# translations.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-wqy-zenhei)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Services: start a stopped local PostgreSQL or Redis the way this machine kind does.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-test.txt
# The generated-client check's tool, in its own venv (tests/kernel/test_generated_client.py).
# Inside .venv, so that the project's own file walks (which skip .venv) never read it.
[ -x .venv/client/bin/python ] || "$PY" -m venv .venv/client
.venv/client/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-client.txt

export DJANGO_SETTINGS_MODULE=microloan.settings.test
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/microloan}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}

.venv/bin/ruff check .
.venv/bin/ruff format --check .
./scripts/typecheck.sh
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
CHECK=1 ./scripts/app.sh  # the schema validates and lints; the app type-checks; its bundle is the committed one
.venv/bin/python -m pytest "$@"
