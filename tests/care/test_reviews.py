"""Completing a credit review."""

import pytest

from care import services
from care.models import CreditReview
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role

from ..kernel.factories import UserFactory
from .conftest import FRIDAY, JOB_DATE

pytestmark = pytest.mark.django_db


def test_completing_a_review(today, officer, manager, loan):
    from underwriting.models import CreditRecord

    services.care_daily(business_date=JOB_DATE)
    r = CreditReview.objects.get(loan=loan)
    record = CreditRecord.objects.create(borrower=loan.borrower, as_of=FRIDAY, created_by=officer)
    with pytest.raises(InvalidInput) as bad:
        services.credit_review_complete(actor=officer, review=r, findings="", recommendation="forget")
    assert set(bad.value.errors) == {"findings", "recommendation"}
    auditor = UserFactory(role=Role.AUDITOR, branch=officer.branch)
    with pytest.raises(NotAllowed):
        services.credit_review_complete(actor=auditor, review=r, findings="ok", recommendation="maintain")
    services.credit_review_complete(actor=officer, review=r, findings="Sales down 30%.", recommendation="reduce_limit")
    r.refresh_from_db()
    assert (r.status, r.recommendation, r.credit_record, r.completed_by, r.completed_on) == (
        "done",
        "reduce_limit",
        record,
        officer,
        FRIDAY,
    )
    assert AuditEvent.objects.filter(entity="loan", entity_id=loan.pk, action="credit_review").exists()
    with pytest.raises(TransitionNotAllowed):
        services.credit_review_complete(actor=manager, review=r, findings="again", recommendation="maintain")
