"""Follow-up visits and post-disbursement checks: recording, the review a misuse of funds
calls for, who completes a visit."""

from datetime import date, timedelta

import pytest

from care import services
from care.models import CreditReview, FollowUpVisit, ReviewTrigger, VisitKind
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role
from servicing.models import Loan

from ..kernel.factories import UserFactory
from .conftest import FRIDAY

pytestmark = pytest.mark.django_db


def test_a_post_disbursement_check_must_say_whether_the_funds_went_where_stated(today, officer, loan):
    v = services.visit_schedule(
        actor=officer, borrower=loan.borrower, kind="post_disbursement", loan=loan, scheduled_on=FRIDAY
    )
    with pytest.raises(InvalidInput) as bad:
        services.visit_complete(
            actor=officer,
            visit=v,
            visited_on=FRIDAY + timedelta(days=1),
            method="teleport",
            findings="",
            purpose_verified=None,
        )
    assert set(bad.value.errors) == {"visited_on", "method", "findings", "purpose_verified"}
    with pytest.raises(InvalidInput):  # one check per loan
        services.visit_schedule(
            actor=officer, borrower=loan.borrower, kind="post_disbursement", loan=loan, scheduled_on=FRIDAY
        )
    # when the funds were not used as stated, the loan is reviewed at once
    services.visit_complete(
        actor=officer,
        visit=v,
        visited_on=FRIDAY,
        method="on_site",
        findings="Bought a car instead of stock.",
        purpose_verified=False,
    )
    v.refresh_from_db()
    assert (v.status, v.purpose_verified, v.completed_by) == ("done", False, officer)
    review = CreditReview.objects.get(loan=loan)
    assert (review.trigger, review.status, review.officer) == (ReviewTrigger.PURPOSE, "open", officer)
    with pytest.raises(TransitionNotAllowed):
        services.visit_complete(
            actor=officer, visit=v, visited_on=FRIDAY, method="phone", findings="again", purpose_verified=True
        )


def post_disbursement_check(loan) -> FollowUpVisit:
    return FollowUpVisit.objects.get(loan=loan, kind=VisitKind.POST_DISBURSEMENT)


def test_funds_misused_after_the_days_review_was_done_still_get_a_review(today, officer, loan):
    # given the morning job's classification review of the loan, completed by its officer
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    assert services.care_daily(business_date=FRIDAY) == {
        "business_date": FRIDAY.isoformat(),
        "reviews_created": 1,
        "visits_created": 1,
        "reviews_cancelled": 0,
        "visits_cancelled": 0,
    }
    morning = CreditReview.objects.get(loan=loan)
    services.credit_review_complete(
        actor=officer, review=morning, findings="Trading normally.", recommendation="maintain"
    )
    # when later that day the use-of-funds check finds the money went elsewhere
    services.visit_complete(
        actor=officer,
        visit=post_disbursement_check(loan),
        visited_on=FRIDAY,
        method="on_site",
        findings="Bought a car instead of stock.",
        purpose_verified=False,
    )
    # then the loan gets a review for it at once, the same business date as the morning's
    review = CreditReview.objects.get(loan=loan, status="open")
    assert (review.trigger, review.business_date, review.officer, review.due_on) == (
        ReviewTrigger.PURPOSE,
        FRIDAY,
        officer,
        FRIDAY + timedelta(days=15),
    )
    created = AuditEvent.objects.get(entity="credit_review", entity_id=review.pk, action="create")
    assert created.reason == "Bought a car instead of stock."
    assert created.data["visit"] == post_disbursement_check(loan).pk
    # and the job stays idempotent: a re-run for the day, and the next day, create nothing
    assert services.care_daily(business_date=FRIDAY)["reviews_created"] == 0
    assert services.care_daily(business_date=FRIDAY + timedelta(days=1))["reviews_created"] == 0
    assert CreditReview.objects.filter(loan=loan).count() == 2


def test_funds_misused_while_a_review_is_open_are_recorded_on_that_review(today, officer, loan, settings):
    # given the loan's open classification review from the morning job (given 60 days then)
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    settings.CUSTOMER_CARE = {"REVIEW_DUE_DAYS": 60}
    services.care_daily(business_date=FRIDAY)
    open_review = CreditReview.objects.get(loan=loan)
    assert (open_review.trigger, open_review.due_on) == ("classification", date(2027, 1, 19))
    # when a week later the use-of-funds check fails (reviews are now due in 15 days)
    settings.CUSTOMER_CARE = {}
    business_date_set(value=date(2026, 11, 27))
    services.visit_complete(
        actor=officer,
        visit=post_disbursement_check(loan),
        visited_on=date(2026, 11, 27),
        method="on_site",
        findings="Stock never bought.",
        purpose_verified=False,
    )
    # then there is still one open review, now for the misuse, and due as soon as a new one would be
    open_review.refresh_from_db()
    assert CreditReview.objects.filter(loan=loan).count() == 1
    assert (open_review.status, open_review.trigger, open_review.due_on) == (
        "open",
        ReviewTrigger.PURPOSE,
        date(2026, 12, 12),
    )
    # and the finding is on the review's history, with the trigger it had
    event = AuditEvent.objects.get(entity="credit_review", entity_id=open_review.pk, action="trigger")
    assert (event.actor, event.reason, event.data["from_trigger"], event.data["trigger"]) == (
        officer,
        "Stock never bought.",
        "classification",
        "purpose",
    )
    assert event.data["visit"] == post_disbursement_check(loan).pk
    # a failed check while a review due sooner is open leaves its date alone
    assert services.review_now(
        loan=loan, trigger=ReviewTrigger.PURPOSE, business_date=date(2026, 12, 1), actor=officer
    ).due_on == date(2026, 12, 12)


def test_a_visit_is_completed_by_its_officer_or_a_manager(today, officer, manager, borrower):
    v = services.visit_schedule(actor=officer, borrower=borrower, kind="other", scheduled_on=FRIDAY)
    assert v.officer == officer
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    with pytest.raises(NotAllowed):
        services.visit_complete(actor=colleague, visit=v, visited_on=FRIDAY, method="phone", findings="fine")
    with pytest.raises(InvalidInput):
        services.visit_cancel(actor=manager, visit=v, reason="")
    services.visit_cancel(actor=manager, visit=v, reason="Borrower moved away.")
    v.refresh_from_db()
    assert v.status == "cancelled"
    with pytest.raises(InvalidInput) as bad:
        services.visit_schedule(actor=officer, borrower=borrower, kind="complaint", scheduled_on=FRIDAY - timedelta(1))
    assert set(bad.value.errors) == {"scheduled_on", "complaint"}
