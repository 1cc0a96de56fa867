"""After a load test: every balance and the ledger exact. Exit 1 with the differences if not.

    DATABASE_URL=... python bench/check_books.py --since-repayment 0 --results /tmp/write-load.jsonl \
        --amount 100.00

Checks, on the repayments posted after ``--since-repayment`` (an id) and their loans:

1. the ledger balances (every entry, in total and per branch: microloan.ledger);
2. each repayment's allocations plus its unapplied credit add up to its amount;
3. each loan's outstanding principal is its principal less the principal paid on its current
   schedule (the instalments), and the principal its repayments allocated is what their journal
   entries credited to the loan's principal account (1131);
4. one posted repayment per request the server answered 201, for the amount sent, on the loan
   it was sent to, and none for the requests it refused.
All set-based (a handful of GROUP BY queries), whatever the number of loans.
"""

import argparse
import json
import os
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.local")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from microloan.ledger import Acct, assert_ledger_balanced  # noqa: E402


def rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--since-repayment", type=int, default=0)
    ap.add_argument("--results", help="write_load.py's output: the requests and their statuses")
    ap.add_argument("--amount", default="100.00")
    args = ap.parse_args()
    since = args.since_repayment
    problems: list[str] = []
    try:
        assert_ledger_balanced()
    except AssertionError as exc:
        problems.append(str(exc))
    bad_alloc = rows(
        """SELECT r.id, r.amount, r.unapplied, COALESCE(SUM(a.penalty + a.fee + a.interest + a.principal), 0)
           FROM servicing_repayment r LEFT JOIN servicing_repaymentallocation a ON a.repayment_id = r.id
           WHERE r.id > %s AND r.status = 'posted'
           GROUP BY r.id HAVING r.amount <> r.unapplied + COALESCE(SUM(a.penalty + a.fee + a.interest + a.principal), 0)
           LIMIT 20""",
        [since],
    )
    problems += [f"repayment {r[0]}: amount {r[1]} <> unapplied {r[2]} + allocated {r[3]}" for r in bad_alloc]
    loans = "SELECT DISTINCT loan_id FROM servicing_repayment WHERE id > %s"
    bad_principal = rows(
        f"""SELECT l.id, l.principal, l.outstanding_principal, SUM(i.principal_paid)
            FROM servicing_loan l JOIN servicing_installment i ON i.loan_id = l.id AND i.is_current
            WHERE l.id IN ({loans})
            GROUP BY l.id HAVING l.outstanding_principal <> l.principal - SUM(i.principal_paid) LIMIT 20""",
        [since],
    )
    problems += [f"loan {r[0]}: outstanding {r[2]} <> principal {r[1]} - paid {r[3]}" for r in bad_principal]
    bad_ledger = rows(
        f"""WITH alloc AS (
                SELECT r.loan_id, SUM(a.principal) AS p FROM servicing_repayment r
                JOIN servicing_repaymentallocation a ON a.repayment_id = r.id
                WHERE r.loan_id IN ({loans}) AND r.status = 'posted' GROUP BY r.loan_id),
            books AS (
                SELECT jl.loan_id, SUM(jl.credit) - SUM(jl.debit) AS p FROM microloan_journalline jl
                JOIN microloan_account ac ON ac.id = jl.account_id AND ac.code = %s
                WHERE jl.loan_id IN ({loans}) GROUP BY jl.loan_id)
            SELECT alloc.loan_id, alloc.p, COALESCE(books.p, 0) FROM alloc LEFT JOIN books USING (loan_id)
            WHERE alloc.p <> COALESCE(books.p, 0) LIMIT 20""",
        [since, Acct.LOAN_PRINCIPAL, since],
    )
    problems += [f"loan {r[0]}: allocated principal {r[1]} <> credited to 1131 {r[2]}" for r in bad_ledger]
    posted = rows(
        "SELECT loan_id, amount FROM servicing_repayment WHERE id > %s AND status = 'posted'",
        [since],
    )
    summary = {"repayments": len(posted), "loans": len({p[0] for p in posted})}
    if args.results:
        sent = [json.loads(line) for line in Path(args.results).read_text().splitlines()]
        created = Counter(r["loan"] for r in sent if r["status"] == 201)
        have = Counter(p[0] for p in posted)
        if created != have:
            diff = (created - have) + (have - created)
            problems.append(f"{sum(diff.values())} repayments differ from the 201s, e.g. loans {sorted(diff)[:10]}")
        wrong = [p for p in posted if p[1] != Decimal(args.amount)]
        problems += [f"loan {p[0]}: a repayment of {p[1]}, not {args.amount}" for p in wrong[:20]]
        summary["answered_201"] = sum(created.values())
    print(json.dumps({**summary, "problems": problems}, indent=1, default=str))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
