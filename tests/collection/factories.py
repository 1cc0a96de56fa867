"""Collection's test builders. Cases, promises and write-offs come the way the product makes
them (the close opens the case; the services make promises and propose write-offs); the
factory_boy factories are for tests that need a row in a given status without the story."""

from datetime import date, timedelta
from decimal import Decimal

import factory

from collection.case_models import CollectionCase, PromiseToPay, WriteOff
from collection.close import close_day
from collection.services.promises import promise_create
from collection.services.writeoffs import writeoff_request
from microloan.business_date import business_date_set
from microloan.models import Role
from servicing.models import Loan

from ..kernel.factories import UserFactory

# The servicing fixture loan's first instalment falls due on 2026-12-20: closing the 21st
# finds it one day past due and opens its case.
FIRST_OVERDUE_DAY = date(2026, 12, 21)


def close(day: date):
    business_date_set(value=day)
    return close_day(business_date=day)


def close_through(start: date, end: date) -> None:
    day = start
    while day <= end:
        close(day)
        day += timedelta(days=1)


def overdue_case(loan: Loan, *, through: date = FIRST_OVERDUE_DAY) -> CollectionCase:
    """The loan's open case, opened by the daily close of the days up to ``through``."""
    close_through(FIRST_OVERDUE_DAY - timedelta(days=1), through)
    return CollectionCase.objects.get(loan=loan, status="open")


def loss_class(loan: Loan) -> Loan:
    """Classifies the loan as loss (the close does so after 360 days past due)."""
    Loan.objects.filter(pk=loan.pk).update(classification="loss")
    return Loan.objects.get(pk=loan.pk)


def promise_made(case: CollectionCase, *, by, amount: str = "300.00", promised_on: date | None = None):
    return promise_create(
        actor=by, case=case, amount=Decimal(amount), promised_on=promised_on or case.opened_on + timedelta(days=2)
    )


def write_off_proposed(loan: Loan, *, by, reason: str = "absconded") -> WriteOff:
    """A write-off waiting for approval, proposed through the service on a loss-class loan."""
    return writeoff_request(actor=by, loan=loss_class(loan), reason=reason)


class CollectionCaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionCase

    loan = None  # required: a loan from the servicing fixtures
    branch = factory.SelfAttribute("loan.branch")
    opened_on = FIRST_OVERDUE_DAY
    status = "open"


class PromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromiseToPay

    case = None  # required
    amount = Decimal("300.00")
    made_on = FIRST_OVERDUE_DAY
    promised_on = FIRST_OVERDUE_DAY + timedelta(days=2)
    created_by = factory.SubFactory(UserFactory, role=Role.COLLECTOR, branch=factory.SelfAttribute("..case.branch"))
    status = "open"


class WriteOffFactory(factory.django.DjangoModelFactory):
    """A bare row: no audit trail, so no four-eyes history (use ``write_off_proposed``)."""

    class Meta:
        model = WriteOff

    loan = None  # required
    reason = "absconded"
    requested_by = factory.SubFactory(UserFactory, role=Role.COLLECTOR, branch=factory.SelfAttribute("..loan.branch"))
    status = "requested"
