#!/usr/bin/env bash
# Benchmark of the daily close on PostgreSQL: for each portfolio size (default 10,000 and
# 100,000 loans) build a synthetic book in a fresh database, then time
#   1. the first close (every loan gets its first provision),
#   2. the hand-written SQL baseline (bench/baseline.sql, rolled back) for the next day (with
#      the day's interest accrual, like the close),
#   3. the next day's close (the steady state),
#   4. the same day again (idempotent: nothing to do),
#   5. the day after with two workers (threads, one connection each),
# all with the escalation hook switched off (bench/close_without_escalation.py), so the
# numbers are the close's own; then, with the hook as wired now (collection.services.escalation),
#   6. the first day with escalation (a case opened for every loan in arrears) and
#   7. the day after (the steady state, whole close).
# Peak memory is the close process's maximum resident set size (/usr/bin/time -v).
#
#   bench/run.sh                       # 10k and 100k
#   SIZES="1000 10000" bench/run.sh
#   BENCH_PG=postgres://user@host:5432 BENCH_DB=microloan_bench bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-microloan_bench}
SIZES=${SIZES:-"10000 100000"}
D1=${BENCH_DATE:-2026-12-01}
PY=.venv/bin/python
D2=$($PY -c "import datetime as d; print(d.date.fromisoformat('$D1') + d.timedelta(days=1))")
D3=$($PY -c "import datetime as d; print(d.date.fromisoformat('$D1') + d.timedelta(days=2))")
D4=$($PY -c "import datetime as d; print(d.date.fromisoformat('$D1') + d.timedelta(days=3))")
D5=$($PY -c "import datetime as d; print(d.date.fromisoformat('$D1') + d.timedelta(days=4))")

export DJANGO_SETTINGS_MODULE=microloan.settings.local DEBUG=0 LOG_LEVEL=WARNING
unset REDIS_URL || true
admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -q -c "$1"; }
sql() { psql "$PG/$DB" -v ON_ERROR_STOP=1 -q "$@"; }
now() { date +%s.%N; }
since() { $PY -c "print(f'{$(now) - $1:.2f}')"; }

TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -f "%e %M" -o /tmp/close-bench-time); fi
# Runs close_day (HOOK=off: without the escalation hook); prints "<close seconds> <wall
# seconds> <peak RSS MB>" and keeps its output.
close() {
  local log=$1; shift
  if [ "${HOOK:-on}" = off ]; then
    "${TIME[@]}" $PY bench/close_without_escalation.py "$@" >"$log"
  else
    "${TIME[@]}" $PY manage.py close_day "$@" >"$log"
  fi
  local secs
  secs=$(grep -E '^(Closed|.* is closed already)' "$log" | tail -1 | sed -nE 's/.*, ([0-9.]+) s$/\1/p')
  if [ -f /tmp/close-bench-time ] && [ ${#TIME[@]} -gt 0 ]; then
    read -r wall rss </tmp/close-bench-time
    echo "${secs:-0} $wall $((rss / 1024))"
  else
    echo "${secs:-0} - -"
  fi
}

echo "Migrating the template database ${DB}_template ..."
admin "DROP DATABASE IF EXISTS ${DB}" && admin "DROP DATABASE IF EXISTS ${DB}_template"
admin "CREATE DATABASE ${DB}_template"
DATABASE_URL="$PG/${DB}_template" $PY manage.py migrate -v0

rows=()
for n in $SIZES; do
  echo
  echo "== $n loans"
  admin "DROP DATABASE IF EXISTS ${DB}" && admin "CREATE DATABASE ${DB} TEMPLATE ${DB}_template"
  export DATABASE_URL="$PG/$DB"
  t=$(now); $PY manage.py bench_portfolio --loans "$n" --as-of "$D1"; build=$(since "$t")
  sql -c "VACUUM ANALYZE"

  export HOOK=off
  read -r first first_wall first_rss < <(close /tmp/close-bench-1.log --date "$D1")
  tail -1 /tmp/close-bench-1.log
  # Between two nightly closes autovacuum has had a day; here it gets a VACUUM.
  sql -c "VACUUM ANALYZE"

  t=$(now); sql -v d="$D2" -f bench/baseline.sql >/dev/null; baseline=$(since "$t")
  echo "baseline SQL for $D2: $baseline s"

  read -r next next_wall next_rss < <(close /tmp/close-bench-2.log --date "$D2" --advance-business-date)
  tail -1 /tmp/close-bench-2.log
  read -r again again_wall again_rss < <(close /tmp/close-bench-3.log --date "$D2")
  tail -1 /tmp/close-bench-3.log
  sql -c "VACUUM ANALYZE"
  read -r par par_wall par_rss < <(close /tmp/close-bench-4.log --date "$D3" --advance-business-date --workers 2)
  tail -1 /tmp/close-bench-4.log
  sql -c "VACUUM ANALYZE"
  export HOOK=on
  read -r esc1 esc1_wall esc1_rss < <(close /tmp/close-bench-5.log --date "$D4" --advance-business-date)
  tail -1 /tmp/close-bench-5.log
  sql -c "VACUUM ANALYZE"
  read -r esc2 esc2_wall esc2_rss < <(close /tmp/close-bench-6.log --date "$D5" --advance-business-date)
  tail -1 /tmp/close-bench-6.log
  rows+=("| $n | $build | $first | $baseline | $next | $again | $par | $esc1 | $esc2 | $first_rss / $next_rss / $esc2_rss |")
done

echo
echo "| loans | build (s) | first close (s) | SQL baseline (s) | next day (s) | same day again (s) | next day, 2 workers (s) | with escalation: first day (s) | with escalation: next day (s) | peak RSS MB (first / next / with escalation) |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Close times are the close's own (the command's summary); process start-up (~1.5 s of Django) is not in them."
