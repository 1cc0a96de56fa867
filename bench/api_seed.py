"""Seeds the API benchmark's database (bench/api.sh): the demo data, then six loans for the
mobile demo login ``borrower``, disbursed 2 to 11 months before ``--as-of`` through the real
services, with every instalment that fell due paid on its due date except the last one of one
loan (so that loan is in arrears). Ends with the business date set to ``--as-of``.

    python bench/api_seed.py --as-of 2026-11-23 --password demo12345

The applications are investigated and decided on today's date (the services refuse a visit
more than 90 days before the application); only the contract, its signing and the payout are
back-dated to the disbursement date, which is all the schedule depends on.

The background volume (thousands of other borrowers' loans) comes from ``bench_portfolio``,
run after this by bench/api.sh.
"""

import argparse
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "microloan.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from applications import services as intake  # noqa: E402
from applications.models import Borrower, Product  # noqa: E402
from microloan import scenarios  # noqa: E402
from microloan.business_date import business_date_set  # noqa: E402
from microloan.management.commands.seed_demo import Command as SeedDemo  # noqa: E402
from microloan.models import User  # noqa: E402
from servicing import selectors  # noqa: E402
from servicing import services as sv  # noqa: E402
from servicing.disbursement import disbursement_prepare, disbursement_release  # noqa: E402
from servicing.repayments import repayment_post  # noqa: E402

# (product code, amount, term, method, disbursed this many months before --as-of)
LOANS = [
    ("XD-CONS", "12000.00", 12, "annuity", 11),
    ("XD-BIZ", "30000.00", 24, "equal_principal", 9),
    ("XD-AGRI", "20000.00", 12, "annuity", 7),
    ("XD-CONS", "6000.00", 6, "flat", 5),
    ("XD-AGRI", "10000.00", 6, "interest_only", 4),  # the one in arrears
    ("XD-BIZ", "20000.00", 12, "annuity", 2),
]
IN_ARREARS = 4


def months_before(day: date, months: int) -> date:
    m = day.year * 12 + day.month - 1 - months
    return date(m // 12, m % 12 + 1, min(day.day, 28))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    business_date_set(value=None)  # today, for the demo data and the underwriting steps
    call_command("seed_demo", password=args.password, force=True, stdout=open(os.devnull, "w"))
    users = {u.username: u for u in User.objects.filter(username__in=["officer", "reviewer", "manager", "supervisor"])}
    borrower = Borrower.objects.get(user__username="borrower")
    products = {p.code: p for p in Product.objects.all()}
    walker = SeedDemo()
    loans = []
    for n, (code, amount, term, method, months) in enumerate(LOANS):
        business_date_set(value=None)
        app = intake.application_create(
            actor=users["officer"],
            borrower=borrower,
            product=products[code],
            amount=Decimal(amount),
            term=term,
            method=method,
            purpose=f"[apibench-{n}] 经营周转 / working capital",
        )
        walker._walk(app, "approved", users)
        on = months_before(args.as_of, months)
        business_date_set(value=on)
        sv.contract_generate(actor=users["officer"], application=app)
        sv.contract_sign(actor=users["officer"], application=app)
        prepared = disbursement_prepare(
            actor=users["officer"],
            application=app,
            disbursed_on=on,
            channel="bank_transfer",
            reference=f"APIBENCH-{n}",
            beneficiary_account=scenarios.DEMO_ACCOUNT,
        )
        loans.append(disbursement_release(actor=users["supervisor"], disbursement=prepared))

    business_date_set(value=args.as_of)
    paid = 0
    for n, loan in enumerate(loans):
        due = [i for i in selectors.current_installments(loan) if i.due_date < args.as_of]
        if n == IN_ARREARS:
            due = due[:-1]
        for i in due:
            repayment_post(
                actor=users["officer"],
                loan=loan,
                amount=i.principal_due + i.interest_due + i.fee_due,
                paid_on=i.due_date,
                channel="transfer",
                reference=f"APIBENCH-{loan.pk}-{i.number}",
            )
            paid += 1
    print(
        f"Seeded {len(loans)} loans for 'borrower' (ids {loans[0].pk}-{loans[-1].pk}), {paid} repayments; "
        f"business date {args.as_of}."
    )


if __name__ == "__main__":
    main()
