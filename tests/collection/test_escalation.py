"""collection.services.escalation: the ladder the close runs, a step once per case, each
audited on the loan; the overdue notice worded in the borrower's language and written through
the outbox (once per case, held to the contact window)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Borrower
from collection.case_models import CaseStep, CollectionCase
from collection.services.escalation import escalation_run
from microloan.models import AuditEvent
from microloan.notifications import Notification
from servicing.models import Loan

from .factories import close, close_through

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
SH = ZoneInfo("Asia/Shanghai")


def test_case_opens_on_the_first_overdue_day_is_assigned_and_escalates_once(loan, collectors):
    close_through(date(2026, 12, 19), date(2026, 12, 20))
    assert not CollectionCase.objects.exists()  # due today is not overdue yet
    close(date(2026, 12, 21))
    case = CollectionCase.objects.get(loan=loan)
    assert case.opened_on == date(2026, 12, 21) and case.status == "open"
    assert case.assigned_to in collectors
    assert list(case.steps.values_list("step", flat=True)) == ["overdue_notice"]
    assert Notification.objects.filter(kind="overdue_notice", reference=f"case:{case.pk}").count() == 1
    close_through(date(2026, 12, 22), date(2026, 12, 24))  # dpd 4: officer call due from dpd 3
    assert list(case.steps.values_list("step", flat=True)) == ["overdue_notice", "officer_call"]
    # re-running a day takes no step twice
    close(date(2026, 12, 24))
    assert CaseStep.objects.filter(case=case).count() == 2
    steps = AuditEvent.objects.filter(entity="loan", entity_id=loan.pk, action__startswith="escalation:")
    assert [(e.action, e.to_state, e.data["case"], e.data["days_past_due"]) for e in steps.order_by("id")] == [
        ("escalation:overdue_notice", "overdue_notice", case.pk, 1),
        ("escalation:officer_call", "officer_call", case.pk, 3),
    ]
    # and the case's own history says who opened it: the system, on its first overdue day
    opened = AuditEvent.objects.get(entity="collection_case", entity_id=case.pk)
    assert (opened.action, opened.from_state, opened.to_state, opened.actor) == ("open", "", "open", None)
    assert opened.data == {"loan": loan.pk, "business_date": "2026-12-21"}


@pytest.mark.parametrize(
    "language,subject,body",
    [
        (
            "en",
            "Overdue notice",
            "Dear {name}, your loan no. {contract} is 1 days overdue (CNY {amount}). Please repay as soon as possible.",
        ),
        ("zh-hans", "逾期提醒", "尊敬的{name}，您的借款合同{contract}已逾期1天，逾期金额{amount}元，请尽快还款。"),
        # no language on record: the site's (settings.LANGUAGE_CODE, Chinese)
        ("", "逾期提醒", "尊敬的{name}，您的借款合同{contract}已逾期1天，逾期金额{amount}元，请尽快还款。"),
    ],
)
def test_the_overdue_notice_is_worded_in_the_borrowers_language(loan, collectors, language, subject, body):
    Borrower.objects.filter(pk=loan.borrower_id).update(language=language)
    close_through(date(2026, 12, 20), date(2026, 12, 21))
    loan.refresh_from_db()
    n = Notification.objects.get(kind="overdue_notice", channel="sms")
    case = CollectionCase.objects.get(loan=loan)
    # The loan named by its contract number, never by its internal id.
    text = body.format(
        name=loan.borrower.full_name, contract=loan.contract.number, amount=f"{loan.overdue_amount:,.2f}"
    )
    assert (n.subject, n.body.split("】", 1)[-1].split("] ", 1)[-1]) == (subject, text)
    assert (n.channel, n.to_address, n.language) == ("sms", loan.borrower.mobile, language or "zh-hans")
    assert (n.status, n.reference, n.dedupe_key, n.tz_name) == (
        "pending",
        f"case:{case.pk}",
        f"overdue_notice:{case.pk}:sms",
        "Asia/Shanghai",
    )


def test_a_notice_written_at_night_waits_for_the_contact_window(loan, collectors, pinned_clock):
    pinned_clock.move_to(datetime(2026, 12, 21, 23, 30, tzinfo=SH))
    close_through(date(2026, 12, 20), date(2026, 12, 21))
    n = Notification.objects.get(kind="overdue_notice", channel="sms")
    assert n.not_before == datetime(2026, 12, 22, 8, 0, tzinfo=SH) and n.enqueued_at is None


def test_a_borrower_without_a_mobile_gets_no_sms_but_the_step_is_taken(loan, collectors):
    Borrower.objects.filter(pk=loan.borrower_id).update(mobile="")
    close_through(date(2026, 12, 20), date(2026, 12, 21))
    assert CaseStep.objects.filter(step="overdue_notice").count() == 1
    assert not Notification.objects.filter(kind="overdue_notice").exists()


def test_the_ladder_costs_the_same_statements_for_one_loan_or_many(portfolio, collectors):
    close_through(date(2026, 12, 20), date(2026, 12, 20))
    Loan.objects.filter(pk__in=[p.pk for p in portfolio]).update(days_past_due=1)
    with CaptureQueriesContext(connection) as one:
        escalation_run(business_date=date(2026, 12, 21), loan_ids=[portfolio[0].pk])
    with CaptureQueriesContext(connection) as three:
        escalation_run(business_date=date(2026, 12, 21), loan_ids=[p.pk for p in portfolio[1:]])
    assert len(three) == len(one)
    assert CollectionCase.objects.count() == 4
