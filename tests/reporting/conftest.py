"""The reports' book and decisions, shared by the selector and the page tests.

The book (``book``), closed on D = 2026-12-01, every loan 10,000.00 like the fixture loan, its
first instalment moved back so that it is the given days past due at the close:

    loan  branch  product officer   DPD  bucket   class            principal  provision
    l0    A       SV      officer_a   0  current  normal           10,000.00     100.00
    l1    A       SV      officer_a   5  1-30     special mention   9,600.00     192.00  (500 paid)
    l2    A       SV      officer_a  30  1-30     special mention  10,000.00     200.00
    l3    A       P2      officer_a  45  31-60    special mention  10,000.00     200.00
    l4    A1      P2      officer2  100  91-180   substandard      10,000.00   2,500.00
    l5    A1      SV      officer2  300  180+     doubtful         10,000.00   5,000.00
    l6    A       SV      officer_a 400  180+     loss             10,000.00  10,000.00
    lb    B       SV      officer_b  50  31-60    special mention  10,000.00     200.00

A1 is a child of A. l4 and l5 were disbursed on 11-21, the others on 11-20. A 300.00 payment
on l0 (11-28) was reversed before the close.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from collection.close import close_day
from collection.services.recoveries import recovery_confirm, recovery_record
from collection.services.writeoffs import writeoff_approve, writeoff_request
from microloan.business_date import business_date_set
from microloan.models import AuditEvent, Role
from servicing.models import Installment, Loan
from servicing.repayments import repayment_post, repayment_reverse

from ..applications.factories import ApplicationFactory, ProductFactory
from ..collection.conftest import clone_loan
from ..kernel.factories import BranchFactory, UserFactory

# The servicing fixtures the book is built from.
from ..servicing.conftest import (  # noqa: F401
    approved_app,
    approver,
    biz_date,
    loan,
    reviewer,
    supervisor,
    sv_product,
)

M = Decimal
D = date(2026, 12, 1)
D1 = date(2026, 12, 2)
SH = ZoneInfo("Asia/Shanghai")
REPORT_URLS = [
    "/reports/",
    "/reports/par/",
    "/reports/classification/",
    "/reports/flows/",
    "/reports/officers/",
    "/reports/turnaround/",
]


def overdue(loan, days: int, on: date = D) -> None:  # noqa: F811 - not the fixture
    """Moves the first instalment back so that it is ``days`` past due at the close of ``on``."""
    Installment.objects.filter(loan=loan, number=1, is_current=True).update(due_date=on - timedelta(days=days))


def close(day: date) -> None:
    business_date_set(value=day)
    close_day(business_date=day)


def pct(value) -> Decimal:
    return (value * 100).quantize(M("0.01"))


@pytest.fixture
def child_branch(branch):
    return BranchFactory(code="BR-A1", name="Branch A1", parent=branch)


@pytest.fixture
def officer2(child_branch):
    return UserFactory(username="officer_a1", role=Role.OFFICER, branch=child_branch, first_name="二", last_name="王")


@pytest.fixture
def cashier(branch):
    return UserFactory(username="cashier_a", role=Role.OFFICER, branch=branch)


@pytest.fixture
def p2(db):
    return ProductFactory(code="P2", name="经营贷", name_en="Business loan")


@pytest.fixture
def book(loan, officer, officer2, child_branch, other_branch, other_officer, approver, cashier, p2):  # noqa: F811
    l0 = loan
    l1, l2, l3, l4, l5, l6, lb = (clone_loan(loan) for _ in range(7))
    for one, days in ((l1, 5), (l2, 30), (l3, 45), (l4, 100), (l5, 300), (l6, 400), (lb, 50)):
        overdue(one, days)
    Loan.objects.filter(pk=l3.pk).update(product=p2)
    Loan.objects.filter(pk=l4.pk).update(product=p2)
    Loan.objects.filter(pk__in=[l4.pk, l5.pk]).update(
        branch=child_branch, officer=officer2, disbursed_on=date(2026, 11, 21)
    )
    Loan.objects.filter(pk=lb.pk).update(branch=other_branch, officer=other_officer)
    business_date_set(value=D)
    # 500.00 on l1's overdue instalment: 100.00 interest, then 400.00 principal.
    repayment_post(actor=cashier, loan=l1, amount=M("500.00"), paid_on=date(2026, 11, 28), channel="cash")
    wrong = repayment_post(actor=cashier, loan=l0, amount=M("300.00"), paid_on=date(2026, 11, 28), channel="cash")
    repayment_reverse(actor=approver, repayment=wrong, reason="posted to the wrong loan")
    close(D)
    return SimpleNamespace(l0=l0, l1=l1, l2=l2, l3=l3, l4=l4, l5=l5, l6=l6, lb=lb)


@pytest.fixture
def manager_b(other_branch):
    return UserFactory(username="manager_b", role=Role.MANAGER, branch=other_branch)


@pytest.fixture
def head_office(db):
    """An administrator who sees the whole book (a superuser without a branch)."""
    return UserFactory(username="head", role=Role.ADMIN, branch=None, is_superuser=True)


@pytest.fixture
def web(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def the_day_after(book, officer, approver):  # noqa: F811 - not the fixture
    """On D+1: l3's overdue instalment paid in full (0.39 penalty accrued at the close, 100.00
        interest, 788.49 principal = 888.88), l6 written off and 1,234.00 recovered on it (confirmed;
    99.00 more recorded and not yet confirmed)."""
    business_date_set(value=D1)
    repayment_post(actor=officer, loan=Loan.objects.get(pk=book.l3.pk), amount=M("888.88"), paid_on=D1, channel="cash")
    w = writeoff_request(actor=officer, loan=Loan.objects.get(pk=book.l6.pk), reason="absconded")
    writeoff_approve(actor=approver, write_off=w)
    r = recovery_record(
        actor=officer, loan=Loan.objects.get(pk=book.l6.pk), amount=M("1234.00"), received_on=D1, channel="cash"
    )
    recovery_confirm(actor=approver, recovery=r)  # confirmed by a second person: counted
    # Recorded and waiting for confirmation: not money on the books yet, counted nowhere.
    recovery_record(
        actor=officer, loan=Loan.objects.get(pk=book.l6.pk), amount=M("99.00"), received_on=D1, channel="cash"
    )


def at(day, hour):
    return datetime(2026, 10, day, hour, tzinfo=SH)


def event(app, action, when, actor=None):
    return AuditEvent.objects.create(entity="application", entity_id=app.pk, action=action, at=when, actor=actor)


@pytest.fixture
def decisions(branch, other_branch, officer, product):
    """Decisions in October, with the hours from submission to decision and in the queue:

    app  branch approver decision  turnaround  queue
    a1   A      x        approve          20h    10h
    a2   A      x        reject           74h    50h  (over the 48-hour SLA)
    a3   A      y        return            5h     4h
    a3   A      y        approve          10h     9h  (resubmitted: counted from then)
    ab   B      z        approve           3h     2h
    """
    x = UserFactory(username="approver_x", role=Role.MANAGER, branch=branch, first_name="X")
    y = UserFactory(username="approver_y", role=Role.MANAGER, branch=branch)
    z = UserFactory(username="approver_z", role=Role.MANAGER, branch=other_branch)
    a1, a2, a3 = (ApplicationFactory(branch=branch, borrower__branch=branch, product=product) for _ in range(3))
    ab = ApplicationFactory(branch=other_branch, borrower__branch=other_branch, product=product)
    event(a1, "submit", at(1, 8), officer)
    event(a1, "review", at(1, 18))
    event(a1, "approve", at(2, 4), x)
    event(a2, "submit", at(1, 8), officer)
    event(a2, "review", at(2, 8))
    event(a2, "reject", at(4, 10), x)
    event(a3, "submit", at(1, 8), officer)
    event(a3, "review", at(1, 9))
    event(a3, "return", at(1, 13), y)
    event(a3, "submit", at(2, 14), officer)
    event(a3, "review", at(2, 15))
    event(a3, "approve", at(3, 0), y)
    event(ab, "submit", at(1, 8))
    event(ab, "review", at(1, 9))
    event(ab, "approve", at(1, 11), z)
    # a decision outside the range is not counted
    event(a1, "approve", at(20, 9), x)
    return SimpleNamespace(x=x, y=y, z=z)
