#!/usr/bin/env bash
# make fuzz: the API under hostile input, as issue #11 asks. Installs .venv-fuzz
# (requirements-fuzz.txt, hashed), starts the product under gunicorn with
# microloan.settings.fuzz on a fresh PostgreSQL database seeded with the demo data, logs in
# as officer, manager (password and TOTP code) and borrower, then runs
#   pass 1  scripts/fuzz.py: every operation of /api/schema/, every body field and query
#           parameter, given hostile values (1000-deep JSON, NUL, a lone surrogate, huge
#           numbers, full-width and Arabic digits, long strings, wrong types), with each
#           login and anonymously;
#   pass 2  schemathesis over the whole schema, once per login, fixed seed;
# and fails when any response is a server error (5xx). The server is stopped at the end.
#
# Environment: FUZZ_DATABASE_URL (dropped and recreated: default microloan_fuzz on the local
# PostgreSQL), FUZZ_PORT (8765), FUZZ_MAX_EXAMPLES (schemathesis' examples per operation and
# phase), FUZZ_SEED, FUZZ_PASSES ("hostile schemathesis").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${FUZZ_VENV:-.venv-fuzz}
PORT=${FUZZ_PORT:-8765}
export FUZZ_DATABASE_URL=${FUZZ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/microloan_fuzz}
MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-15}
SEED=${FUZZ_SEED:-20261203}
PASSES=${FUZZ_PASSES:-hostile schemathesis}
PASSWORD=fuzz-demo-12345
OUT=var/fuzz
BASE=http://127.0.0.1:${PORT}
START=$(date +%s)

mkdir -p "$OUT"
if [ ! -f "$VENV/.deps" ] || [ requirements-fuzz.txt -nt "$VENV/.deps" ]; then
    [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes -r requirements-fuzz.txt \
        >"$OUT/pip.log" 2>&1 || { cat "$OUT/pip.log"; exit 1; }
    touch "$VENV/.deps"
fi
export DJANGO_SETTINGS_MODULE=microloan.settings.fuzz
export PYTHONUNBUFFERED=1
unset DATABASE_URL REDIS_URL || true

echo "== database: fresh, migrated, seeded"
"$VENV/bin/python" scripts/fuzz.py recreate-database
"$VENV/bin/python" manage.py migrate --noinput -v 0
"$VENV/bin/python" manage.py seed_demo --force --password "$PASSWORD" >"$OUT/seed.log"

echo "== server: gunicorn on $BASE (1 worker)"
GUNICORN_ACCESS_LOG="" "$VENV/bin/gunicorn" -c gunicorn.conf.py --bind "127.0.0.1:${PORT}" --workers 1 \
    --timeout 60 --no-control-socket --error-logfile "$OUT/gunicorn.log" --capture-output microloan.wsgi:application &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/gunicorn.log"; exit 1; }
    sleep 0.5
done

echo "== logins: officer, manager (with the TOTP code), borrower"
MANAGER_OTP=$("$VENV/bin/python" manage.py demo_totp manager --force)
"$VENV/bin/python" scripts/fuzz.py tokens --base "$BASE" --password "$PASSWORD" --otp "$MANAGER_OTP" \
    --out "$OUT/tokens.json"

STATUS=0
for pass in $PASSES; do
    case $pass in
    hostile)
        echo "== pass 1: hand-written hostile values"
        "$VENV/bin/python" scripts/fuzz.py hostile --base "$BASE" --tokens "$OUT/tokens.json" \
            --summary "$OUT/hostile.json" || STATUS=1
        ;;
    schemathesis)
        for login in officer manager borrower; do
            echo "== pass 2: schemathesis as $login"
            TOKEN=$("$VENV/bin/python" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" \
                "$OUT/tokens.json" "$login")
            "$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml run "$BASE/api/schema/" \
                --url "$BASE" \
                --header "Authorization: Bearer $TOKEN" \
                --seed "$SEED" --max-examples "$MAX_EXAMPLES" --workers 1 \
                --report junit --report-dir "$OUT/schemathesis-$login" \
                --no-color >"$OUT/schemathesis-$login.log" 2>&1 || STATUS=1
            tail -n 25 "$OUT/schemathesis-$login.log"
        done
        ;;
    *) echo "unknown pass: $pass" >&2; exit 2 ;;
    esac
done

if grep -q "Internal Server Error\|Traceback" "$OUT/gunicorn.log"; then
    echo "!! the server logged errors: $OUT/gunicorn.log"
    STATUS=1
fi
echo "== done in $(( $(date +%s) - START )) s; logs in $OUT/ (exit $STATUS)"
exit $STATUS
