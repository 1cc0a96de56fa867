"""The borrower hears of each step: submitted, returned with the reason, approved with the
terms, rejected, contract ready, disbursed — SMS and in-app, in the borrower's language, the
loan named by its contract number."""

from decimal import Decimal

import pytest

from applications import notices
from applications.models import Borrower
from microloan.notifications import Notification

from .factories import BorrowerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "fields", "en", "zh"),
    [
        (notices.SUBMITTED, {"ref": 7, "amount": Decimal("5000")}, "CNY 5,000.00", "5,000.00元"),
        (
            notices.RETURNED,
            {"ref": 7, "reason": "ID photo unreadable"},
            "(ID photo unreadable)",
            "已退回（ID photo unreadable）",
        ),
        (
            notices.APPROVED,
            {"ref": 7, "amount": Decimal("8000"), "term": 12, "rate": "18.00"},
            "over 12 periods at an annual rate of 18.00%",
            "期限12期，年利率18.00%",
        ),
        (notices.CONTRACT_READY, {"contract": "ML202600000007"}, "contract no. ML202600000007", "编号ML202600000007"),
        (
            notices.DISBURSED,
            {"contract": "ML1", "amount": Decimal("9900"), "date": "2026-11-20", "first_due": "2026-12-20"},
            "first instalment is due on 2026-12-20",
            "首期还款日为2026-12-20",
        ),
    ],
)
def test_each_step_in_both_languages(kind, fields, en, zh):
    assert en in notices.notice_text(kind, language="en", name="Wang", **fields)[1]
    assert zh in notices.notice_text(kind, language="zh-hans", name="王", **fields)[1]


def test_a_message_goes_once_by_sms_and_in_app(borrower_user, borrower):
    borrower = Borrower.objects.get(pk=borrower.pk)
    assert notices.borrower_notify(borrower, notices.CONTRACT_READY, key="k", contract="ML1") == 2
    assert notices.borrower_notify(borrower, notices.CONTRACT_READY, key="k", contract="ML1") == 0
    assert set(Notification.objects.values_list("channel", flat=True)) == {"sms", "inapp"}


def test_no_login_no_in_app(branch):
    b = BorrowerFactory(branch=branch)
    assert notices.borrower_notify(b, notices.SUBMITTED, key="x", ref=1, amount=Decimal("1")) == 1


def test_submission_is_announced(officer, borrower, product):
    from microloan import scenarios

    app = scenarios.application_draft(officer=officer, borrower=borrower, product=product, amount="5000.00", term=6)
    app = scenarios.application_submitted(app, officer=officer)
    sms = Notification.objects.get(kind=notices.SUBMITTED, channel="sms")
    assert f"no. {app.pk}" in sms.body or f"第{app.pk}号" in sms.body


# Every step of the table, with the fields its service gives.
STEP_FIELDS = {
    notices.SUBMITTED: {"ref": 7, "amount": Decimal("5000")},
    notices.RETURNED: {"ref": 7, "reason": "ID photo unreadable"},
    notices.APPROVED: {"ref": 7, "amount": Decimal("8000"), "term": 12, "rate": "18.00"},
    notices.REJECTED: {"ref": 7, "reason": "policy"},
    notices.CONTRACT_READY: {"contract": "ML202600000007"},
    notices.DISBURSED: {
        "contract": "ML202600000007",
        "amount": Decimal("9900"),
        "date": "2026-11-20",
        "first_due": "2026-12-20",
    },
    notices.REMINDER_BEFORE: {"loan": "ML202600000007", "number": 3, "amount": Decimal("1888.5"), "due_date": "x"},
    notices.REMINDER_DUE: {"loan": "ML202600000007", "number": 3, "amount": Decimal("1888.5"), "due_date": "x"},
    notices.OVERDUE: {"contract": "ML202600000007", "days": 4, "amount": Decimal("888.49")},
    notices.PAYMENT_RECEIVED: {
        "contract": "ML202600000007",
        "amount": Decimal("900"),
        "date": "2026-12-20",
        "outstanding": Decimal("8000"),
    },
    notices.DEBIT_FAILED: {"contract": "ML202600000007", "amount": Decimal("900"), "reason": "account frozen"},
    notices.COMPLAINT_RECEIVED: {"ref": "C-1", "ack_due": "2026-12-21", "resolve_due": "2026-12-31"},
    notices.COMPLAINT_RESOLVED: {"ref": "C-1", "resolution": "ok"},
}


def test_the_table_has_every_step_of_the_issue():
    assert set(notices.KINDS) == set(STEP_FIELDS)


@pytest.mark.parametrize("kind", sorted(STEP_FIELDS))
def test_every_step_is_worded_in_both_languages_and_reaches_sms_and_the_app(kind, borrower_user, borrower):
    fields = STEP_FIELDS[kind]
    en_subject, en = notices.notice_text(kind, language="en", name="Wang", **fields)
    zh_subject, zh = notices.notice_text(kind, language="zh-hans", name="王", **fields)
    assert en.startswith("Dear Wang") and "王" in zh and "Dear" not in zh and en_subject != zh_subject
    assert "%(" not in en + zh
    for value in fields.values():
        shown = notices.amount_text(value) if isinstance(value, Decimal) else str(value)
        assert shown in en and shown in zh
    b = Borrower.objects.get(pk=borrower.pk)
    Borrower.objects.filter(pk=b.pk).update(language="en")
    b.language = "en"
    assert notices.borrower_notify(b, kind, key=f"t:{kind}", **fields) == 2
    rows = {n.channel: n for n in Notification.objects.filter(kind=kind)}
    assert set(rows) == {"sms", "inapp"}
    assert rows["sms"].to_address == b.mobile and rows["inapp"].user_id == borrower_user.pk
    assert rows["inapp"].body == notices.notice_text(kind, language="en", name=b.full_name, **fields)[1]
    assert rows["sms"].body.endswith(rows["inapp"].body) and rows["sms"].language == "en"
