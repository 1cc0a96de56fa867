"""``python manage.py bench_portfolio --loans 100000``: a synthetic portfolio for timing the
daily close, written with set-based INSERT ... SELECT generate_series (PostgreSQL only).

One branch, officer and product (through the ORM); then per loan a borrower, a disbursed
application, a signed contract, the loan and 12 monthly instalments. Loans are disbursed over
the year before ``--as-of``, so each has 0 to 11 instalments due; the ones due are paid except
for about ``--arrears`` of the loans, whose last 1 to 11 due instalments are unpaid (days past
due from 1 to about 330, every bucket and class). The book is as a close of the day before
``--as-of`` would leave it: statuses current, loan figures not yet computed, no provisions.

Columns are filled from the models: fields the portfolio does not set take their model
default, so a field added later with a default needs no change here.
"""

import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from applications.models import Application, Borrower, Product
from microloan.business_date import business_date_set
from microloan.models import Branch, Role, User
from servicing.models import Contract, Installment, Loan

TERM = 12


def _bulk_insert(cur, model, *, source: str, exprs: dict[str, str], params: dict) -> int:
    """INSERT INTO model's table SELECT ... FROM ``source``: each column from ``exprs`` (SQL over
    the source's columns), else the field's default, else NULL."""
    cols, values = [], []
    now_fields = {"created_at", "updated_at", "generated_at", "posted_at"}
    for f in model._meta.concrete_fields:
        if f.primary_key and f.get_internal_type() in ("AutoField", "BigAutoField") and f.attname not in exprs:
            continue  # the sequence numbers it
        cols.append(connection.ops.quote_name(f.column))
        if f.attname in exprs:
            values.append(exprs[f.attname])
        elif f.name in exprs:
            values.append(exprs[f.name])
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) or f.name in now_fields:
            values.append("now()")
        elif f.has_default():
            key = f"default_{f.attname}"
            params[key] = f.get_db_prep_save(f.get_default(), connection)
            values.append(f"%({key})s")
        elif f.null:
            values.append("NULL")
        else:
            raise CommandError(f"{model.__name__}.{f.name}: no value and no default; the benchmark needs updating.")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(values)} FROM {source}"
    cur.execute(sql, params)
    return cur.rowcount


def _reset_sequence(cur, model) -> None:
    table = model._meta.db_table
    cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


class Command(BaseCommand):
    help = "Builds a synthetic portfolio for the daily-close benchmark (PostgreSQL; a dedicated database)."

    def add_arguments(self, parser):
        parser.add_argument("--loans", type=int, default=10000)
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=date(2026, 12, 1),
            help="The first business date to close; the business date is set to it.",
        )
        parser.add_argument("--arrears", type=float, default=0.2, help="Share of loans in arrears.")
        parser.add_argument(
            "--force", action="store_true", help="Run on a database whose name does not contain 'bench'."
        )

    def handle(self, *args, loans: int, as_of: date, arrears: float, force: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_portfolio needs PostgreSQL (it writes with generate_series).")
        name = settings.DATABASES["default"]["NAME"]
        if "bench" not in name and not force:
            raise CommandError(f"Database {name!r} does not look like a benchmark database; use --force.")
        if loans < 1:
            raise CommandError("--loans must be positive.")
        started = time.perf_counter()
        with transaction.atomic():
            branch, _created = Branch.objects.get_or_create(code="BENCH", defaults={"name": "Benchmark branch"})
            officer, _created = User.objects.get_or_create(
                username="bench_officer", defaults={"role": Role.OFFICER, "branch": branch}
            )
            product, _created = Product.objects.get_or_create(
                code="BENCH",
                defaults=dict(
                    name="Benchmark product",
                    category="consumer_branch",
                    min_amount="1000.00",
                    max_amount="50000.00",
                    min_term=3,
                    max_term=24,
                    min_rate="0.05",
                    max_rate="0.24",
                    methods=["equal_principal"],
                    frequencies=["monthly"],
                    required_documents=[],
                    grace_days=3,
                ),
            )
            with connection.cursor() as cur:
                self._build(
                    cur, loans=loans, as_of=as_of, arrears=arrears, branch=branch, officer=officer, product=product
                )
        business_date_set(value=as_of)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE status <> 'paid' AND due_date < %s) "
                "FROM servicing_installment",
                [as_of],
            )
            total, overdue = cur.fetchone()
            cur.execute(
                "SELECT COUNT(DISTINCT loan_id) FROM servicing_installment WHERE status <> 'paid' AND due_date < %s",
                [as_of],
            )
            in_arrears = cur.fetchone()[0]
        self.stdout.write(
            f"Portfolio: {loans} loans, {total} instalments ({overdue} overdue on {in_arrears} loans "
            f"in arrears), business date {as_of}, built in {time.perf_counter() - started:.1f} s."
        )

    def _build(self, cur, *, loans, as_of, arrears, branch, officer, product):
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM applications_borrower")
        b0 = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM applications_application")
        a0 = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM servicing_contract")
        c0 = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(MAX(id), 0) FROM servicing_loan")
        l0 = cur.fetchone()[0]
        # Loan g: principal 1,200 × (5 + g mod 11), so each of the 12 instalments is a whole
        # 1/12; k = g mod 12 instalments fell due before as_of; a spread-out share of the loans
        # with k > 0 (chosen so that ``arrears`` of all loans are in arrears) has its last
        # 1 + (g div 7) mod k due instalments unpaid.
        per_mille = min(1000, round(1000 * arrears * 12 / 11))
        p = {
            "n": loans,
            "b0": b0,
            "a0": a0,
            "c0": c0,
            "l0": l0,
            "as_of": as_of,
            "branch": branch.pk,
            "officer": officer.pk,
            "product": product.pk,
            "per_mille": per_mille,
            "now": timezone.now(),
        }
        series = "generate_series(1, %(n)s) AS g"
        _bulk_insert(
            cur,
            Borrower,
            source=series,
            params=p,
            exprs={
                "id": "%(b0)s + g",
                "branch_id": "%(branch)s",
                "full_name": "'借款人' || g",
                "id_number": "'B' || lpad(g::text, 17, '0')",
                "date_of_birth": "DATE '1985-06-15'",
                "sex": "'M'",
                "mobile": "'139' || lpad(g::text, 8, '0')",
                "segment": "'salaried'",
                "monthly_income": "8000.00",
            },
        )
        _bulk_insert(
            cur,
            Application,
            source=series,
            params=p,
            exprs={
                "id": "%(a0)s + g",
                "branch_id": "%(branch)s",
                "borrower_id": "%(b0)s + g",
                "product_id": "%(product)s",
                "created_by_id": "%(officer)s",
                "officer_id": "%(officer)s",
                "amount": "1200.00 * (5 + g %% 11)",
                "term": str(TERM),
                "method": "'equal_principal'",
                "frequency": "'monthly'",
                "purpose": "'benchmark'",
                "status": "'disbursed'",
                "approved_amount": "1200.00 * (5 + g %% 11)",
                "approved_term": str(TERM),
                "approved_rate": "0.12",
            },
        )
        _bulk_insert(
            cur,
            Contract,
            source=series,
            params=p,
            exprs={
                "id": "%(c0)s + g",
                "application_id": "%(a0)s + g",
                "version": "1",
                "language": "'zh-hans'",
                "number": "'BENCH' || lpad(g::text, 10, '0')",
                "pdf": "''",
                "sha256": "repeat('0', 64)",
                "terms": "'{}'::jsonb",
                "generated_by_id": "%(officer)s",
                "signed_at": "%(now)s",
                "signed_by_id": "%(officer)s",
                "sign_method": "'in_person'",
            },
        )
        # Disbursed k months (and a few days) before as_of: k instalments due before it.
        disbursed = "(%(as_of)s::date - make_interval(months => g %% 12, days => 1 + g %% 27))::date"
        source = f"(SELECT g, {disbursed} AS d FROM {series}) s"
        _bulk_insert(
            cur,
            Loan,
            source=source,
            params=p,
            exprs={
                "id": "%(l0)s + g",
                "application_id": "%(a0)s + g",
                "contract_id": "%(c0)s + g",
                "borrower_id": "%(b0)s + g",
                "branch_id": "%(branch)s",
                "product_id": "%(product)s",
                "officer_id": "%(officer)s",
                "principal": "1200.00 * (5 + g %% 11)",
                "fee": "0",
                "annual_rate": "0.12",
                "penalty_rate": "0.18",
                "apr": "0.12",
                "term": str(TERM),
                "frequency": "'monthly'",
                "method": "'equal_principal'",
                "grace_days": "3",
                "disbursed_on": "d",
                "disbursed_amount": "1200.00 * (5 + g %% 11)",
                "channel": "'bank_transfer'",
                "maturity_date": f"(d + make_interval(months => {TERM}))::date",
                "status": "'active'",
                "outstanding_principal": "1200.00 * (5 + g %% 11)",
            },
        )
        # The instalments; unpaid ones of loans in arrears are the last `u` of the k due.
        rows = f"""(
            SELECT s.g, s.d, n, (s.d + make_interval(months => n))::date AS due,
                   100.00 * (5 + s.g %% 11) AS principal, 12.00 * (5 + s.g %% 11) AS interest,
                   s.g %% 12 AS k,
                   CASE WHEN (s.g::bigint * 7919) %% 1000 < %(per_mille)s AND s.g %% 12 > 0
                        THEN 1 + (s.g / 7) %% (s.g %% 12) ELSE 0 END AS u
            FROM {source}, generate_series(1, {TERM}) AS n
        ) r"""
        paid = "(r.n <= r.k - r.u)"
        _bulk_insert(
            cur,
            Installment,
            source=rows,
            params=p,
            exprs={
                "loan_id": "%(l0)s + r.g",
                "schedule_version": "1",
                "number": "r.n",
                "due_date": "r.due",
                "principal_due": "r.principal",
                "interest_due": "r.interest",
                "principal_paid": f"CASE WHEN {paid} THEN r.principal ELSE 0 END",
                "interest_paid": f"CASE WHEN {paid} THEN r.interest ELSE 0 END",
                "balance_after": f"r.principal * ({TERM} - r.n)",
                "status": f"CASE WHEN {paid} THEN 'paid' WHEN r.n <= r.k THEN 'overdue' ELSE 'due' END",
                "is_current": "true",
                "paid_on": f"CASE WHEN {paid} THEN r.due END",
            },
        )
        cur.execute(
            """
            UPDATE servicing_loan l SET outstanding_principal = l.principal - x.paid
            FROM (SELECT loan_id, SUM(principal_paid) AS paid FROM servicing_installment
                  WHERE loan_id > %(l0)s GROUP BY loan_id) x
            WHERE l.id = x.loan_id AND x.paid > 0""",
            p,
        )
        for model in (Borrower, Application, Contract, Loan):
            _reset_sequence(cur, model)
