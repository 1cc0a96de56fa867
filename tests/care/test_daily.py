"""The periodic job: the right review tasks and checks exactly once per business date, the
tasks of loans that ended cancelled and audited once, set-based."""

import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from care import services
from care.models import CreditReview, FollowUpVisit, ReviewStatus
from care.services import daily
from microloan.business_date import business_date_set
from microloan.models import AuditEvent
from servicing.models import Loan, LoanStatus

from ..collection.conftest import clone_loan
from .conftest import FRIDAY, JOB_DATE, reviews

pytestmark = pytest.mark.django_db


def test_the_job_creates_the_right_review_tasks_exactly_once_for_a_date(book, officer):
    # when the job runs for a business date
    result = services.care_daily(business_date=JOB_DATE)
    # then the loans due (and only those) get a task for the loan's officer
    assert result["reviews_created"] == 3
    assert reviews() == {
        (book["old"].pk, JOB_DATE, "periodic", "open"),
        (book["worse"].pk, JOB_DATE, "classification", "open"),
        (book["restructured"].pk, JOB_DATE, "periodic", "open"),
    }
    r = CreditReview.objects.get(loan=book["worse"])
    assert (r.officer, r.due_on, r.classification, r.branch_id) == (
        officer,
        date(2027, 6, 16),
        "special_mention",
        book["worse"].branch_id,
    )
    # and the use-of-funds checks of the loans disbursed in the last 90 days, 30 days on
    visits = {(v.loan_id, v.scheduled_on) for v in FollowUpVisit.objects.filter(kind="post_disbursement")}
    assert visits == {(book["young"].pk, date(2027, 5, 1)), (book["worse"].pk, date(2027, 5, 1))}
    # when it runs again for the same date (or the next): nothing new
    again = services.care_daily(business_date=JOB_DATE)
    assert (again["reviews_created"], again["visits_created"]) == (0, 0)
    assert CreditReview.objects.count() == 3 and FollowUpVisit.objects.count() == 2
    # the next date: no review (all due ones are open), the check of the loan disbursed that day
    nxt = services.care_daily(business_date=JOB_DATE + timedelta(days=1))
    assert (nxt["reviews_created"], nxt["visits_created"]) == (0, 1)
    assert FollowUpVisit.objects.filter(loan=book["future"], scheduled_on=date(2027, 7, 2)).exists()


def test_a_completed_review_restarts_the_clock_and_worsening_triggers_the_next(book, officer, manager):
    services.care_daily(business_date=JOB_DATE)
    business_date_set(value=date(2027, 6, 3))
    for key, advice in (("old", "maintain"), ("worse", "maintain"), ("restructured", "watch")):
        services.credit_review_complete(
            actor=officer,
            review=CreditReview.objects.get(loan=book[key]),
            findings="Visited the shop; trading normally.",
            recommendation=advice,
        )
    assert services.credit_reviews_create(business_date=date(2027, 6, 3)) == 0
    # the close moves the reviewed loan from special mention to substandard: reviewed again at once
    Loan.objects.filter(pk=book["worse"].pk).update(classification="substandard", days_past_due=95)
    assert services.credit_reviews_create(business_date=date(2027, 6, 4)) == 1
    assert CreditReview.objects.get(loan=book["worse"], status="open").trigger == "classification"
    # three months after a "watch" recommendation, that loan is due; the others wait for six
    assert services.credit_reviews_create(business_date=date(2027, 9, 1)) == 1
    assert CreditReview.objects.get(loan=book["restructured"], status="open").business_date == date(2027, 9, 1)
    # six months on: the maintained loan and the young one (now over six months old)
    assert services.credit_reviews_create(business_date=date(2027, 12, 1)) == 2
    assert {r.loan_id for r in CreditReview.objects.filter(business_date=date(2027, 12, 1))} == {
        book["old"].pk,
        book["young"].pk,
    }


def test_tasks_of_loans_that_ended_are_cancelled_and_audited(book):
    services.care_daily(business_date=JOB_DATE)
    Loan.objects.filter(pk=book["old"].pk).update(status=LoanStatus.CLOSED)
    Loan.objects.filter(pk=book["young"].pk).update(status=LoanStatus.WRITTEN_OFF)
    result = services.care_daily(business_date=JOB_DATE + timedelta(days=1))
    assert (result["reviews_cancelled"], result["visits_cancelled"]) == (1, 1)
    review = CreditReview.objects.get(loan=book["old"])
    assert review.status == ReviewStatus.CANCELLED
    event = AuditEvent.objects.get(entity="credit_review", entity_id=review.pk)
    assert (event.action, event.actor, event.from_state, event.to_state) == ("cancel", None, "open", "cancelled")
    assert services.care_daily(business_date=JOB_DATE + timedelta(days=1))["reviews_cancelled"] == 0


def test_the_reason_a_task_was_cancelled_is_translated_and_its_code_kept(book):
    from django.utils import translation

    services.care_daily(business_date=JOB_DATE)
    Loan.objects.filter(pk=book["old"].pk).update(status=LoanStatus.CLOSED)
    Loan.objects.filter(pk=book["young"].pk).update(status=LoanStatus.WRITTEN_OFF)
    with translation.override("en"):
        services.care_daily(business_date=JOB_DATE + timedelta(days=1))
    review = CreditReview.objects.get(loan=book["old"])
    visit = FollowUpVisit.objects.get(loan=book["young"])
    paid = AuditEvent.objects.get(entity="credit_review", entity_id=review.pk, action="cancel")
    written = AuditEvent.objects.get(entity="follow_up_visit", entity_id=visit.pk, action="cancel")
    # the "Why" column reads as a sentence in the language the job ran in ...
    assert (paid.reason, written.reason) == ("The loan was paid off.", "The loan was written off.")
    # ... and the data keeps the neutral code, whatever that language was
    assert paid.data == {"code": "loan_ended", "loan": book["old"].pk, "loan_status": "closed"}
    assert written.data == {"code": "loan_ended", "loan": book["young"].pk, "loan_status": "written_off"}
    assert daily._loan_ended_reason("closed") != daily._loan_ended_reason("written_off")


def _job_in_another_connection(business_date: date) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run():
        try:
            out["result"] = services.care_daily(business_date=business_date)
        except Exception as exc:  # reported by the assertions
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _ended_loan_with_open_tasks(loan) -> tuple[CreditReview, FollowUpVisit]:
    services.care_daily(business_date=FRIDAY)  # the loan's use-of-funds check
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    services.care_daily(business_date=FRIDAY + timedelta(days=1))  # and a review
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.CLOSED)
    return CreditReview.objects.get(loan=loan), FollowUpVisit.objects.get(loan=loan)


def cancels(entity: str, pk: int) -> int:
    return AuditEvent.objects.filter(entity=entity, entity_id=pk, action="cancel").count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections")
def test_the_job_leaves_a_task_being_completed_alone_and_does_not_audit_it(loan, officer):
    review, visit = _ended_loan_with_open_tasks(loan)
    # given the officer completing the review, not committed yet
    with transaction.atomic():
        services.credit_review_complete(
            actor=officer, review=review, findings="Paid off early.", recommendation="maintain"
        )
        # when the job runs meanwhile
        thread, out = _job_in_another_connection(FRIDAY + timedelta(days=2))
        time.sleep(0.5)
    thread.join(timeout=20)
    assert not thread.is_alive() and "error" not in out, out.get("error")
    # then it cancelled (and audited) the check only: the review is the officer's, done
    review.refresh_from_db()
    visit.refresh_from_db()
    assert (review.status, visit.status) == ("done", "cancelled")
    assert (out["result"]["reviews_cancelled"], out["result"]["visits_cancelled"]) == (0, 1)
    assert (cancels("credit_review", review.pk), cancels("follow_up_visit", visit.pk)) == (0, 1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks between two connections")
def test_overlapping_job_runs_cancel_and_audit_each_task_once(loan):
    review, visit = _ended_loan_with_open_tasks(loan)
    # given one run that has cancelled the tasks, not committed yet
    with transaction.atomic():
        first = services.care_daily(business_date=FRIDAY + timedelta(days=2))
        # when a second run overlaps it
        thread, out = _job_in_another_connection(FRIDAY + timedelta(days=2))
        time.sleep(0.5)
    thread.join(timeout=20)
    assert not thread.is_alive() and "error" not in out, out.get("error")
    # then each task was cancelled once, by the first, with one audit row each
    assert (first["reviews_cancelled"], first["visits_cancelled"]) == (1, 1)
    assert (out["result"]["reviews_cancelled"], out["result"]["visits_cancelled"]) == (0, 0)
    assert (cancels("credit_review", review.pk), cancels("follow_up_visit", visit.pk)) == (1, 1)


def test_the_job_is_set_based(loan):
    # given a book of 2 loans, then of 8: the job costs the same number of statements
    Loan.objects.filter(pk=loan.pk).update(disbursed_on=date(2026, 1, 5))
    clone_loan(loan)
    with CaptureQueriesContext(connection) as small:
        assert services.care_daily(business_date=JOB_DATE)["reviews_created"] == 2
    for _ in range(6):
        clone_loan(loan)
    with CaptureQueriesContext(connection) as large:
        assert services.care_daily(business_date=JOB_DATE + timedelta(days=1))["reviews_created"] == 6
    assert len(large) == len(small)
    assert sum("INSERT INTO" in q["sql"] and "SELECT" in q["sql"] for q in large.captured_queries) == 2
