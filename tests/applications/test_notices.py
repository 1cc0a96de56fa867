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
