"""The training sandbox's payment channel (#13): the page a demo payment order's ``pay_url``
opens. Paying sends the channel's signed callback — the JSON body signed with the channel's
secret (HMAC-SHA256), checked by the same ``callback_verify`` and posted by the same
``callback_post`` as ``POST /api/v1/payments/callback/`` — which posts the repayment and
settles the order; declining fails the order."""

import hashlib
import hmac
import json

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from servicing.models import PaymentChannel
from servicing.payment_models import PaymentOrder, PaymentOrderStatus
from servicing.payment_orders import payment_order_fail, sandbox_channel
from servicing.repayments import callback_post, callback_verify

from .sandbox import sandbox_enabled


def sandbox_order(token: str) -> PaymentOrder:
    if not sandbox_enabled():
        raise PermissionDenied("The training sandbox is off in this installation.")
    order = (
        PaymentOrder.objects.select_related("loan__contract", "repayment")
        .filter(token=token, channel=sandbox_channel())
        .first()
    )
    if order is None:
        raise Http404("No such payment order.")
    return order


def signed_callback(order: PaymentOrder) -> tuple[bytes, str]:
    """The body and the X-Signature the channel would send for ``order``."""
    channel = PaymentChannel.objects.get(code=order.channel)
    body = json.dumps(
        {
            "channel": order.channel,
            "transaction_id": order.reference,
            "loan": order.loan_id,
            "amount": f"{order.amount:.2f}",
            "paid_on": business_date().isoformat(),
        }
    ).encode()
    return body, hmac.new(channel.secret.encode(), body, hashlib.sha256).hexdigest()


def sandbox_pay(*, token: str, outcome: str) -> PaymentOrder:
    """``outcome`` "pay": the signed callback; "decline": the order fails."""
    order = sandbox_order(token)
    if order.status == PaymentOrderStatus.PAID:
        return order
    if outcome == "decline":
        if order.status == PaymentOrderStatus.PENDING:
            return payment_order_fail(order=order, reason=_("Declined on the sandbox's payment page."))
        return order
    body, signature = signed_callback(order)
    payload = json.loads(body)
    channel = callback_verify(channel_code=payload["channel"], raw_body=body, signature=signature)
    callback_post(
        channel=channel,
        transaction_id=payload["transaction_id"],
        loan_id=payload["loan"],
        amount=payload["amount"],
        paid_on=business_date(),
    )
    return sandbox_order(token)
