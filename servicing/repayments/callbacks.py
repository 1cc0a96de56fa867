"""Payment-channel callbacks: the signature check and the once-only posting. A notice on a
written-off loan is no repayment: it goes to the receivers registered in
``WRITTEN_OFF_RECEIVERS`` (collection registers the recovery's: a recovery recorded for
confirmation), which keep the same once-only rule on (channel, transaction id)."""

import hashlib
import hmac
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from microloan.errors import InvalidInput, NotAllowed
from microloan.lending.money import money

from ..models import Loan, LoanStatus, PaymentChannel, Repayment
from .posting import repayment_post

# Who takes a channel's payment on a written-off loan: callables
# ``(channel_code=, transaction_id=, loan=, amount=, paid_on=) -> (obj, created)``, registered by
# a later app at start-up (servicing may not import collection). None registered: the loan's 409.
WRITTEN_OFF_RECEIVERS: list = []


def payment_order_settle(**kwargs):
    from ..payment_orders import payment_order_settle as settle

    return settle(**kwargs)


def callback_verify(*, channel_code: str, raw_body: bytes, signature: str) -> PaymentChannel:
    """HMAC-SHA256 of the raw body with the channel's secret, compared in constant time."""
    channel = PaymentChannel.objects.filter(code=channel_code, is_active=True).first()
    expected = hmac.new(
        (channel.secret if channel else "no-such-channel").encode(), raw_body, hashlib.sha256
    ).hexdigest()
    if channel is None or not hmac.compare_digest(expected, (signature or "").strip().lower()):
        raise NotAllowed(_("Bad signature."))
    return channel


def callback_post(*, channel: PaymentChannel, transaction_id: str, loan_id: int, amount, paid_on: date):
    """Posts a channel's payment once per (channel, transaction id); a replay returns the
    posting already made and changes nothing."""
    existing = Repayment.objects.filter(channel=channel.code, external_id=transaction_id).first()
    if existing:
        if existing.loan_id != loan_id or existing.amount != money(amount):
            raise InvalidInput({"transaction_id": [_("This transaction id was already used for another payment.")]})
        return existing, False
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None:
        raise InvalidInput({"loan": [_("No such loan.")]})
    if loan.status == LoanStatus.WRITTEN_OFF and WRITTEN_OFF_RECEIVERS:
        return WRITTEN_OFF_RECEIVERS[0](
            channel_code=channel.code, transaction_id=transaction_id, loan=loan, amount=amount, paid_on=paid_on
        )
    try:
        with transaction.atomic():
            posted = repayment_post(
                actor=None,
                loan=loan,
                amount=amount,
                paid_on=paid_on,
                channel=channel.code,
                reference=transaction_id,
                external_id=transaction_id,
            )
            # A payment order from the app with this transaction id is paid now (its receipt).
            payment_order_settle(channel=channel.code, transaction_id=transaction_id, repayment=posted)
        return posted, True
    except InvalidInput as exc:
        if "transaction_id" in exc.errors:  # lost a race with the same notice: return the winner's posting
            return Repayment.objects.get(channel=channel.code, external_id=transaction_id), False
        raise
