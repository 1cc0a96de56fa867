#!/usr/bin/env bash
# Trial balance over a big journal: read from every line vs from the day totals the roll-up
# keeps. Builds a throwaway database (microloan_tb_bench) with LINES journal lines spread over
# a year, then times trial_balance() before and after ledger_rollup().
#   bench/trial_balance.sh              # 4,000,000 lines
#   LINES=400000 bench/trial_balance.sh
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${LINES:-4000000}
DB=microloan_tb_bench
export DJANGO_SETTINGS_MODULE=microloan.settings.test
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py ledger_accounts >/dev/null
.venv/bin/python manage.py shell -v0 -c "
import time
from django.db import connection
from microloan.ledger import ledger_rollup, trial_balance, Account

entries = $LINES // 2
with connection.cursor() as c:
    t = time.perf_counter()
    # entries over 365 days: Dr 1131 principal / Cr 1001 cash, amounts 100.00 .. 9,999.99
    c.execute('''INSERT INTO microloan_journalentry (posted_at, business_date, kind, memo, reference)
                 SELECT now(), DATE '2026-01-01' + (g %% 365), 'adjustment', '', ''
                 FROM generate_series(1, %s) g''', [entries])
    c.execute('''INSERT INTO microloan_journalline (entry_id, account_id, debit, credit, loan_id)
                 SELECT e.id, a.id, CASE WHEN a.code = '1131' THEN 100 + (e.id %% 990000) / 100.0 ELSE 0 END,
                        CASE WHEN a.code = '1001' THEN 100 + (e.id %% 990000) / 100.0 ELSE 0 END, e.id %% 100000
                 FROM microloan_journalentry e
                 JOIN microloan_account a ON a.code IN ('1131', '1001')''', [])
    c.execute('ANALYZE')
    print(f'built {2 * entries:,} lines in {time.perf_counter() - t:.1f} s')

def timed(label, fn, n=3):
    best = None
    for _ in range(n):
        t = time.perf_counter(); out = fn(); d = time.perf_counter() - t
        best = d if best is None else min(best, d)
    print(f'{label}: {best * 1000:.1f} ms (best of {n})')
    return out

before = timed('trial balance, every line (no roll-up yet)', trial_balance)
t = time.perf_counter(); n = ledger_rollup(); print(f'first roll-up of {n:,} line ids: {time.perf_counter() - t:.1f} s')
after = timed('trial balance, day totals', trial_balance)
assert before == after and after['balanced'], 'the roll-up changed the trial balance'
with connection.cursor() as c:
    c.execute('''INSERT INTO microloan_journalentry (posted_at, business_date, kind, memo, reference)
                 SELECT now(), DATE '2027-01-01', 'adjustment', '', '' FROM generate_series(1, 20000)''')
    c.execute('''INSERT INTO microloan_journalline (entry_id, account_id, debit, credit, loan_id)
                 SELECT e.id, a.id, CASE WHEN a.code = '1131' THEN 1 ELSE 0 END, CASE WHEN a.code = '1001' THEN 1 ELSE 0 END, NULL
                 FROM microloan_journalentry e JOIN microloan_account a ON a.code IN ('1131', '1001')
                 WHERE e.business_date = DATE '2027-01-01' ''')
timed('trial balance, day totals + 40,000 lines after the watermark', trial_balance)
t = time.perf_counter(); n = ledger_rollup(); print(f'roll-up of one day (40,000 lines): {(time.perf_counter() - t) * 1000:.0f} ms')
timed('trial balance, as of 2026-06-30, day totals', lambda: trial_balance(as_of=__import__('datetime').date(2026, 6, 30)))
"
[ -n "${KEEP:-}" ] || psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB"
