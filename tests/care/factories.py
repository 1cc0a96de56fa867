"""factory_boy factories of customer service's records, and the builders that go through the
services (a complaint filed, moved by one action's service).

The factories write rows as they would be stored, for tests that need a record in a given
status without walking it there; the builders are for everything that should happen the
way the product does it (deadlines, audit rows, messages)."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from care import services
from care.models import (
    Complaint,
    ComplaintStatus,
    CreditReview,
    Feedback,
    FollowUpVisit,
    ReviewStatus,
    ReviewTrigger,
    VisitKind,
    VisitStatus,
)
from microloan.business_date import business_date_set

from ..applications.factories import BorrowerFactory

RECEIVED_ON = date(2026, 11, 20)  # the servicing fixtures' business date, a Friday


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    borrower = factory.SubFactory(BorrowerFactory)
    branch = factory.SelfAttribute("borrower.branch")
    channel = "phone"
    category = "fees"
    description = "Charged a fee I never agreed to."
    received_on = RECEIVED_ON
    ack_due_on = factory.LazyAttribute(lambda o: services.complaint_deadlines(o.received_on)[0])
    resolve_due_on = factory.LazyAttribute(lambda o: services.complaint_deadlines(o.received_on)[1])
    status = ComplaintStatus.RECEIVED


class FollowUpVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpVisit

    borrower = factory.SubFactory(BorrowerFactory)
    branch = factory.SelfAttribute("borrower.branch")
    kind = VisitKind.OTHER
    scheduled_on = RECEIVED_ON + timedelta(days=3)
    status = VisitStatus.SCHEDULED


class CreditReviewFactory(factory.django.DjangoModelFactory):
    """A review task of ``loan`` (required: a review is always of a loan)."""

    class Meta:
        model = CreditReview

    borrower = factory.SelfAttribute("loan.borrower")
    branch = factory.SelfAttribute("loan.branch")
    officer = factory.SelfAttribute("loan.officer")
    business_date = RECEIVED_ON
    due_on = RECEIVED_ON + timedelta(days=15)
    trigger = ReviewTrigger.PERIODIC
    classification = factory.SelfAttribute("loan.classification")
    status = ReviewStatus.OPEN
    created_at = factory.LazyFunction(timezone.now)


class FeedbackFactory(factory.django.DjangoModelFactory):
    """General feedback of a borrower (pass ``complaint=`` or ``visit=`` and a matching
    ``subject_key`` for the others)."""

    class Meta:
        model = Feedback

    borrower = factory.SubFactory(BorrowerFactory)
    branch = factory.SelfAttribute("borrower.branch")
    subject_key = factory.LazyAttribute(lambda o: f"general:{o.borrower.pk}:{o.business_date:%Y-%m}")
    score = 4
    business_date = RECEIVED_ON


def file_complaint(actor, borrower, **kw) -> Complaint:
    """A complaint filed through the service (deadlines, audit row, receipt message)."""
    data = {"category": "fees", "description": "Charged a fee I never agreed to.", "channel": "phone", **kw}
    return services.complaint_file(actor=actor, borrower=borrower, **data)


def in_status(status, actor, borrower, **kw) -> Complaint:
    """A complaint filed through the service, then put straight into ``status``."""
    c = file_complaint(actor, borrower, **kw)
    Complaint.objects.filter(pk=c.pk).update(status=status)
    c.refresh_from_db()
    return c


def move(*, actor, complaint, action: str, reason: str = "", resolution: str = "") -> Complaint:
    """Moves a complaint by ``action`` through that action's own service."""
    service = services.COMPLAINT_ACTIONS[action]
    if action == "resolve":
        return service(actor=actor, complaint=complaint, resolution=resolution)
    return service(actor=actor, complaint=complaint, reason=reason)


def reopened_after_a_late_resolution(*, officer, manager, borrower, **kw) -> Complaint:
    """A letter of 2026-11-02 resolved late (its 15 days past), then reopened on 2026-11-25
    with a new deadline not yet past: the breach before the reopening still counts. Leaves
    the business date on 2026-11-25."""
    c = file_complaint(officer, borrower, channel="letter", received_on=date(2026, 11, 2), **kw)
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Explained.")
    business_date_set(value=date(2026, 11, 25))
    services.complaint_reopen(actor=manager, complaint=c, reason="Disputed.")
    return c
