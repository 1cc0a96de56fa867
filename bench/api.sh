#!/usr/bin/env bash
# API benchmark: the REST endpoints against a bare endpoint (GET /healthz) on the same server.
#   1. a fresh database (microloan_apibench): migrate, the demo data plus six loans with
#      repayments for the mobile login `borrower` (bench/api_seed.py), a 10,000-loan
#      background book (bench_portfolio) and the daily close of the business date;
#   2. gunicorn with the production settings (DEBUG off), 2 sync workers on 127.0.0.1, as
#      behind the TLS proxy (X-Forwarded-Proto: https);
#   3. a JWT for `borrower`, then wrk on each endpoint: requests/s, latency p50/p99, the
#      gunicorn workers' CPU time per request and the ratio to /healthz; ROUNDS rounds over
#      all endpoints, the best round of each kept (the machine may be shared);
#   4. queries and in-process time per request (bench/api_profile.py; PROFILE=<endpoint> adds
#      a cProfile of that endpoint).
# Needs PostgreSQL, curl and wrk (apt-get install -y wrk). Results: bench/API_RESULTS.md.
#
#   bench/api.sh
#   DURATION=30 ROUNDS=5 CONNECTIONS=8 bench/api.sh
#   SKIP_SEED=1 bench/api.sh               # reuse the database of the last run
#   PROFILE=schedule bench/api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-microloan_apibench}
PORT=${PORT:-8765}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-1}
CONNECTIONS=${CONNECTIONS:-8}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3}
LOANS=${LOANS:-10000}
AS_OF=${AS_OF:-$(date +%F)}
PASSWORD=demo12345
PY=${PY:-.venv/bin/python}
GUNICORN_BIN=${GUNICORN_BIN:-.venv/bin/gunicorn}
BASE="http://127.0.0.1:$PORT"
WORK=$(mktemp -d /tmp/apibench.XXXXXX)
GUNICORN=""
stop() {
  if [ -n "$GUNICORN" ]; then kill "$GUNICORN" 2>/dev/null && wait "$GUNICORN" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap stop EXIT INT TERM

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# The seed's documents and contract PDFs go to the work directory, not the tree's var/media.
export DATABASE_URL="$PG/$DB" LOG_LEVEL=WARNING CELERY_TASK_ALWAYS_EAGER=1 MEDIA_ROOT="$WORK/media"
unset REDIS_URL || true
admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "$1"; }

if [ -z "${SKIP_SEED:-}" ]; then
  echo "Building $DB ..."
  admin "DROP DATABASE IF EXISTS $DB" && admin "CREATE DATABASE $DB"
  DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 $PY manage.py migrate -v0
  # Eager Celery and the console SMS backend: the seed's notifications go to the log.
  DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 \
    $PY bench/api_seed.py --as-of "$AS_OF" --password "$PASSWORD" >"$WORK/seed.log"
  tail -1 "$WORK/seed.log"
  DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 \
    $PY manage.py bench_portfolio --loans "$LOANS" --as-of "$AS_OF" | tail -1
  DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 \
    $PY manage.py close_day --date "$AS_OF" | tail -1
  psql "$PG/$DB" -q -c "VACUUM ANALYZE"
fi

# Production settings: a real-looking secret, HTTPS assumed (the header below, as the proxy
# sends it), the quote throttle raised for this one process tree (QUOTE_THROTTLE_RATE).
# (bench/bare_settings.py: production's, plus the bare DRF endpoint of bench/bare.py.)
export DJANGO_SETTINGS_MODULE=bench.bare_settings
export SECRET_KEY="apibench-$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 56)"
export ALLOWED_HOSTS=127.0.0.1 QUOTE_THROTTLE_RATE=100000000/min
export STATIC_ROOT="$WORK/static"
mkdir -p "$STATIC_ROOT"
unset CELERY_TASK_ALWAYS_EAGER

GUNICORN_ACCESS_LOG="" $GUNICORN_BIN -c gunicorn.conf.py microloan.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --log-level warning --pid "$WORK/gunicorn.pid" >"$WORK/gunicorn.log" 2>&1 &
GUNICORN=$!

PROTO=(-H "X-Forwarded-Proto: https")
for _ in $(seq 100); do
  curl -fs "${PROTO[@]}" "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "${PROTO[@]}" "$BASE/healthz" >/dev/null || { cat "$WORK/gunicorn.log" >&2; exit 1; }

TOKEN=$(curl -fs "${PROTO[@]}" -H "Content-Type: application/json" \
  -d "{\"username\": \"borrower\", \"password\": \"$PASSWORD\"}" "$BASE/api/v1/auth/token/" |
  $PY -c "import json, sys; print(json.load(sys.stdin)['access'])")
AUTH=(-H "Authorization: Bearer $TOKEN")
LOAN=$(curl -fs "${PROTO[@]}" "${AUTH[@]}" "$BASE/api/v1/loans/" |
  $PY -c "import json, sys; r = json.load(sys.stdin)['results']; print(r[0]['id'])")
# The background book's officer (bench_portfolio: a branch of $LOANS loans), its newest loan
# and that loan's application.
OFFICER_AUTH=(-H "Authorization: Bearer $($PY bench/api_token.py bench_officer)")
OLOAN=$(curl -fs "${PROTO[@]}" "${OFFICER_AUTH[@]}" "$BASE/api/v1/loans/" |
  $PY -c "import json, sys; r = json.load(sys.stdin)['results']; print(r[0]['id'], r[0]['application'])")
read -r OLOAN OAPP <<<"$OLOAN"

# The quote the wrk script posts (bench/api_quote.lua reads it): 12 monthly annuity instalments.
export QUOTE_BODY='{"principal": "5000.00", "annual_rate": "0.1800", "term": 12, "frequency": "monthly", "method": "annuity", "disbursement_date": "2026-01-15", "fee": "0.00"}'
# name|path|extra wrk arguments
# The first is the baseline the ratios are taken to: the bare DRF endpoint (bench/bare.py), the
# officer's loan by two raw SQL statements. Each round measures every endpoint in turn, so the
# baseline is measured between the others, round after round.
ENDPOINTS=(
  "bare DRF (2 raw SQL)|/bench/bare/loans/$OLOAN/|"
  "GET /healthz|/healthz|"
  "GET /api/v1/loans/{id}/ (officer)|/api/v1/loans/$OLOAN/|officer"
  "GET /api/v1/loans/{id}/schedule/ (officer)|/api/v1/loans/$OLOAN/schedule/|officer"
  "GET /api/v1/loans/ (officer)|/api/v1/loans/|officer"
  "GET /api/v1/loans/ (borrower)|/api/v1/loans/|auth"
  "GET /api/v1/loans/{id}/ (borrower)|/api/v1/loans/$LOAN/|auth"
  "GET /api/v1/products/|/api/v1/products/|auth"
  "GET /api/v1/applications/{id}/ (officer)|/api/v1/applications/$OAPP/|officer"
  "POST /api/v1/quotes/|/api/v1/quotes/|quote"
)

# CPU seconds (user + system) the gunicorn workers have used so far: per request, this is
# the server's own cost whatever else the machine is running (PostgreSQL's is not in it).
TICK=$(getconf CLK_TCK)
worker_cpu() {
  local pids
  pids=$(pgrep -P "$GUNICORN" | tr '\n' ' ')
  # shellcheck disable=SC2086
  awk -v t="$TICK" '{s += $14 + $15} END {printf "%.3f", s / t}' $(printf '/proc/%s/stat ' $pids)
}

ms() {  # wrk's latency ("812.00us", "1.23ms", "1.02s") in milliseconds
  $PY -c "import re, sys; v, u = re.fullmatch(r'([0-9.]+)(us|ms|s)', sys.argv[1]).groups(); \
print(f'{float(v) * {\"us\": 0.001, \"ms\": 1, \"s\": 1000}[u]:.2f}')" "$1"
}

# One wrk run: prints "<req/s> <p50 ms> <p99 ms> <worker CPU ms/request> <note>".
measure() {
  local path=$1; shift
  local out cpu0 cpu1 total rps p50 p99 bad errors note=""
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$BASE$path" >/dev/null
  cpu0=$(worker_cpu)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$BASE$path")
  cpu1=$(worker_cpu)
  total=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out")
  errors=$(awk '/Socket errors:/ {sub(/.*Socket errors: /, ""); print}' <<<"$out")
  [ -n "$bad" ] && note="$bad non-2xx"
  [ -n "$errors" ] && note="$note socket errors: $errors"
  echo "$rps $p50 $p99 $(awk -v a="$cpu0" -v b="$cpu1" -v n="$total" 'BEGIN {printf "%.2f", (b - a) * 1000 / n}') $note"
}

echo
echo "gunicorn: $WORKERS sync workers; wrk: $THREADS thread(s), $CONNECTIONS connections, ${DURATION}s per run" \
  "after ${WARMUP}s of warm-up, best of $ROUNDS rounds; borrower's loan $LOAN; load average $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A best
for round in $(seq "$ROUNDS"); do
  for e in "${ENDPOINTS[@]}"; do
    IFS='|' read -r name path kind <<<"$e"
    args=("${PROTO[@]}")
    case $kind in
      auth) args+=("${AUTH[@]}") ;;
      officer) args+=("${OFFICER_AUTH[@]}") ;;
      quote) args+=(-s bench/api_quote.lua) ;;
    esac
    # Each endpoint answers 200 before it is measured.
    if [ "$kind" = quote ]; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "${PROTO[@]}" -H "Content-Type: application/json" \
        -d "$QUOTE_BODY" "$BASE$path")
    else
      code=$(curl -s -o /dev/null -w '%{http_code}' "${args[@]}" "$BASE$path")
    fi
    [ "$code" = 200 ] || { echo "$name answered HTTP $code" >&2; exit 1; }
    result=$(measure "$path" "${args[@]}")
    read -r rps p50 p99 cpu note <<<"$result"
    [ "$name" = "${ENDPOINTS[0]%%|*}" ] && round_base=$rps
    printf 'round %s  %-44s %5s req/s (%s x bare)  p50 %6s ms  p99 %6s ms  worker CPU %5s ms/request %s\n' \
      "$round" "$name" "$rps" "$(awk -v a="$rps" -v b="$round_base" 'BEGIN {printf "%.2f", a / b}')" \
      "$p50" "$p99" "$cpu" "$note"
    if [ -z "${best[$name]:-}" ] || [ "${result%% *}" -gt "${best[$name]%% *}" ]; then
      best[$name]=$result
    fi
  done
done

echo
echo "Best of $ROUNDS rounds (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
echo
echo "| endpoint | requests/s | p50 ms | p99 ms | worker CPU ms/request | × bare DRF (req/s) |"
echo "|---|---:|---:|---:|---:|---:|"
base_rps=${best["${ENDPOINTS[0]%%|*}"]%% *}
for e in "${ENDPOINTS[@]}"; do
  name=${e%%|*}
  read -r rps p50 p99 cpu note <<<"${best[$name]}"
  printf '| %s | %s | %s | %s | %s | %s |%s\n' "$name" "$rps" "$p50" "$p99" "$cpu" \
    "$(awk -v a="$rps" -v b="$base_rps" 'BEGIN {printf "%.2f", a / b}')" "${note:+ $note}"
done

echo
echo "In-process (the WSGI application called directly, one process, no HTTP): SQL statements and mean time per request:"
[ -n "${SKIP_PROFILE:-}" ] || $PY bench/api_profile.py --password "$PASSWORD" ${PROFILE:+--profile "$PROFILE"}
