"""Satisfaction feedback once per subject, from the borrower's own login."""

from datetime import date

import pytest

from care import services
from care.models import Complaint, Feedback
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed

from ..applications.factories import BorrowerFactory
from .conftest import FRIDAY
from .factories import file_complaint, move

pytestmark = pytest.mark.django_db


def resolved(officer, borrower) -> Complaint:
    c = file_complaint(officer, borrower)
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Refunded.")
    c.refresh_from_db()
    return c


def test_feedback_once_per_subject(today, officer, borrower, borrower_user):
    c = file_complaint(officer, borrower)
    with pytest.raises(TransitionNotAllowed):  # not resolved yet
        services.feedback_submit(actor=borrower_user, score=5, complaint=c)
    c = resolved(officer, borrower)
    f = services.feedback_submit(actor=borrower_user, score=4, comment="Quick.", complaint=c)
    assert (f.subject, f.score, f.borrower, f.branch) == ("complaint", 4, borrower, borrower.branch)
    with pytest.raises(InvalidInput) as again:
        services.feedback_submit(actor=borrower_user, score=1, complaint=c)
    assert "complaint" in again.value.errors
    services.feedback_submit(actor=borrower_user, score=3)
    with pytest.raises(InvalidInput):  # general feedback: once a month
        services.feedback_submit(actor=borrower_user, score=2)
    business_date_set(value=date(2026, 12, 1))
    services.feedback_submit(actor=borrower_user, score=2)
    assert Feedback.objects.count() == 3


def test_feedback_input_and_ownership(today, officer, borrower, borrower_user):
    other = BorrowerFactory(branch=borrower.branch)
    theirs = resolved(officer, other)
    with pytest.raises(InvalidInput) as bad:
        services.feedback_submit(actor=borrower_user, score=6, complaint=theirs)
    assert set(bad.value.errors) == {"score", "complaint"}
    with pytest.raises(NotAllowed):
        services.feedback_submit(actor=officer, score=5)
    v = services.visit_schedule(actor=officer, borrower=borrower, kind="other", scheduled_on=FRIDAY)
    with pytest.raises(TransitionNotAllowed):
        services.feedback_submit(actor=borrower_user, score=5, visit=v)
    services.visit_complete(actor=officer, visit=v, visited_on=FRIDAY, method="phone", findings="All fine.")
    v.refresh_from_db()
    assert services.feedback_submit(actor=borrower_user, score=5, visit=v).subject == "visit"
