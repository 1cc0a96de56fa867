"""collection.services.promises: a promise made on an open case, settled by the close the day
after its date through the promise's table (kept or broken, each audited)."""

from datetime import date
from decimal import Decimal

import pytest

from collection.case_models import PromiseToPay
from collection.services.promises import promise_create, promises_settle
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.models import AuditEvent
from servicing.models import Loan
from servicing.repayments import repayment_post

from .factories import CollectionCaseFactory, close_through

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal


def history(p):
    return list(
        AuditEvent.objects.filter(entity="promise_to_pay", entity_id=p.pk)
        .order_by("id")
        .values_list("action", "from_state", "to_state")
    )


def test_promise_kept_or_broken_after_its_date(case, collectors, officer, loan):
    business_date_set(value=date(2026, 12, 22))
    kept = promise_create(actor=collectors[0], case=case, amount=D("300.00"), promised_on=date(2026, 12, 23))
    repayment_post(
        actor=officer, loan=Loan.objects.get(pk=loan.pk), amount=D("300.00"), paid_on=date(2026, 12, 22), channel="cash"
    )
    close_through(date(2026, 12, 22), date(2026, 12, 24))
    kept.refresh_from_db()
    assert (kept.status, kept.checked_on) == ("kept", date(2026, 12, 24))
    assert history(kept) == [("make", "", "open"), ("keep", "open", "kept")]
    broken = promise_create(actor=collectors[0], case=case, amount=D("500.00"), promised_on=date(2026, 12, 25))
    close_through(date(2026, 12, 25), date(2026, 12, 26))
    broken.refresh_from_db()
    assert broken.status == "broken" and broken.checked_on == date(2026, 12, 26)
    assert history(broken) == [("make", "", "open"), ("break", "open", "broken")]
    with pytest.raises(InvalidInput):
        promise_create(actor=collectors[0], case=case, amount=D("1"), promised_on=date(2026, 1, 1))
    assert PromiseToPay.objects.count() == 2
    # settling again moves nothing and writes nothing
    before = AuditEvent.objects.count()
    assert promises_settle(business_date=date(2026, 12, 27)) == {"kept": 0, "broken": 0}
    assert AuditEvent.objects.count() == before


def test_no_promise_on_a_closed_case(loan, collectors):
    closed = CollectionCaseFactory(loan=loan, status="closed")
    business_date_set(value=date(2026, 12, 22))
    with pytest.raises(TransitionNotAllowed):
        promise_create(actor=collectors[0], case=closed, amount=D("100.00"), promised_on=date(2026, 12, 23))
