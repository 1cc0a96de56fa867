#!/usr/bin/env bash
# Write load: RATE repayments a second on distinct loans for DURATION seconds through the API,
# then every balance and the ledger checked (bench/check_books.py).
#   1. a fresh database (microloan_writebench): migrate, a LOANS-loan book (bench_portfolio)
#      and its first close;
#   2. gunicorn with the production settings, WORKERS sync workers on 127.0.0.1 (as behind the
#      TLS proxy: X-Forwarded-Proto: https);
#   3. a JWT for the book's loan officer, then bench/write_load.py (open loop);
#   4. bench/check_books.py on the repayments the run posted.
# Results: bench/WRITE_RESULTS.md.
#
#   bench/write_load.sh
#   RATE=50 DURATION=30 bench/write_load.sh
#   SKIP_SEED=1 bench/write_load.sh      # reuse the database (the next loans get the load)
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-microloan_writebench}
PORT=${PORT:-8766}
WORKERS=${WORKERS:-2}
RATE=${RATE:-100}
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-32}
LOANS=${LOANS:-20000}
AS_OF=${AS_OF:-2026-12-01}
PY=${PY:-.venv/bin/python}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d /tmp/writebench.XXXXXX)
GUNICORN=""
stop() {
  if [ -n "$GUNICORN" ]; then kill "$GUNICORN" 2>/dev/null && wait "$GUNICORN" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop EXIT INT TERM

export DATABASE_URL="$PG/$DB" LOG_LEVEL=WARNING MEDIA_ROOT="$WORK/media"
unset REDIS_URL || true
admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "$1"; }
sql() { psql "$PG/$DB" -v ON_ERROR_STOP=1 -qAt -c "$1"; }
local_py() { DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 $PY "$@"; }

if [ -z "${SKIP_SEED:-}" ]; then
  echo "Building $DB ($LOANS loans) ..."
  admin "DROP DATABASE IF EXISTS $DB" && admin "CREATE DATABASE $DB"
  local_py manage.py migrate -v0
  local_py manage.py bench_portfolio --loans "$LOANS" --as-of "$AS_OF" --force | tail -1
  local_py bench/close_without_escalation.py --date "$AS_OF" | tail -1
  sql "VACUUM ANALYZE"
fi
PASSWORD=load-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
local_py manage.py shell -c "
from microloan.models import User
u = User.objects.get(username='bench_officer'); u.set_password('$PASSWORD'); u.save()"
# The loans this run posts on: the next RATE x DURATION loans with no repayment yet.
SINCE=$(sql "SELECT COALESCE(MAX(id), 0) FROM servicing_repayment")
FIRST=$(sql "SELECT COALESCE(MAX(loan_id), (SELECT MIN(id) - 1 FROM servicing_loan)) + 1 FROM servicing_repayment")
NEED=$($PY -c "print(int($RATE * $DURATION))")
HAVE=$(sql "SELECT COUNT(*) FROM servicing_loan WHERE id >= $FIRST")
[ "$HAVE" -ge "$NEED" ] || { echo "only $HAVE loans left from $FIRST, $NEED needed: LOANS=... without SKIP_SEED" >&2; exit 1; }

export DJANGO_SETTINGS_MODULE=microloan.settings.production
export SECRET_KEY="writebench-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 56)"
export ALLOWED_HOSTS=127.0.0.1 STATIC_ROOT="$WORK/static"
mkdir -p "$STATIC_ROOT"
GUNICORN_ACCESS_LOG="" "$(dirname "$PY")/gunicorn" -c gunicorn.conf.py microloan.wsgi:application --bind "127.0.0.1:$PORT" \
  --workers "$WORKERS" --backlog 2048 --log-level warning >"$WORK/gunicorn.log" 2>&1 &
GUNICORN=$!
PROTO=(-H "X-Forwarded-Proto: https")
for _ in $(seq 100); do curl -fs "${PROTO[@]}" "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fs "${PROTO[@]}" -H "Content-Type: application/json" \
  -d "{\"username\": \"bench_officer\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/auth/token/" |
  $PY -c "import json, sys; print(json.load(sys.stdin)['access'])")

echo "gunicorn: $WORKERS sync workers; $RATE repayments/s for ${DURATION}s on loans $FIRST.. ($CONNECTIONS client threads)"
CPU0=$(ps -o cputimes= --ppid "$GUNICORN" | awk '{s += $1} END {print s}')
$PY bench/write_load.py --base "$BASE" --token "$TOKEN" --first-loan "$FIRST" --rate "$RATE" \
  --duration "$DURATION" --connections "$CONNECTIONS" --paid-on "$AS_OF" --out "$WORK/results.jsonl"
CPU1=$(ps -o cputimes= --ppid "$GUNICORN" | awk '{s += $1} END {print s}')
echo "gunicorn workers' CPU: $((CPU1 - CPU0)) s for the run"
grep -h '"status": [^2]' "$WORK/results.jsonl" | head -3 || true
echo "Checking the books ..."
unset SECRET_KEY
DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 \
  $PY bench/check_books.py --since-repayment "$SINCE" --results "$WORK/results.jsonl" --amount 100.00
