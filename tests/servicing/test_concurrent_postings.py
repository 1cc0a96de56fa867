"""Twenty postings at once on one loan, through the API, each request with a key of its own:
they queue on the loan's row lock (servicing.repayments.posting), and afterwards every balance
and the ledger are exact, as bench/check_books.py checks them after the write load test
(bench/write_load.sh). Real PostgreSQL connections, one per thread; no timing."""

import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.db.models import F, Sum

from microloan.business_date import business_date_set
from microloan.ledger import Acct, JournalLine, assert_ledger_balanced
from servicing.models import Installment, Repayment, RepaymentAllocation

from .test_repayments import DUE1, pay

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal
N = 20


@pytest.fixture
def due_loan(loan):
    business_date_set(value=DUE1)
    return loan


def test_20_concurrent_postings_across_instalments_keep_every_balance_and_the_ledger_exact(officer, due_loan):
    loan = due_loan
    principal_before = loan.outstanding_principal
    barrier, responses, errors = threading.Barrier(N), [], []

    def post(i):
        try:
            barrier.wait()
            responses.append(pay(officer, loan, "450.00", HTTP_IDEMPOTENCY_KEY=f"load-{i}"))
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    # every request posted once
    assert not errors, errors
    assert sorted(r.status_code for r in responses) == [201] * N, [r.content for r in responses if r.status_code != 201]
    posted = Repayment.objects.filter(loan=loan)
    assert posted.count() == N and len(set(posted.values_list("receipt_number", flat=True))) == N
    # 9,000.00 in all, each repayment's parts adding up to it
    alloc = RepaymentAllocation.objects.filter(repayment__loan=loan)
    parts = alloc.aggregate(
        total=Sum(F("penalty") + F("fee") + F("interest") + F("principal")), principal=Sum("principal")
    )
    unapplied = posted.aggregate(u=Sum("unapplied"))["u"]
    assert parts["total"] + unapplied == D("450.00") * N
    for r in posted.prefetch_related("allocations"):
        assert sum((a.total for a in r.allocations.all()), start=r.unapplied) == r.amount
    # the loan's principal is its schedule's, and the books' (1131, this loan's lines)
    loan.refresh_from_db()
    paid = Installment.objects.filter(loan=loan, is_current=True).aggregate(p=Sum("principal_paid"))["p"]
    assert loan.outstanding_principal == principal_before - parts["principal"] == loan.principal - paid
    books = JournalLine.objects.filter(loan_id=loan.pk, account__code=Acct.LOAN_PRINCIPAL).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    assert books["d"] - books["c"] == loan.outstanding_principal
    # the postings were applied in turn: instalment 1 (due) paid; the rest paid ahead goes to the
    # next instalments' principal, their interest not yet earned staying owed (fair early
    # repayment, servicing/earned.py), so none of them is paid in full
    statuses = list(
        Installment.objects.filter(loan=loan, is_current=True).order_by("number").values_list("status", flat=True)
    )
    assert statuses[0] == "paid" and "paid" not in statuses[1:] and "partially_paid" in statuses[1:]
    assert_ledger_balanced()
