"""The demo borrower's side of seed_demo: an active loan with paid and due instalments, a
closed loan, an application in progress and a mandate; a second run adds nothing."""

import pytest
from django.core.management import call_command

from applications.models import Application, Borrower
from microloan.business_date import business_date
from servicing.models import Loan, Repayment
from servicing.payment_models import Mandate

pytestmark = pytest.mark.django_db


def _counts():
    return (Application.objects.count(), Loan.objects.count(), Repayment.objects.count(), Mandate.objects.count())


def test_the_demo_borrower_has_the_app_worth_showing():
    before = business_date()
    call_command("seed_demo", password="pw-demo-1", force=True)
    assert business_date() == before
    b = Borrower.objects.get(user__username="borrower")
    loans = Loan.objects.filter(borrower=b)
    active = loans.get(status="active")
    statuses = set(active.installments.filter(is_current=True).values_list("status", flat=True))
    assert "paid" in statuses and statuses - {"paid"}
    assert loans.filter(status="closed").exists()
    assert Application.objects.filter(borrower=b, status__in=["draft", "approved"]).exists()
    assert Mandate.objects.filter(borrower=b, status="active").exists()
    counts = _counts()
    call_command("seed_demo", password="pw-demo-1", force=True)
    assert _counts() == counts
