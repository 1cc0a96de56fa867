"""Paying from the app: payment orders (due, payoff, an amount), the sandbox's payment page
and the signed callback that settles the order (the receipt), the notice in both languages."""

import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from microloan.notifications import Notification
from servicing.models import Repayment
from servicing.payment_models import PaymentOrder
from servicing.payment_orders import payment_orders_expire

from .payment_support import DEMO_SECRET, borrower_login, demo_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox_on(settings):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_PAYMENT_CHANNEL = "demo"


@pytest.fixture
def app_user(loan):
    demo_channel()
    return borrower_login(loan)


def _order(api, user, loan, **body):
    return api(user).post(f"/api/v1/loans/{loan.pk}/payment-orders/", {"channel": "demo", **body}, format="json")


def test_an_order_for_what_is_due(api, app_user, loan):
    r = _order(api, app_user, loan, kind="due")
    assert r.status_code == 201, r.json()
    body = r.json()
    first = loan.installments.filter(is_current=True).order_by("number").first()
    assert body["status"] == "pending" and Decimal(body["amount"]) == first.total_due
    assert "/sandbox/pay/" in body["pay_url"]
    listed = api(app_user).get(f"/api/v1/loans/{loan.pk}/payment-orders/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]


def test_paying_on_the_sandbox_page_settles_the_order_with_a_receipt(api, app_user, loan, client):
    body = _order(api, app_user, loan, kind="amount", amount="500.00").json()
    page = client.get(body["pay_url"])
    assert page.status_code == 200 and b"500.00" in page.content
    page = client.post(body["pay_url"], {"outcome": "pay"})
    assert page.status_code == 200
    order = PaymentOrder.objects.get(pk=body["id"])
    assert order.status == "paid" and order.repayment.amount == Decimal("500.00")
    assert order.repayment.external_id == order.reference
    got = api(app_user).get(f"/api/v1/loans/{loan.pk}/payment-orders/").json()["results"][0]
    assert got["status"] == "paid" and got["receipt_number"] == order.repayment.receipt_number
    # The receipt PDF is the borrower's to fetch.
    receipt = api(app_user).get(f"/api/v1/loans/{loan.pk}/repayments/{order.repayment_id}/receipt/")
    assert receipt.status_code == 200
    # Paying twice posts nothing more.
    client.post(body["pay_url"], {"outcome": "pay"})
    assert Repayment.objects.filter(loan=loan).count() == 1


def test_the_channels_signed_callback_settles_the_order(api, app_user, loan):
    body = _order(api, app_user, loan, kind="amount", amount="300.00").json()
    order = PaymentOrder.objects.get(pk=body["id"])
    raw = json.dumps(
        {
            "channel": "demo",
            "transaction_id": order.reference,
            "loan": loan.pk,
            "amount": "300.00",
            "paid_on": "2026-11-20",
        }
    ).encode()
    sig = hmac.new(DEMO_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    r = APIClient().post("/api/v1/payments/callback/", raw, content_type="application/json", HTTP_X_SIGNATURE=sig)
    assert r.status_code == 201, r.json()
    order.refresh_from_db()
    assert order.status == "paid"


def test_declining_fails_the_order(api, app_user, loan, client):
    body = _order(api, app_user, loan, kind="due").json()
    client.post(body["pay_url"], {"outcome": "decline"})
    order = PaymentOrder.objects.get(pk=body["id"])
    assert order.status == "failed" and order.failure_reason
    assert not Repayment.objects.filter(loan=loan).exists()


def test_payoff_and_bad_amounts(api, app_user, loan):
    r = _order(api, app_user, loan, kind="payoff")
    assert r.status_code == 201
    quote = api(app_user).get(f"/api/v1/loans/{loan.pk}/payoff-quote/?date=2026-11-20").json()
    assert r.json()["amount"] == quote["amount"]
    r = _order(api, app_user, loan, kind="amount", amount="99999999.00")
    assert r.status_code == 400 and "amount" in r.json()
    r = _order(api, app_user, loan, kind="amount")
    assert r.status_code == 400 and "amount" in r.json()
    r = _order(api, app_user, loan, kind="due", channel="nope")
    assert r.status_code == 400 and "channel" in r.json()
    r = _order(api, app_user, loan, kind="later")
    assert r.status_code == 400 and "kind" in r.json()


def test_another_borrowers_loan_is_404_and_staff_do_not_order(api, app_user, loan, officer, borrower_user):
    assert _order(api, borrower_user, loan, kind="due").status_code == 404
    assert _order(api, officer, loan, kind="due").status_code == 403
    assert api(officer).get(f"/api/v1/loans/{loan.pk}/payment-orders/").status_code == 200


def test_the_idempotency_key(api, app_user, loan):
    client = api(app_user)
    url = f"/api/v1/loans/{loan.pk}/payment-orders/"
    first = client.post(url, {"channel": "demo", "kind": "due"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(url, {"channel": "demo", "kind": "due"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json()["id"] == again.json()["id"] and PaymentOrder.objects.count() == 1
    other = client.post(url, {"channel": "demo", "kind": "payoff"}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 422


def test_unpaid_orders_expire_and_a_late_payment_still_settles(api, app_user, loan, client, now):
    body = _order(api, app_user, loan, kind="due").json()
    assert payment_orders_expire(now=now + timedelta(minutes=31)) == 1
    assert payment_orders_expire(now=now + timedelta(minutes=31)) == 0
    assert PaymentOrder.objects.get(pk=body["id"]).status == "expired"
    client.post(body["pay_url"], {"outcome": "pay"})
    assert PaymentOrder.objects.get(pk=body["id"]).status == "paid"


def test_the_sandbox_page_is_off_without_the_sandbox(api, app_user, loan, client, settings):
    body = _order(api, app_user, loan, kind="due").json()
    settings.SANDBOX_ENABLED = False
    assert client.get(body["pay_url"]).status_code == 403


@pytest.mark.parametrize(
    ("language", "words"), [("en", "we received CNY 500.00 for loan no. ML"), ("zh-hans", "已收到您为借款合同ML")]
)
def test_the_payment_notice_names_the_contract_in_the_borrowers_language(api, loan, client, language, words):
    demo_channel()
    user = borrower_login(loan, language=language)
    body = _order(api, user, loan, kind="amount", amount="500.00").json()
    client.post(body["pay_url"], {"outcome": "pay"})
    sms = Notification.objects.get(kind="repayment_received", channel="sms")
    inapp = Notification.objects.get(kind="repayment_received", channel="inapp")
    assert words in sms.body and words in inapp.body and sms.language == language
    assert loan.contract.number in sms.body and f"贷款{loan.pk}" not in sms.body


def test_the_borrower_reaches_the_statement_the_export_and_the_notices(api, app_user, loan):
    client = api(app_user)
    assert client.get(f"/api/v1/loans/{loan.pk}/statement/").status_code == 200
    assert client.get(f"/api/v1/loans/{loan.pk}/schedule/").status_code == 200
    assert client.get("/api/v1/me/export/").status_code == 200
    # (The loan was paid out before this login was linked: its in-app messages start now.)
    _order(api, app_user, loan, kind="amount", amount="100.00")
    assert client.get("/api/v1/me/notifications/").status_code == 200
