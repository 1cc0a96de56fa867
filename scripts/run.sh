#!/usr/bin/env bash
# Command 1: install into .venv and run the product on the embedded default (SQLite, and
# Celery on kombu's filesystem transport: no database or broker service needed), with demo
# data, printing the URL and the logins.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
PORT=${PORT:-8000}
PASSWORD=${DEMO_PASSWORD:-demo12345}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements.txt
export DJANGO_SETTINGS_MODULE=microloan.settings.local
unset DATABASE_URL REDIS_URL || true
mkdir -p var/celery-queue var/celery-processed var/media
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo --password "$PASSWORD"
# A worker with beat embedded, on the filesystem broker; stopped when this script stops.
.venv/bin/celery -A microloan worker -B --loglevel=INFO --concurrency=2 >var/celery.log 2>&1 &
CELERY_PID=$!
trap 'kill $CELERY_PID 2>/dev/null || true' EXIT
cat <<MSG

  Microloan is running at http://127.0.0.1:${PORT}/   (API docs: /api/docs/)
  Logins, all with password "${PASSWORD}":
    officer, reviewer, manager (approves up to 50,000), collector, auditor, admin
    borrower  (the mobile app's demo borrower: POST /api/v1/auth/token/)
  manager and admin also need an authenticator code after the password (two-factor):
    add the secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ to an authenticator app, or print
    the current code with: .venv/bin/python manage.py demo_totp manager
  Celery worker + beat log: var/celery.log     Stop with Ctrl-C.

MSG
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
