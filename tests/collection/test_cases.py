"""Collection cases: opened, assigned, escalated once per step, closed when current; conduct
rules on every contact; promises; write-off with approval and recoveries; the screens."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.case_models import CaseStep, CollectionCase, ContactAttempt, PromiseToPay
from collection.cases import contact_log, promise_create, recovery_post, writeoff_decide, writeoff_request
from collection.close import close_day
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.ledger import Acct, balances_by_loan
from microloan.models import AuditEvent, Role
from servicing.models import Loan
from servicing.repayments import repayment_post

from ..factories import UserFactory

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal
SH = ZoneInfo("Asia/Shanghai")


def close(day):
    business_date_set(value=day)
    return close_day(business_date=day)


def close_through(start, end):
    day = start
    while day <= end:
        close(day)
        day = date.fromordinal(day.toordinal() + 1)


@pytest.fixture
def collectors(branch):
    return [UserFactory(username=f"collector{i}", role=Role.COLLECTOR, branch=branch) for i in range(2)]


@pytest.fixture
def overdue_case(loan, collectors):
    close_through(date(2026, 12, 20), date(2026, 12, 21))
    return CollectionCase.objects.get(loan=loan)


def test_case_opens_on_the_first_overdue_day_is_assigned_and_escalates_once(loan, collectors):
    close_through(date(2026, 12, 19), date(2026, 12, 20))
    assert not CollectionCase.objects.exists()  # due today is not overdue yet
    close(date(2026, 12, 21))
    case = CollectionCase.objects.get(loan=loan)
    assert case.opened_on == date(2026, 12, 21) and case.status == "open"
    assert case.assigned_to in collectors
    assert list(case.steps.values_list("step", flat=True)) == ["overdue_notice"]
    from microloan.notifications import Notification
    assert Notification.objects.filter(kind="overdue_notice", reference=f"case:{case.pk}").count() == 1
    close_through(date(2026, 12, 22), date(2026, 12, 24))  # dpd 4: officer call due from dpd 3
    assert list(case.steps.values_list("step", flat=True)) == ["overdue_notice", "officer_call"]
    # re-running a day takes no step twice
    close(date(2026, 12, 24))
    assert CaseStep.objects.filter(case=case).count() == 2
    assert AuditEvent.objects.filter(entity="loan", entity_id=loan.pk, action__startswith="escalation:").count() == 2


def test_load_balanced_assignment(portfolio, collectors):
    close_through(date(2026, 12, 20), date(2026, 12, 21))
    loads = sorted(CollectionCase.objects.values_list("assigned_to", flat=True))
    assert sorted(loads.count(c.pk) for c in collectors) == [2, 2]


def test_case_closes_when_the_loan_is_current_again(overdue_case, officer, loan):
    business_date_set(value=date(2026, 12, 22))
    loan.refresh_from_db()
    assert loan.overdue_amount > 0
    repayment_post(actor=officer, loan=Loan.objects.get(pk=loan.pk), amount=loan.overdue_amount + D("5.00"),
                   paid_on=date(2026, 12, 22), channel="cash")
    close(date(2026, 12, 22))
    overdue_case.refresh_from_db()
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.business_date) == (0, date(2026, 12, 22)), (loan.days_past_due, loan.bucket,
                                                                                  loan.business_date)
    assert (overdue_case.status, overdue_case.closed_on, overdue_case.outcome) == ("closed", date(2026, 12, 22),
                                                                                   "cured")


def at(hour, minute=0, day=22):
    return datetime(2026, 12, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize("hour,minute,refused", [(7, 59, True), (8, 0, False), (21, 59, False), (22, 0, True),
                                                 (23, 30, True)])
def test_no_contact_between_22_and_8_local_time(overdue_case, collectors, hour, minute, refused):
    a = contact_log(actor=collectors[0], case=overdue_case, channel="call", at=at(hour, minute))
    assert a.refused is refused
    if refused:
        assert "22:00" in a.refusal_reason
    assert ContactAttempt.objects.count() == 1  # refused or not, every attempt is logged


def test_daily_caps_across_all_staff(overdue_case, collectors, branch):
    officer2 = UserFactory(role=Role.OFFICER, branch=branch)
    staff = [collectors[0], collectors[1], officer2]
    results = [contact_log(actor=staff[i % 3], case=overdue_case, channel="call", connected=False, at=at(9, i))
               for i in range(7)]
    assert [r.refused for r in results] == [False] * 6 + [True]
    assert "6" in results[-1].refusal_reason
    # the next day the count starts again
    assert not contact_log(actor=collectors[0], case=overdue_case, channel="call", at=at(9, day=23)).refused


def test_at_most_three_connected_calls_a_day(overdue_case, collectors):
    for i in range(3):
        assert not contact_log(actor=collectors[i % 2], case=overdue_case, channel="call", connected=True,
                               at=at(10, i)).refused
    fourth = contact_log(actor=collectors[0], case=overdue_case, channel="call", connected=True, at=at(11))
    assert fourth.refused and "3" in fourth.refusal_reason
    assert not contact_log(actor=collectors[0], case=overdue_case, channel="visit", at=at(12)).refused


def test_no_third_parties_other_than_guarantors(overdue_case, collectors, loan):
    app = loan.application
    app.guarantors = [{"name": "王五", "mobile": "13900000009"}]
    app.save(update_fields=["guarantors"])
    assert contact_log(actor=collectors[0], case=overdue_case, channel="call", party="third_party",
                       party_name="neighbour", at=at(10)).refused
    assert contact_log(actor=collectors[0], case=overdue_case, channel="call", party="guarantor",
                       party_name="李四", at=at(10, 5)).refused
    assert not contact_log(actor=collectors[0], case=overdue_case, channel="call", party="guarantor",
                           party_name="王五", at=at(10, 10)).refused


def test_promise_kept_or_broken_after_its_date(overdue_case, collectors, officer, loan):
    business_date_set(value=date(2026, 12, 22))
    kept = promise_create(actor=collectors[0], case=overdue_case, amount=D("300.00"), promised_on=date(2026, 12, 23))
    repayment_post(actor=officer, loan=Loan.objects.get(pk=loan.pk), amount=D("300.00"), paid_on=date(2026, 12, 22),
                   channel="cash")
    close_through(date(2026, 12, 22), date(2026, 12, 24))
    kept.refresh_from_db()
    assert kept.status == "kept"
    broken = promise_create(actor=collectors[0], case=overdue_case, amount=D("500.00"),
                            promised_on=date(2026, 12, 25))
    close_through(date(2026, 12, 25), date(2026, 12, 26))
    broken.refresh_from_db()
    assert broken.status == "broken" and broken.checked_on == date(2026, 12, 26)
    with pytest.raises(InvalidInput):
        promise_create(actor=collectors[0], case=overdue_case, amount=D("1"), promised_on=date(2026, 1, 1))
    assert PromiseToPay.objects.count() == 2


def test_write_off_needs_loss_class_and_another_approver_then_recoveries(overdue_case, collectors, approver, loan):
    with pytest.raises(TransitionNotAllowed):
        writeoff_request(actor=collectors[0], loan=loan, reason="absconded")
    Loan.objects.filter(pk=loan.pk).update(classification="loss")
    w = writeoff_request(actor=approver, loan=loan, reason="absconded")
    with pytest.raises(NotAllowed):
        writeoff_decide(actor=approver, write_off=w, approve=True)  # four eyes
    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    writeoff_decide(actor=boss, write_off=w, approve=True)
    loan.refresh_from_db()
    assert loan.status == "written_off"
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.LOAN_PRINCIPAL, Acct.LOAN_LOSS_PROVISION])
    assert bal[loan.pk][Acct.LOAN_PRINCIPAL] == 0 and bal[loan.pk][Acct.LOAN_LOSS_PROVISION] == 0
    overdue_case.refresh_from_db()
    assert overdue_case.status == "closed" and overdue_case.outcome == "written_off"
    business_date_set(value=date(2027, 1, 5))
    recovery_post(actor=collectors[0], loan=loan, amount=D("1234.00"), received_on=date(2027, 1, 5), channel="cash")
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.RECOVERY_INCOME])
    assert bal[loan.pk][Acct.RECOVERY_INCOME] == D("1234.00")


def test_worklist_and_case_pages(client, overdue_case, collectors, portfolio):
    client.force_login(collectors[0])
    with CaptureQueriesContext(connection) as q:
        r = client.get("/collections/")
    assert r.status_code == 200
    mine_first = [c.assigned_to_id for c in r.context["page"]]
    assert mine_first == sorted(mine_first, key=lambda a: a != collectors[0].pk)
    assert len(q) < 15
    r = client.get(f"/collections/{overdue_case.pk}/")
    assert r.status_code == 200 and "overdue_notice" in r.content.decode()
    r = client.post(f"/collections/{overdue_case.pk}/", {"step": "contact", "channel": "call",
                                                         "party": "third_party", "party_name": "x"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and "third parties" in r.content.decode()
    assert ContactAttempt.objects.filter(refused=True).count() == 1


def test_sandbox_advances_the_business_date_through_the_close(client, loan, approver, settings):
    settings.SANDBOX_ENABLED = True
    business_date_set(value=date(2026, 12, 20))
    client.force_login(approver)
    r = client.post("/sandbox/advance/", {"days": "3"})
    assert r.status_code == 302
    loan.refresh_from_db()
    from microloan.business_date import business_date
    assert business_date() == date(2026, 12, 23) and loan.days_past_due == 2
    settings.SANDBOX_ENABLED = False
    assert client.post("/sandbox/advance/", {"days": "1"}).status_code == 403


def test_each_sandbox_morning_runs_the_customer_service_job_and_the_reminders(client, loan, approver, settings):
    from care.models import FollowUpVisit
    from microloan.notifications import Notification

    settings.SANDBOX_ENABLED = True
    business_date_set(value=date(2027, 1, 15))
    client.force_login(approver)
    assert client.post("/sandbox/advance/", {"days": "2"}).status_code == 302

    # the post-disbursement check is scheduled once, and on Jan 17 the borrower is reminded
    # of the instalment due on Jan 20 (three days before)
    assert FollowUpVisit.objects.filter(loan=loan, kind="post_disbursement").count() == 1
    due = loan.installments.get(is_current=True, due_date=date(2027, 1, 20))
    reminders = Notification.objects.filter(kind="reminder_before")
    assert reminders.exists() and set(reminders.values_list("reference", flat=True)) == {f"installment:{due.pk}"}


def test_the_case_page_shows_the_borrowers_complaints_conduct_first(client, overdue_case, collectors, loan, officer):
    from care import services

    service = services.complaint_file(actor=officer, borrower=loan.borrower, category="service", channel="phone",
                                      description="Queue too long.", loan=loan)
    conduct = services.complaint_file(actor=officer, borrower=loan.borrower, category="collection_conduct",
                                      channel="phone", description="Called at 23:00.", loan=loan)
    client.force_login(collectors[0])
    r = client.get(f"/collections/{overdue_case.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert r.status_code == 200
    assert [c.pk for c in r.context["complaints"]] == [conduct.pk, service.pk]
    html = r.content.decode()
    assert f"#{conduct.pk}" in html and 'class="breach"' in html
    assert f'href="/care/complaints/{conduct.pk}/"' not in html  # collectors do not work complaints


def test_write_off_approval_refused_when_the_loan_was_paid_meanwhile(overdue_case, collectors, approver, loan):
    Loan.objects.filter(pk=loan.pk).update(classification="loss")
    w = writeoff_request(actor=collectors[0], loan=loan, reason="absconded")
    Loan.objects.filter(pk=loan.pk).update(status="closed")
    with pytest.raises(TransitionNotAllowed):
        writeoff_decide(actor=approver, write_off=w, approve=True)
    loan.refresh_from_db()
    assert loan.status == "closed"
