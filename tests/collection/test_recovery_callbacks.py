"""A payment channel's signed callback on a written-off loan records a recovery for
confirmation (no repayment, nothing on the books until another person confirms it), once per
(channel, transaction id); the confirmation posts the balanced recovery entry."""

import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from collection.case_models import Recovery
from collection.services.recoveries import recovery_confirm
from collection.services.writeoffs import writeoff_approve
from microloan.ledger import JournalEntry
from microloan.models import AuditEvent
from servicing.models import PaymentChannel, Repayment

from .factories import FIRST_OVERDUE_DAY, write_off_proposed

pytestmark = pytest.mark.django_db
SECRET = "channel-secret-9"


@pytest.fixture
def written_off(case, collectors, approver, loan):
    writeoff_approve(actor=approver, write_off=write_off_proposed(loan, by=collectors[0]))
    loan.refresh_from_db()
    assert loan.status == "written_off"
    return loan


@pytest.fixture
def channel(db):
    return PaymentChannel.objects.create(code="unionpay", name="UnionPay", secret=SECRET)


def notice(loan, *, txn="T-900", amount="250.00", paid_on=FIRST_OVERDUE_DAY):
    raw = json.dumps(
        {"channel": "unionpay", "transaction_id": txn, "loan": loan.pk, "amount": amount, "paid_on": str(paid_on)}
    ).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return APIClient().post("/api/v1/payments/callback/", raw, content_type="application/json", HTTP_X_SIGNATURE=sig)


def test_a_callback_on_a_written_off_loan_records_a_recovery_once(written_off, channel, supervisor):
    first = notice(written_off)
    assert first.status_code == 202, first.content
    r = Recovery.objects.get()
    assert first.data == {
        "recovery": r.pk,
        "loan": written_off.pk,
        "amount": "250.00",
        "received_on": FIRST_OVERDUE_DAY.isoformat(),
        "status": "pending",
    }
    assert (r.channel, r.external_id, r.reference, r.recorded_by) == ("unionpay", "T-900", "T-900", None)
    assert not Repayment.objects.exists() and not JournalEntry.objects.filter(kind="recovery").exists()
    audit = AuditEvent.objects.get(entity="recovery", entity_id=r.pk)
    assert (audit.action, audit.actor_id, audit.data["transaction_id"]) == ("record", None, "T-900")

    replay = notice(written_off)
    assert replay.status_code == 202 and replay.data["recovery"] == r.pk
    assert Recovery.objects.count() == 1

    # then anyone allowed confirms it (nobody recorded it), and the entry is posted
    recovery_confirm(actor=supervisor, recovery=r)
    entry = JournalEntry.objects.get(kind="recovery")
    lines = sorted(entry.lines.values_list("account__code", "debit", "credit"))
    assert sum(d for _a, d, _c in lines) == sum(c for _a, _d, c in lines) == Decimal("250.00")


def test_the_same_transaction_id_for_another_amount_is_a_400(written_off, channel):
    assert notice(written_off).status_code == 202
    r = notice(written_off, amount="251.00")
    assert r.status_code == 400 and "transaction_id" in r.data
    assert Recovery.objects.count() == 1


def test_a_callback_dated_before_the_write_off_is_a_400_and_records_nothing(written_off, channel):
    r = notice(written_off, txn="T-901", paid_on="2026-12-01")
    assert r.status_code == 400 and "received_on" in r.data
    assert not Recovery.objects.exists()


def test_a_live_loan_still_gets_a_repayment(loan, channel, biz_date):
    r = notice(loan, txn="T-902", paid_on=loan.disbursed_on)
    assert r.status_code == 201, r.content
    assert Repayment.objects.filter(external_id="T-902").exists() and not Recovery.objects.exists()
