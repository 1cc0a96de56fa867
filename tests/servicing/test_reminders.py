"""Repayment reminders: before and on the due date, once per instalment and kind, in the
borrower's language, never in the quiet hours; real Celery workers racing on real Redis."""

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microloan.models import Branch
from microloan.notifications import (
    Notification,
    Outcome,
    notification_deliver,
    notifications_resend_pending,
    sms_signature,
)
from servicing.models import Installment, Loan
from servicing.reminders import reminder_text, reminders_create
from servicing.tasks import reminders_for_date

from ..applications.factories import BorrowerFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory
from ..kernel.notifications.helpers import FILE_BACKEND, celery_workers, wait_for
from ..underwriting.conftest import submitted_app, to_pending
from .conftest import BUSINESS_DATE

# Loans are disbursed on 2026-11-20, monthly: instalment 1 is due on 2026-12-20.
DUE = date(2026, 12, 20)
THREE_DAYS_BEFORE = date(2026, 12, 17)
MORNING = datetime(2026, 12, 17, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def reminders():
    """The outbox's reminders (the steps before them — approval, contract, payout — have their
    own messages, applications/notices.py)."""
    return Notification.objects.filter(kind__startswith="reminder")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def disbursed_loan(officer, reviewer, approver, product, *, with_login=False, **borrower_kw) -> Loan:
    """A loan taken through the API from application to disbursement."""
    borrower = BorrowerFactory(
        **{
            "branch": officer.branch,
            "segment": "salaried",
            "years_in_business": 4,
            "monthly_income": Decimal("8000.00"),
            **borrower_kw,
        }
    )
    if with_login:
        borrower.user = UserFactory(role="borrower", branch=borrower.branch)
        borrower.save(update_fields=["user"])
    app = to_pending(submitted_app(officer, product, borrower=borrower), officer, reviewer)
    r = client_for(approver).post(
        f"/api/v1/applications/{app.pk}/decision/",
        {"decision": "approve", "approved_amount": "10000.00", "approved_term": 12, "approved_rate": "0.1200"},
        format="json",
    )
    assert r.status_code == 200, r.content
    o = client_for(officer)
    assert o.post(f"/api/v1/applications/{app.pk}/contract/", {}, format="json").status_code == 200
    assert o.post(f"/api/v1/applications/{app.pk}/sign/", {}, format="json").status_code == 200
    r = o.post(
        f"/api/v1/applications/{app.pk}/disburse/",
        {
            "disbursed_on": BUSINESS_DATE.isoformat(),
            "channel": "bank_transfer",
            "reference": "TX",
            "beneficiary_account": "6222020200112233445",
        },
        format="json",
    )
    assert r.status_code == 202, r.content
    supervisor = UserFactory(role="supervisor", branch=officer.branch)
    r = client_for(supervisor).post(f"/api/v1/applications/{app.pk}/release/", {}, format="json")
    assert r.status_code == 201, r.content
    return Loan.objects.select_related("borrower").get(pk=r.data["loan"])


@pytest.fixture
def make_loan(biz_date, officer, reviewer, approver, sv_product):
    def make(**kw):
        return disbursed_loan(officer, reviewer, approver, sv_product, **kw)

    return make


def first_installment(loan) -> Installment:
    return loan.installments.get(number=1, is_current=True)


def by_key():
    return {n.dedupe_key: n for n in reminders()}


# --- what is written -------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminders_before_and_on_the_due_date_in_the_borrowers_language(make_loan):
    # given a Chinese-speaking borrower with a login and an English-speaking one without
    zh = make_loan(language="zh-hans", with_login=True, full_name="王小明", mobile="13900000001")
    en = make_loan(language="en", full_name="Li Lei", mobile="13900000002")
    zi, ei = first_installment(zh), first_installment(en)
    amount = f"{zi.principal_due + zi.interest_due:,.2f}"
    assert amount == "888.49"

    # when the job runs three days before the due date
    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 3

    # then an SMS each, in their language, and an in-app message for the one with a login
    rows = by_key()
    assert set(rows) == {
        f"reminder:{zi.pk}:reminder_before:sms",
        f"reminder:{zi.pk}:reminder_before:inapp",
        f"reminder:{ei.pk}:reminder_before:sms",
    }
    zh_sms, zh_app = rows[f"reminder:{zi.pk}:reminder_before:sms"], rows[f"reminder:{zi.pk}:reminder_before:inapp"]
    en_sms = rows[f"reminder:{ei.pk}:reminder_before:sms"]
    assert (zh_sms.to_address, zh_sms.language, zh_sms.kind, zh_sms.reference) == (
        "13900000001",
        "zh-hans",
        "reminder_before",
        f"installment:{zi.pk}",
    )
    assert zh_sms.body.startswith("【示范小额贷款有限公司】王小明您好")
    for text in (f"编号{zh.contract.number}", f"{amount}元", "2026-12-20"):
        assert text in zh_sms.body and text in zh_app.body
    assert (zh_app.user_id, zh_app.subject, zh_app.to_address) == (zh.borrower.user_id, "还款提醒", "")
    assert (en_sms.to_address, en_sms.language) == ("13900000002", "en")
    assert en_sms.body.startswith("[Demo Microcredit Co., Ltd.] Dear Li Lei,")
    for text in (f"loan no. {en.contract.number}", f"CNY {amount}", "due on 2026-12-20"):
        assert text in en_sms.body
    assert {n.not_before for n in rows.values()} == {MORNING}  # 10:00 local: nothing held back
    assert {n.status for n in rows.values()} == {"pending"}

    # and on the due date itself: the "due today" kind
    assert reminders_create(business_date=date(2026, 12, 18), now=MORNING) == 0
    assert reminders_create(business_date=DUE, now=utc(2026, 12, 20, 2)) == 3
    due = reminders().filter(kind="reminder_due")
    assert due.count() == 3 and all("2026-12-20" in n.body for n in due)
    assert "今天（2026-12-20）到期" in due.get(channel="sms", language="zh-hans").body
    assert "is due today (2026-12-20)" in due.get(language="en").body


@pytest.mark.django_db
def test_running_twice_sends_each_reminder_once(make_loan):
    loan = make_loan(with_login=True)
    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 2
    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=utc(2026, 12, 17, 5)) == 0
    assert reminders_create(business_date=THREE_DAYS_BEFORE, days_before=3) == 0
    keys = Counter(reminders().values_list("reference", "kind", "channel"))
    assert keys == {
        (f"installment:{first_installment(loan).pk}", "reminder_before", "sms"): 1,
        (f"installment:{first_installment(loan).pk}", "reminder_before", "inapp"): 1,
    }


@pytest.mark.django_db
def test_only_unpaid_current_instalments_of_active_loans_are_reminded(make_loan):
    paid, closed, rescheduled, partly = (make_loan(mobile=f"1390000000{i}") for i in range(4))
    i = first_installment(paid)
    Installment.objects.filter(pk=i.pk).update(
        status="paid", principal_paid=i.principal_due, interest_paid=i.interest_due
    )
    Loan.objects.filter(pk=closed.pk).update(status="closed")
    Installment.objects.filter(loan=rescheduled).update(is_current=False)
    j = first_installment(partly)
    Installment.objects.filter(pk=j.pk).update(
        status="partially_paid", interest_paid=j.interest_due, principal_paid=Decimal("100.00")
    )

    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 1
    n = reminders().get()
    assert n.reference == f"installment:{j.pk}"
    assert f"{j.principal_due - Decimal('100.00'):,.2f}" in n.body  # what is still owed


@pytest.mark.django_db
def test_days_before_comes_from_the_policy(make_loan, settings):
    make_loan()
    settings.SERVICING = {**getattr(settings, "SERVICING", {}), "REMINDER_DAYS_BEFORE": 5}
    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 0
    assert reminders_create(business_date=date(2026, 12, 15), now=MORNING) == 1
    assert reminders_create(business_date=date(2026, 12, 13), days_before=7, now=MORNING) == 0  # same kind: once


@pytest.mark.django_db
def test_reminders_are_one_select_and_one_insert_whatever_the_portfolio(make_loan):
    make_loan(with_login=True)
    with CaptureQueriesContext(connection) as one:
        assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 2
    Notification.objects.all().delete()
    for _ in range(3):
        make_loan(with_login=True)
    with CaptureQueriesContext(connection) as four:
        assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 8
    assert len(four) == len(one)
    # one select of the instalments (and one of the holiday calendar's window: working days)
    assert sum("SELECT" in q["sql"] and "microloan_holiday" not in q["sql"] for q in four.captured_queries) == 1
    assert sum(q["sql"].startswith("INSERT") for q in four.captured_queries) == 1


# --- quiet hours -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_reminder_created_at_2330_is_held_back_until_0800(make_loan, settings, tmp_path):
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = FILE_BACKEND, str(tmp_path / "sms.log")
    make_loan(with_login=True)
    Notification.objects.exclude(kind__startswith="reminder").delete()  # the loan's own step messages
    late = utc(2026, 12, 17, 15, 30)  # 23:30 in Shanghai
    eight = utc(2026, 12, 18, 0, 0)  # 08:00 the next morning

    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=late) == 2

    rows = list(reminders())
    assert {(n.not_before, n.tz_name, n.enqueued_at) for n in rows} == {(eight, "Asia/Shanghai", None)}
    # not delivered by deliver or by resend before 08:00 ...
    for now in (late, utc(2026, 12, 17, 23, 59)):
        assert {notification_deliver(notification_id=n.pk, now=now) for n in rows} == {Outcome.NOT_DUE}
        assert notifications_resend_pending(now=now) == 0
    assert not (tmp_path / "sms.log").exists()
    # ... and delivered from then on
    assert notifications_resend_pending(now=utc(2026, 12, 18, 0, 1)) == 2
    assert {notification_deliver(notification_id=n.pk, now=utc(2026, 12, 18, 0, 1)) for n in rows} == {Outcome.SENT}
    assert len((tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()) == 1


@pytest.mark.django_db
def test_quiet_hours_are_the_borrowers_local_time(make_loan, branch):
    # given a branch in London: the 08:05 Shanghai beat run is five past midnight there
    Branch.objects.filter(pk=branch.pk).update(timezone="Europe/London")
    make_loan()
    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=utc(2026, 12, 17, 0, 5)) == 1
    assert reminders().get().not_before == utc(2026, 12, 17, 8, 0)  # 08:00 London (GMT)


# --- real workers on real Redis ------------------------------------------------------------


# The workers read the machine's clock, which a test cannot pin: they run with the quiet hours
# switched off (equal start and end), so what they send does not depend on the hour.
NO_QUIET_HOURS = {"NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00"}


def runs_in(worker_log) -> int:
    return sum(
        "servicing.reminders_for_date[" in line and line.rstrip().endswith("received")
        for line in worker_log.read_text().splitlines()
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.machine_clock
def test_two_workers_racing_on_the_same_business_date_send_each_reminder_once(make_loan, branch, tmp_path):
    # given loans due in three days and today
    soon = make_loan(language="zh-hans", with_login=True, mobile="13900000001")
    today = make_loan(language="en", with_login=True, mobile="13900000002")
    Installment.objects.filter(pk=first_installment(today).pk).update(due_date=THREE_DAYS_BEFORE)
    sms_file = tmp_path / "sms.log"

    with celery_workers(
        2, tmp_path=tmp_path, env={"SMS_BACKEND": FILE_BACKEND, "SMS_FILE_PATH": str(sms_file), **NO_QUIET_HOURS}
    ) as queue:
        # when the job for one business date is sent twice at once to two workers
        results = [reminders_for_date.apply_async(args=[THREE_DAYS_BEFORE.isoformat()], queue=queue) for _ in range(2)]
        created = [r.get(timeout=60)["created"] for r in results]
        # (each worker ran one of the two: they raced rather than took turns)
        wait_for(
            lambda: [runs_in(log) for log in sorted(tmp_path.glob(f"{queue}-*.log"))] == [1, 1],
            what="both workers to log their run",
        )
        # then between them they wrote each reminder once ...
        assert sum(created) == 4
        expected = {
            (f"installment:{first_installment(soon).pk}", "reminder_before", "sms"),
            (f"installment:{first_installment(soon).pk}", "reminder_before", "inapp"),
            (f"installment:{first_installment(today).pk}", "reminder_due", "sms"),
            (f"installment:{first_installment(today).pk}", "reminder_due", "inapp"),
        }
        assert Counter(reminders().values_list("reference", "kind", "channel")) == dict.fromkeys(expected, 1)
        # ... and the workers delivered each one once
        wait_for(lambda: not reminders().exclude(status="sent").exists(), what="the deliveries")
        # and a third run for the date changes nothing
        assert (
            reminders_for_date.apply_async(args=[THREE_DAYS_BEFORE.isoformat()], queue=queue).get(timeout=60)["created"]
            == 0
        )

    assert set(reminders().values_list("status", "attempts")) == {("sent", 1)}
    lines = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert sorted(x["to"] for x in lines) == ["13900000001", "13900000002"]
    assert sorted(x["text"] for x in lines) == sorted(reminders().filter(channel="sms").values_list("body", flat=True))
    assert "您好" in next(x["text"] for x in lines if x["to"] == "13900000001")
    assert "Dear" in next(x["text"] for x in lines if x["to"] == "13900000002")


# --- the words -------------------------------------------------------------------------------

TEXT_FIELDS = {"name": "王小明", "loan_id": 42, "number": 3, "amount": Decimal("1888.5"), "due_date": DUE}


@pytest.mark.parametrize(
    ("language", "kind", "subject", "body"),
    [
        (
            "zh-hans",
            "reminder_before",
            "还款提醒",
            "王小明您好，您的借款（编号42）第3期应还 1,888.50元，将于2026-12-20到期，请按时还款。",
        ),
        (
            "zh-hans",
            "reminder_due",
            "今日还款提醒",
            "王小明您好，您的借款（编号42）第3期应还 1,888.50元，今天（2026-12-20）到期，请今日还款，以免产生罚息。",
        ),
        (
            "en",
            "reminder_before",
            "Repayment reminder",
            "Dear 王小明, instalment 3 of your loan no. 42, CNY 1,888.50, is due on 2026-12-20. Please pay on time.",
        ),
        (
            "en",
            "reminder_due",
            "Repayment due today",
            "Dear 王小明, instalment 3 of your loan no. 42, CNY 1,888.50, is due today (2026-12-20). Please pay today "
            "to avoid penalty interest.",
        ),
    ],
)
def test_reminder_text_in_each_language(language, kind, subject, body):
    assert reminder_text(language=language, kind=kind, **TEXT_FIELDS) == (subject, body)


@pytest.mark.parametrize("language", ["fr", "", "zh"])
def test_a_language_we_do_not_write_gets_the_default_one(language, settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert reminder_text(language=language, kind="reminder_before", **TEXT_FIELDS) == reminder_text(
        language="zh-hans", kind="reminder_before", **TEXT_FIELDS
    )


def test_another_currency_is_named_by_its_code(settings):
    settings.CURRENCY = "USD"
    _subject, zh = reminder_text(language="zh-hans", kind="reminder_before", **TEXT_FIELDS)
    _subject, en = reminder_text(language="en", kind="reminder_before", **TEXT_FIELDS)
    assert "应还 1,888.50USD，" in zh and "loan no. 42, USD 1,888.50," in en


def test_sms_signature_names_the_lender_in_the_readers_language(settings):
    settings.LENDER = {"name": "示范小额贷款有限公司", "name_en": "Demo Microcredit Co., Ltd."}
    assert sms_signature("zh-hans") == "【示范小额贷款有限公司】"
    assert sms_signature("en") == "[Demo Microcredit Co., Ltd.] "
    assert sms_signature("fr") == "【示范小额贷款有限公司】"
    settings.LENDER = {"name": "示范小额贷款有限公司"}
    assert sms_signature("en") == "[示范小额贷款有限公司] "  # no English name: the Chinese one
    settings.LENDER = {}
    assert sms_signature("zh-hans") == sms_signature("en") == ""


@pytest.mark.django_db
def test_borrower_without_a_language_gets_the_default_one(make_loan):
    loan = make_loan(language="", full_name="王小明", mobile="13900000001")

    assert reminders_create(business_date=THREE_DAYS_BEFORE, now=MORNING) == 1

    sms = reminders().get()
    assert sms.language == "zh-hans"
    assert sms.body.startswith("【示范小额贷款有限公司】王小明您好") and f"编号{loan.contract.number}" in sms.body


@pytest.mark.django_db
def test_a_restructured_loan_is_reminded_on_its_new_schedule_and_a_written_off_one_is_not(make_loan, branch):
    from servicing.restructuring import restructuring_decide, restructuring_request

    deferred, written_off = make_loan(mobile="13900000011"), make_loan(mobile="13900000012")
    officer = UserFactory(role="officer", branch=deferred.branch)
    manager = UserFactory(role="manager", branch=deferred.branch)
    r = restructuring_request(
        actor=officer, loan=deferred, kind="deferral", cause="disaster", periods=2, reason="typhoon"
    )
    restructuring_decide(actor=manager, restructuring=r, approve=True)
    deferred.refresh_from_db()
    assert deferred.status == "restructured" and deferred.schedule_version == 2
    Loan.objects.filter(pk=written_off.pk).update(status="written_off")

    # instalment 1 moved from 2026-12-20 to 2027-02-20: nothing on the old date, a reminder on the new
    assert reminders_create(business_date=DUE, now=MORNING) == 0
    new_first = first_installment(deferred)
    assert new_first.due_date == date(2027, 2, 20) and new_first.schedule_version == 2
    assert reminders_create(business_date=date(2027, 2, 20), now=MORNING) == 1
    # (the step messages of the restructuring are the outbox's too: count the reminder alone)
    assert Notification.objects.filter(reference=f"installment:{new_first.pk}").count() == 1
