"""Customer service, the rules: the complaint transition table (every action from every
status), the SLA, the receipt in the outbox in the event's own transaction, follow-up visits,
credit reviews and the periodic job (the right tasks, exactly once per business date),
feedback once per subject."""

import threading
import time
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from microloan.audit import audit_history
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role
from microloan.notifications import Notification
from servicing import care
from servicing.care_models import (
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
from servicing.models import Loan, LoanStatus

from ..collection.conftest import clone_loan
from ..factories import BorrowerFactory, UserFactory

pytestmark = pytest.mark.django_db

FRIDAY = date(2026, 11, 20)  # the servicing fixtures' business date


@pytest.fixture
def today(db):
    business_date_set(value=FRIDAY)
    return FRIDAY


def file(actor, borrower, **kw):
    data = {"category": "fees", "description": "Charged a fee I never agreed to.", "channel": "phone", **kw}
    return care.complaint_file(actor=actor, borrower=borrower, **data)


def in_status(status, actor, borrower, **kw) -> Complaint:
    c = file(actor, borrower, **kw)
    Complaint.objects.filter(pk=c.pk).update(status=status)
    c.refresh_from_db()
    return c


# --- the transition table -------------------------------------------------------------------

EXPECTED_TABLE = {
    ("acknowledge", "received", "acknowledged"),
    ("investigate", "acknowledged", "investigating"),
    ("escalate", "received", "escalated"), ("escalate", "acknowledged", "escalated"),
    ("escalate", "investigating", "escalated"),
    ("resolve", "investigating", "resolved"), ("resolve", "escalated", "resolved"),
    ("close", "resolved", "closed"),
    ("reopen", "resolved", "investigating"), ("reopen", "closed", "investigating"),
}


def test_the_complaint_table_is_exactly_this():
    assert set(care.COMPLAINT_WORKFLOW.table()) == EXPECTED_TABLE


def test_visit_and_review_tables():
    assert set(care.VISIT_WORKFLOW.table()) == {("complete", "scheduled", "done"), ("cancel", "scheduled", "cancelled")}
    assert set(care.REVIEW_WORKFLOW.table()) == {("complete", "open", "done"), ("cancel", "open", "cancelled")}
    assert care.REVIEW_WORKFLOW.available_actions("open", Role.OFFICER) == ["complete"]
    assert care.REVIEW_WORKFLOW.available_actions("done", Role.MANAGER) == []


@pytest.mark.parametrize("status", ComplaintStatus.values)
@pytest.mark.parametrize("action", sorted(care.COMPLAINT_WORKFLOW.transitions))
def test_every_action_from_every_status(action, status, today, manager, borrower):
    # given a complaint in ``status``
    c = in_status(status, manager, borrower)
    targets = {a_s[2] for a_s in EXPECTED_TABLE if a_s[:2] == (action, status)}
    # when a manager tries ``action``
    if not targets:
        with pytest.raises(TransitionNotAllowed) as refused:
            care.complaint_transition(actor=manager, complaint=c, action=action, reason="why", resolution="done")
        # then a refusal names the status and changes nothing
        assert refused.value.status == status
        c.refresh_from_db()
        assert c.status == status
        assert not AuditEvent.objects.filter(entity="complaint", entity_id=c.pk, action=action).exists()
        return
    care.complaint_transition(actor=manager, complaint=c, action=action, reason="why", resolution="done")
    # then it moves, and the move is audited with who, from, to and why
    c.refresh_from_db()
    assert c.status == targets.pop()
    event = AuditEvent.objects.get(entity="complaint", entity_id=c.pk, action=action)
    assert (event.actor, event.from_state, event.to_state) == (manager, status, c.status)
    assert event.reason in ("why", "done")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COLLECTOR, Role.REVIEWER])
def test_roles_that_do_not_handle_complaints_are_refused(role, today, officer, borrower):
    c = file(officer, borrower)
    other = UserFactory(role=role, branch=officer.branch)
    with pytest.raises(NotAllowed):
        care.complaint_transition(actor=other, complaint=c, action="acknowledge")
    c.refresh_from_db()
    assert c.status == "received"


def test_only_the_handler_or_a_manager_moves_an_assigned_complaint(today, officer, manager, borrower):
    c = file(officer, borrower)
    care.complaint_transition(actor=officer, complaint=c, action="acknowledge")
    c.refresh_from_db()
    assert c.handler == officer  # whoever takes it up first handles it
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    with pytest.raises(NotAllowed):
        care.complaint_transition(actor=colleague, complaint=c, action="investigate")
    care.complaint_transition(actor=manager, complaint=c, action="investigate")
    c.refresh_from_db()
    assert c.status == "investigating"


def test_an_escalated_complaint_is_resolved_by_a_manager(today, officer, manager, borrower):
    c = file(officer, borrower)
    with pytest.raises(InvalidInput) as bad:
        care.complaint_transition(actor=officer, complaint=c, action="escalate", reason="  ")
    assert "reason" in bad.value.errors
    care.complaint_transition(actor=officer, complaint=c, action="escalate", reason="regulator involved")
    with pytest.raises(NotAllowed):
        care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="refunded")
    with pytest.raises(InvalidInput) as bad:
        care.complaint_transition(actor=manager, complaint=c, action="resolve", resolution="")
    assert "resolution" in bad.value.errors
    care.complaint_transition(actor=manager, complaint=c, action="resolve", resolution="Fee refunded.")
    c.refresh_from_db()
    assert (c.status, c.resolution, c.resolved_on, c.acknowledged_on) == ("resolved", "Fee refunded.", FRIDAY,
                                                                          FRIDAY)


def test_unknown_action_is_bad_input(today, officer, borrower):
    c = file(officer, borrower)
    with pytest.raises(InvalidInput):
        care.complaint_transition(actor=officer, complaint=c, action="delete")


def test_filing_checks_its_input(today, officer, borrower, loan):
    with pytest.raises(InvalidInput) as bad:
        care.complaint_file(actor=officer, borrower=borrower, category="weather", channel="pigeon", description=" ",
                            received_on=FRIDAY + timedelta(days=1), loan=loan)
    assert set(bad.value.errors) == {"category", "channel", "description", "received_on", "loan"}
    assert not Complaint.objects.exists()


# --- the SLA -------------------------------------------------------------------------------

def test_deadlines_count_business_days_and_calendar_days(settings):
    assert care.complaint_deadlines(FRIDAY) == (date(2026, 11, 23), date(2026, 12, 5))
    assert care.complaint_deadlines(date(2026, 11, 21))[0] == date(2026, 11, 23)  # Saturday -> Monday
    settings.CUSTOMER_CARE = {"HOLIDAYS": ["2026-11-23"], "COMPLAINT_RESOLVE_DAYS": 10}
    assert care.complaint_deadlines(FRIDAY) == (date(2026, 11, 24), date(2026, 11, 30))
    settings.CUSTOMER_CARE = {"WORKING_WEEKENDS": ["2026-11-21"], "COMPLAINT_ACK_BUSINESS_DAYS": 2}
    assert care.complaint_deadlines(FRIDAY)[0] == date(2026, 11, 23)


def test_sla_breaches_are_computed_and_stay_on_the_record(today, officer, borrower):
    c = file(officer, borrower)
    assert (c.ack_due_on, c.resolve_due_on) == (date(2026, 11, 23), date(2026, 12, 5))
    sla = care.complaint_sla(c, today=date(2026, 11, 23))
    assert (sla.ack_breached, sla.resolve_breached, sla.age_days, sla.days_left) == (False, False, 3, 12)
    assert care.complaint_sla(c, today=date(2026, 11, 24)).ack_breached
    # acknowledged a day late: the breach stays after the step is done
    business_date_set(value=date(2026, 11, 24))
    care.complaint_transition(actor=officer, complaint=c, action="acknowledge")
    c.refresh_from_db()
    assert care.complaint_sla(c, today=date(2026, 11, 30)).ack_breached
    assert not care.complaint_sla(c, today=date(2026, 12, 5)).resolve_breached
    late = care.complaint_sla(c, today=date(2026, 12, 6))
    assert late.resolve_breached and late.days_left == -1 and late.breached
    # resolved in time: no resolution breach however long afterwards we look
    care.complaint_transition(actor=officer, complaint=c, action="investigate")
    business_date_set(value=date(2026, 12, 4))
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Explained the fee.")
    c.refresh_from_db()
    done = care.complaint_sla(c, today=date(2027, 3, 1))
    assert (done.resolve_breached, done.days_left, done.age_days) == (False, None, 14)


def late_resolution_reopened(officer, manager, borrower) -> Complaint:
    """Received 2026-11-02 (resolve by 11-17), resolved late on 11-20, reopened on 11-25."""
    c = file(officer, borrower, channel="letter", received_on=date(2026, 11, 2))
    for action in ("acknowledge", "investigate"):
        care.complaint_transition(actor=officer, complaint=c, action=action)
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Explained the fee.")
    c.refresh_from_db()
    assert care.complaint_sla(c, today=date(2026, 11, 25)).resolve_breached
    business_date_set(value=date(2026, 11, 25))
    care.complaint_transition(actor=manager, complaint=c, action="reopen", reason="Borrower disputes it.")
    c.refresh_from_db()
    return c


def test_a_reopening_keeps_a_missed_resolution_deadline_on_the_record(today, officer, manager, borrower):
    # given a complaint resolved after its deadline, then reopened with a new resolution period
    c = late_resolution_reopened(officer, manager, borrower)
    assert (c.status, c.resolve_due_on, c.resolved_on, c.resolve_breached_before) == (
        "investigating", date(2026, 12, 10), None, True)
    # then the breach stays, though the reopened period's own deadline is not past
    sla = care.complaint_sla(c, today=date(2026, 11, 26))
    assert (sla.resolve_breached, sla.breached, sla.days_left) == (True, True, 14)
    reopen = AuditEvent.objects.get(entity="complaint", entity_id=c.pk, action="reopen")
    assert reopen.data["resolve_breached"] is True and reopen.data["old_resolve_due_on"] == "2026-11-17"
    # and resolving the reopened case in time does not clear it either
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Refunded the fee.")
    c.refresh_from_db()
    assert care.complaint_sla(c, today=date(2027, 1, 5)).resolve_breached


def test_a_reopening_of_a_case_resolved_in_time_is_measured_by_its_new_deadline(today, officer, manager, borrower):
    c = file(officer, borrower)
    for action in ("acknowledge", "investigate"):
        care.complaint_transition(actor=officer, complaint=c, action=action)
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Explained the fee.")
    business_date_set(value=date(2026, 11, 25))
    care.complaint_transition(actor=manager, complaint=c, action="reopen", reason="Borrower disputes it.")
    c.refresh_from_db()
    assert c.resolve_breached_before is False
    assert not care.complaint_sla(c, today=date(2026, 12, 10)).resolve_breached
    assert care.complaint_sla(c, today=date(2026, 12, 11)).resolve_breached


def test_a_backdated_letter_is_measured_from_its_receipt(today, officer, borrower):
    c = file(officer, borrower, channel="letter", received_on=date(2026, 11, 10))
    assert (c.ack_due_on, c.resolve_due_on) == (date(2026, 11, 11), date(2026, 11, 25))
    assert care.complaint_sla(c, today=FRIDAY).ack_breached
    assert not care.complaint_sla(c, today=FRIDAY).resolve_breached
    assert care.complaint_sla(c, today=date(2026, 11, 26)).resolve_breached


# --- messages to the borrower ---------------------------------------------------------------

def test_the_receipt_is_written_in_the_filings_own_transaction(today, borrower, borrower_user,
                                                               django_capture_on_commit_callbacks):
    # given a filing that fails after the complaint was written: its message goes with it
    with pytest.raises(RuntimeError), transaction.atomic():
        c = care.complaint_file(actor=borrower_user, borrower=borrower, category="service", channel="app",
                                description="Nobody called back.")
        assert Notification.objects.filter(reference=f"complaint:{c.pk}").count() == 2
        raise RuntimeError("the request failed later")
    assert not Complaint.objects.exists() and not Notification.objects.exists()
    # when the filing commits, the message rows are there and the broker hears after the commit
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        c = care.complaint_file(actor=borrower_user, borrower=borrower, category="service", channel="phone",
                                description="Nobody called back.", handler=None)
    rows = {n.channel: n for n in Notification.objects.filter(reference=f"complaint:{c.pk}")}
    assert set(rows) == {"sms", "inapp"}
    assert rows["sms"].to_address == borrower.mobile and rows["inapp"].user == borrower_user
    assert c.reference in rows["inapp"].body and "我们已收到您的投诉" in rows["inapp"].body
    assert c.channel == "app"  # a borrower's own filing is always from the app
    assert len(callbacks) == (1 if any(n.enqueued_at for n in rows.values()) else 0)


def test_messages_follow_the_borrowers_language_and_resolution(today, officer, borrower, borrower_user):
    borrower.language = "en"
    borrower.save(update_fields=["language"])
    c = file(officer, borrower)
    assert "we have received your complaint" in Notification.objects.get(
        dedupe_key=f"complaint:{c.pk}:received:inapp").body
    for action in ("acknowledge", "investigate"):
        care.complaint_transition(actor=officer, complaint=c, action=action)
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="The fee was refunded.")
    resolved = Notification.objects.get(dedupe_key=f"complaint:{c.pk}:resolved:0:inapp")
    assert "The fee was refunded." in resolved.body
    assert Notification.objects.filter(kind="complaint_resolved", reference=f"complaint:{c.pk}").count() == 2


def test_resolution_schedules_a_follow_up_that_a_reopening_cancels(today, officer, manager, borrower):
    c = file(officer, borrower)
    for action in ("acknowledge", "investigate"):
        care.complaint_transition(actor=officer, complaint=c, action=action)
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Refunded.")
    visit = FollowUpVisit.objects.get(complaint=c)
    assert (visit.kind, visit.officer, visit.scheduled_on, visit.status) == (
        VisitKind.COMPLAINT, officer, FRIDAY + timedelta(days=3), VisitStatus.SCHEDULED)
    business_date_set(value=date(2026, 11, 25))
    care.complaint_transition(actor=manager, complaint=c, action="reopen", reason="Borrower disputes the amount.")
    c.refresh_from_db()
    visit.refresh_from_db()
    assert (c.status, c.reopened_count, c.resolved_on, c.resolve_due_on) == (
        "investigating", 1, None, date(2026, 12, 10))
    assert visit.status == VisitStatus.CANCELLED
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Refunded in full.")
    assert FollowUpVisit.objects.filter(complaint=c, status=VisitStatus.SCHEDULED).count() == 1
    assert Notification.objects.filter(dedupe_key__startswith=f"complaint:{c.pk}:resolved:").count() == 2


def test_assignment_rules(today, officer, manager, borrower, other_officer):
    c = file(officer, borrower)
    with pytest.raises(InvalidInput):  # not of this branch or above it
        care.complaint_assign(actor=manager, complaint=c, handler=other_officer)
    care.complaint_assign(actor=officer, complaint=c, handler=officer)  # takes it up
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    with pytest.raises(NotAllowed):
        care.complaint_assign(actor=colleague, complaint=c, handler=colleague)
    care.complaint_assign(actor=manager, complaint=c, handler=colleague)
    c.refresh_from_db()
    assert c.handler == colleague
    assert [e.action for e in audit_history(entity="complaint", entity_id=c.pk)] == ["file", "assign", "assign"]


# --- follow-up visits -------------------------------------------------------------------------

def test_a_post_disbursement_check_must_say_whether_the_funds_went_where_stated(today, officer, loan):
    v = care.visit_schedule(actor=officer, borrower=loan.borrower, kind="post_disbursement", loan=loan,
                            scheduled_on=FRIDAY)
    with pytest.raises(InvalidInput) as bad:
        care.visit_complete(actor=officer, visit=v, visited_on=FRIDAY + timedelta(days=1), method="teleport",
                            findings="", purpose_verified=None)
    assert set(bad.value.errors) == {"visited_on", "method", "findings", "purpose_verified"}
    with pytest.raises(InvalidInput):  # one check per loan
        care.visit_schedule(actor=officer, borrower=loan.borrower, kind="post_disbursement", loan=loan,
                            scheduled_on=FRIDAY)
    # when the funds were not used as stated, the loan is reviewed at once
    care.visit_complete(actor=officer, visit=v, visited_on=FRIDAY, method="on_site",
                        findings="Bought a car instead of stock.", purpose_verified=False)
    v.refresh_from_db()
    assert (v.status, v.purpose_verified, v.completed_by) == ("done", False, officer)
    review = CreditReview.objects.get(loan=loan)
    assert (review.trigger, review.status, review.officer) == (ReviewTrigger.PURPOSE, "open", officer)
    with pytest.raises(TransitionNotAllowed):
        care.visit_complete(actor=officer, visit=v, visited_on=FRIDAY, method="phone", findings="again",
                            purpose_verified=True)


def post_disbursement_check(loan) -> FollowUpVisit:
    return FollowUpVisit.objects.get(loan=loan, kind=VisitKind.POST_DISBURSEMENT)


def test_funds_misused_after_the_days_review_was_done_still_get_a_review(today, officer, loan):
    # given the morning job's classification review of the loan, completed by its officer
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    assert care.care_daily(business_date=FRIDAY) == {
        "business_date": FRIDAY.isoformat(), "reviews_created": 1, "visits_created": 1,
        "reviews_cancelled": 0, "visits_cancelled": 0}
    morning = CreditReview.objects.get(loan=loan)
    care.credit_review_complete(actor=officer, review=morning, findings="Trading normally.", recommendation="maintain")
    # when later that day the use-of-funds check finds the money went elsewhere
    care.visit_complete(actor=officer, visit=post_disbursement_check(loan), visited_on=FRIDAY, method="on_site",
                        findings="Bought a car instead of stock.", purpose_verified=False)
    # then the loan gets a review for it at once, the same business date as the morning's
    review = CreditReview.objects.get(loan=loan, status="open")
    assert (review.trigger, review.business_date, review.officer, review.due_on) == (
        ReviewTrigger.PURPOSE, FRIDAY, officer, FRIDAY + timedelta(days=15))
    created = AuditEvent.objects.get(entity="credit_review", entity_id=review.pk, action="create")
    assert created.reason == "Bought a car instead of stock."
    assert created.data["visit"] == post_disbursement_check(loan).pk
    # and the job stays idempotent: a re-run for the day, and the next day, create nothing
    assert care.care_daily(business_date=FRIDAY)["reviews_created"] == 0
    assert care.care_daily(business_date=FRIDAY + timedelta(days=1))["reviews_created"] == 0
    assert CreditReview.objects.filter(loan=loan).count() == 2


def test_funds_misused_while_a_review_is_open_are_recorded_on_that_review(today, officer, loan, settings):
    # given the loan's open classification review from the morning job (given 60 days then)
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    settings.CUSTOMER_CARE = {"REVIEW_DUE_DAYS": 60}
    care.care_daily(business_date=FRIDAY)
    open_review = CreditReview.objects.get(loan=loan)
    assert (open_review.trigger, open_review.due_on) == ("classification", date(2027, 1, 19))
    # when a week later the use-of-funds check fails (reviews are now due in 15 days)
    settings.CUSTOMER_CARE = {}
    business_date_set(value=date(2026, 11, 27))
    care.visit_complete(actor=officer, visit=post_disbursement_check(loan), visited_on=date(2026, 11, 27),
                        method="on_site", findings="Stock never bought.", purpose_verified=False)
    # then there is still one open review, now for the misuse, and due as soon as a new one would be
    open_review.refresh_from_db()
    assert CreditReview.objects.filter(loan=loan).count() == 1
    assert (open_review.status, open_review.trigger, open_review.due_on) == (
        "open", ReviewTrigger.PURPOSE, date(2026, 12, 12))
    # and the finding is on the review's history, with the trigger it had
    event = AuditEvent.objects.get(entity="credit_review", entity_id=open_review.pk, action="trigger")
    assert (event.actor, event.reason, event.data["from_trigger"], event.data["trigger"]) == (
        officer, "Stock never bought.", "classification", "purpose")
    assert event.data["visit"] == post_disbursement_check(loan).pk
    # a failed check while a review due sooner is open leaves its date alone
    assert care._review_now(loan=loan, trigger=ReviewTrigger.PURPOSE, business_date=date(2026, 12, 1),
                            actor=officer).due_on == date(2026, 12, 12)


def test_a_visit_is_completed_by_its_officer_or_a_manager(today, officer, manager, borrower):
    v = care.visit_schedule(actor=officer, borrower=borrower, kind="other", scheduled_on=FRIDAY)
    assert v.officer == officer
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    with pytest.raises(NotAllowed):
        care.visit_complete(actor=colleague, visit=v, visited_on=FRIDAY, method="phone", findings="fine")
    with pytest.raises(InvalidInput):
        care.visit_cancel(actor=manager, visit=v, reason="")
    care.visit_cancel(actor=manager, visit=v, reason="Borrower moved away.")
    v.refresh_from_db()
    assert v.status == "cancelled"
    with pytest.raises(InvalidInput) as bad:
        care.visit_schedule(actor=officer, borrower=borrower, kind="complaint", scheduled_on=FRIDAY - timedelta(1))
    assert set(bad.value.errors) == {"scheduled_on", "complaint"}


# --- credit reviews: the periodic job -------------------------------------------------------------

JOB_DATE = date(2027, 6, 1)


@pytest.fixture
def book(loan, officer):
    """Loans whose needs differ on 2027-06-01 (6-monthly interval, 90-day lookback)."""
    def make(disbursed_on, **changes):
        copy = clone_loan(loan)
        Loan.objects.filter(pk=copy.pk).update(disbursed_on=disbursed_on, **changes)
        return Loan.objects.get(pk=copy.pk)
    Loan.objects.filter(pk=loan.pk).update(disbursed_on=date(2026, 11, 20))
    return {
        "old": Loan.objects.get(pk=loan.pk),  # disbursed more than 6 months ago: periodic review due
        "young": make(date(2027, 4, 1)),  # 2 months old, normal: nothing but its use-of-funds check
        "worse": make(date(2027, 4, 1), classification="special_mention", days_past_due=5),  # worsened
        "closed": make(date(2026, 11, 20), status=LoanStatus.CLOSED),
        "future": make(date(2027, 6, 2)),  # disbursed after the job's date
        "restructured": make(date(2026, 10, 1), status=LoanStatus.RESTRUCTURED),
    }


def reviews():
    return {(r.loan_id, r.business_date, r.trigger, r.status) for r in CreditReview.objects.all()}


def test_the_job_creates_the_right_review_tasks_exactly_once_for_a_date(book, officer):
    # when the job runs for a business date
    result = care.care_daily(business_date=JOB_DATE)
    # then the loans due (and only those) get a task for the loan's officer
    assert result["reviews_created"] == 3
    assert reviews() == {(book["old"].pk, JOB_DATE, "periodic", "open"),
                         (book["worse"].pk, JOB_DATE, "classification", "open"),
                         (book["restructured"].pk, JOB_DATE, "periodic", "open")}
    r = CreditReview.objects.get(loan=book["worse"])
    assert (r.officer, r.due_on, r.classification, r.branch_id) == (officer, date(2027, 6, 16), "special_mention",
                                                                    book["worse"].branch_id)
    # and the use-of-funds checks of the loans disbursed in the last 90 days, 30 days on
    visits = {(v.loan_id, v.scheduled_on) for v in FollowUpVisit.objects.filter(kind="post_disbursement")}
    assert visits == {(book["young"].pk, date(2027, 5, 1)), (book["worse"].pk, date(2027, 5, 1))}
    # when it runs again for the same date (or the next): nothing new
    again = care.care_daily(business_date=JOB_DATE)
    assert (again["reviews_created"], again["visits_created"]) == (0, 0)
    assert CreditReview.objects.count() == 3 and FollowUpVisit.objects.count() == 2
    # the next date: no review (all due ones are open), the check of the loan disbursed that day
    nxt = care.care_daily(business_date=JOB_DATE + timedelta(days=1))
    assert (nxt["reviews_created"], nxt["visits_created"]) == (0, 1)
    assert FollowUpVisit.objects.filter(loan=book["future"], scheduled_on=date(2027, 7, 2)).exists()


def test_a_completed_review_restarts_the_clock_and_worsening_triggers_the_next(book, officer, manager):
    care.care_daily(business_date=JOB_DATE)
    business_date_set(value=date(2027, 6, 3))
    for key, advice in (("old", "maintain"), ("worse", "maintain"), ("restructured", "watch")):
        care.credit_review_complete(actor=officer, review=CreditReview.objects.get(loan=book[key]),
                                    findings="Visited the shop; trading normally.", recommendation=advice)
    assert care.credit_reviews_create(business_date=date(2027, 6, 3)) == 0
    # the close moves the reviewed loan from special mention to substandard: reviewed again at once
    Loan.objects.filter(pk=book["worse"].pk).update(classification="substandard", days_past_due=95)
    assert care.credit_reviews_create(business_date=date(2027, 6, 4)) == 1
    assert CreditReview.objects.get(loan=book["worse"], status="open").trigger == "classification"
    # three months after a "watch" recommendation, that loan is due; the others wait for six
    assert care.credit_reviews_create(business_date=date(2027, 9, 1)) == 1
    assert CreditReview.objects.get(loan=book["restructured"], status="open").business_date == date(2027, 9, 1)
    # six months on: the maintained loan and the young one (now over six months old)
    assert care.credit_reviews_create(business_date=date(2027, 12, 1)) == 2
    assert {r.loan_id for r in CreditReview.objects.filter(business_date=date(2027, 12, 1))} == {
        book["old"].pk, book["young"].pk}


def test_tasks_of_loans_that_ended_are_cancelled_and_audited(book):
    care.care_daily(business_date=JOB_DATE)
    Loan.objects.filter(pk=book["old"].pk).update(status=LoanStatus.CLOSED)
    Loan.objects.filter(pk=book["young"].pk).update(status=LoanStatus.WRITTEN_OFF)
    result = care.care_daily(business_date=JOB_DATE + timedelta(days=1))
    assert (result["reviews_cancelled"], result["visits_cancelled"]) == (1, 1)
    review = CreditReview.objects.get(loan=book["old"])
    assert review.status == ReviewStatus.CANCELLED
    event = AuditEvent.objects.get(entity="credit_review", entity_id=review.pk)
    assert (event.action, event.actor, event.from_state, event.to_state) == ("cancel", None, "open", "cancelled")
    assert care.care_daily(business_date=JOB_DATE + timedelta(days=1))["reviews_cancelled"] == 0


def test_the_reason_a_task_was_cancelled_is_translated_and_its_code_kept(book):
    from django.utils import translation

    care.care_daily(business_date=JOB_DATE)
    Loan.objects.filter(pk=book["old"].pk).update(status=LoanStatus.CLOSED)
    Loan.objects.filter(pk=book["young"].pk).update(status=LoanStatus.WRITTEN_OFF)
    with translation.override("en"):
        care.care_daily(business_date=JOB_DATE + timedelta(days=1))
    review = CreditReview.objects.get(loan=book["old"])
    visit = FollowUpVisit.objects.get(loan=book["young"])
    paid = AuditEvent.objects.get(entity="credit_review", entity_id=review.pk, action="cancel")
    written = AuditEvent.objects.get(entity="follow_up_visit", entity_id=visit.pk, action="cancel")
    # the "Why" column reads as a sentence in the language the job ran in ...
    assert (paid.reason, written.reason) == ("The loan was paid off.", "The loan was written off.")
    # ... and the data keeps the neutral code, whatever that language was
    assert paid.data == {"code": "loan_ended", "loan": book["old"].pk, "loan_status": "closed"}
    assert written.data == {"code": "loan_ended", "loan": book["young"].pk, "loan_status": "written_off"}
    assert care._loan_ended_reason("closed") != care._loan_ended_reason("written_off")


def _job_in_another_connection(business_date: date) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run():
        try:
            out["result"] = care.care_daily(business_date=business_date)
        except Exception as exc:  # reported by the assertions
            out["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _ended_loan_with_open_tasks(loan) -> tuple[CreditReview, FollowUpVisit]:
    care.care_daily(business_date=FRIDAY)  # the loan's use-of-funds check
    Loan.objects.filter(pk=loan.pk).update(classification="special_mention")
    care.care_daily(business_date=FRIDAY + timedelta(days=1))  # and a review
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
        care.credit_review_complete(actor=officer, review=review, findings="Paid off early.",
                                    recommendation="maintain")
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
        first = care.care_daily(business_date=FRIDAY + timedelta(days=2))
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
        assert care.care_daily(business_date=JOB_DATE)["reviews_created"] == 2
    for _ in range(6):
        clone_loan(loan)
    with CaptureQueriesContext(connection) as large:
        assert care.care_daily(business_date=JOB_DATE + timedelta(days=1))["reviews_created"] == 6
    assert len(large) == len(small)
    assert sum("INSERT INTO" in q["sql"] and "SELECT" in q["sql"] for q in large.captured_queries) == 2


def test_the_celery_task_runs_the_job_for_the_business_date(book):
    from servicing.care_tasks import care_periodic_reviews
    from servicing.tasks import reminders_for_date  # noqa: F401 - the module that registers the task

    assert care_periodic_reviews.name == "servicing.care_periodic_reviews"
    result = care_periodic_reviews.apply(kwargs={"business_date": JOB_DATE.isoformat()}).get()
    assert result["reviews_created"] == 3
    from microloan.celery import app
    assert "servicing.care_periodic_reviews" in app.tasks
    assert any(e["task"] == "servicing.care_periodic_reviews" for e in app.conf.beat_schedule.values())


def test_completing_a_review(today, officer, manager, loan):
    from underwriting.models import CreditRecord

    care.care_daily(business_date=JOB_DATE)
    r = CreditReview.objects.get(loan=loan)
    record = CreditRecord.objects.create(borrower=loan.borrower, as_of=FRIDAY, created_by=officer)
    with pytest.raises(InvalidInput) as bad:
        care.credit_review_complete(actor=officer, review=r, findings="", recommendation="forget")
    assert set(bad.value.errors) == {"findings", "recommendation"}
    auditor = UserFactory(role=Role.AUDITOR, branch=officer.branch)
    with pytest.raises(NotAllowed):
        care.credit_review_complete(actor=auditor, review=r, findings="ok", recommendation="maintain")
    care.credit_review_complete(actor=officer, review=r, findings="Sales down 30%.", recommendation="reduce_limit")
    r.refresh_from_db()
    assert (r.status, r.recommendation, r.credit_record, r.completed_by, r.completed_on) == (
        "done", "reduce_limit", record, officer, FRIDAY)
    assert AuditEvent.objects.filter(entity="loan", entity_id=loan.pk, action="credit_review").exists()
    with pytest.raises(TransitionNotAllowed):
        care.credit_review_complete(actor=manager, review=r, findings="again", recommendation="maintain")


# --- feedback ------------------------------------------------------------------------------------

def resolved(officer, borrower) -> Complaint:
    c = file(officer, borrower)
    for action in ("acknowledge", "investigate"):
        care.complaint_transition(actor=officer, complaint=c, action=action)
    care.complaint_transition(actor=officer, complaint=c, action="resolve", resolution="Refunded.")
    c.refresh_from_db()
    return c


def test_feedback_once_per_subject(today, officer, borrower, borrower_user):
    c = file(officer, borrower)
    with pytest.raises(TransitionNotAllowed):  # not resolved yet
        care.feedback_submit(actor=borrower_user, score=5, complaint=c)
    c = resolved(officer, borrower)
    f = care.feedback_submit(actor=borrower_user, score=4, comment="Quick.", complaint=c)
    assert (f.subject, f.score, f.borrower, f.branch) == ("complaint", 4, borrower, borrower.branch)
    with pytest.raises(InvalidInput) as again:
        care.feedback_submit(actor=borrower_user, score=1, complaint=c)
    assert "complaint" in again.value.errors
    care.feedback_submit(actor=borrower_user, score=3)
    with pytest.raises(InvalidInput):  # general feedback: once a month
        care.feedback_submit(actor=borrower_user, score=2)
    business_date_set(value=date(2026, 12, 1))
    care.feedback_submit(actor=borrower_user, score=2)
    assert Feedback.objects.count() == 3


def test_feedback_input_and_ownership(today, officer, borrower, borrower_user):
    other = BorrowerFactory(branch=borrower.branch)
    theirs = resolved(officer, other)
    with pytest.raises(InvalidInput) as bad:
        care.feedback_submit(actor=borrower_user, score=6, complaint=theirs)
    assert set(bad.value.errors) == {"score", "complaint"}
    with pytest.raises(NotAllowed):
        care.feedback_submit(actor=officer, score=5)
    v = care.visit_schedule(actor=officer, borrower=borrower, kind="other", scheduled_on=FRIDAY)
    with pytest.raises(TransitionNotAllowed):
        care.feedback_submit(actor=borrower_user, score=5, visit=v)
    care.visit_complete(actor=officer, visit=v, visited_on=FRIDAY, method="phone", findings="All fine.")
    v.refresh_from_db()
    assert care.feedback_submit(actor=borrower_user, score=5, visit=v).subject == "visit"


def test_the_care_daily_command_runs_the_job_once_per_date(loan, capsys):
    from django.core.management import call_command

    call_command("care_daily", "--date", "2026-11-21")
    first = capsys.readouterr().out
    call_command("care_daily", "--date", "2026-11-21")
    again = capsys.readouterr().out

    assert "visits_created: 1" in first and FollowUpVisit.objects.filter(loan=loan).count() == 1
    assert "visits_created: 0" in again and "reviews_created: 0" in again
