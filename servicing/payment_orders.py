"""Payment orders: the borrower pays from the app (#13 point 4). The one home of their rules.

``payment_order_create`` fixes the amount (``due``: what is due up to the business date, or
the next instalment when nothing is; ``payoff``: the payoff on the business date; ``amount``:
the borrower's, up to the repayment ceiling) and the channel, and gives the pay page's URL.
The channel takes the money on its page and sends its signed callback
(``POST /api/v1/payments/callback/``, transaction id = the order's ``reference``);
``callback_post`` posts the repayment and calls ``payment_order_settle``, which marks the
order paid with its repayment (the receipt). A failure on the channel's page fails it; an
order unpaid after ``PAYMENT_ORDER_MINUTES`` (30) expires (``payment_orders_expire``, the
daily job and every list), though a late callback still settles it.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.lending.money import ZERO, money
from microloan.workflow import NEW

from .models import InstallmentStatus, Loan, PaymentChannel
from .payment_models import PaymentOrder, PaymentOrderKind, PaymentOrderStatus
from .repayments.position import current_installments
from .repayments.posting import repayment_ceiling
from .workflow import PAYMENT_ORDER_WORKFLOW


def sandbox_channel() -> str:
    """The demo channel whose payment page is the training sandbox's."""
    return getattr(settings, "SANDBOX_PAYMENT_CHANNEL", "demo-pay")


def _sandbox_on() -> bool:
    return bool(getattr(settings, "SANDBOX_ENABLED", settings.DEBUG))


def pay_url(order: PaymentOrder, request=None) -> str:
    """Where the borrower pays the order: the sandbox's page for the demo channel (when the
    sandbox is on); a channel adapter would give its own."""
    if order.channel != sandbox_channel() or not _sandbox_on():
        return ""
    path = reverse("sandbox-pay", args=[order.token])
    return request.build_absolute_uri(path) if request is not None else path


def due_amount(loan: Loan, installments, on) -> Decimal:
    """What is due up to ``on`` (overdue and today's), or the next instalment's unpaid amount
    when nothing is due yet."""
    open_ = [i for i in installments if i.status != InstallmentStatus.PAID and i.unpaid > 0]
    due = sum((i.unpaid for i in open_ if i.due_date <= on), ZERO)
    if due > 0:
        return money(due)
    return money(open_[0].unpaid) if open_ else ZERO


def _mine(actor, loan: Loan) -> None:
    if loan.borrower.user_id != actor.pk:
        raise NotAllowed(_("This loan is not yours."))


@transaction.atomic
def payment_order_create(*, actor, loan: Loan, kind: str, channel: str, amount=None, now=None) -> PaymentOrder:
    PAYMENT_ORDER_WORKFLOW.check(obj=PaymentOrder(status=NEW), action="create", actor=actor)
    now = now or timezone.now()
    loan = Loan.objects.select_for_update(of=("self",)).select_related("borrower").get(pk=loan.pk)
    _mine(actor, loan)
    if not loan.is_live:
        raise TransitionNotAllowed(entity="loan", action="pay", status=loan.status)
    errors: dict[str, list[str]] = {}
    if kind not in PaymentOrderKind.values:
        errors["kind"] = [_("Choose one of: %(v)s.") % {"v": ", ".join(PaymentOrderKind.values)}]
    if not PaymentChannel.objects.filter(code=channel, is_active=True).exists():
        errors["channel"] = [_("No such payment channel.")]
    if errors:
        raise InvalidInput(errors)
    today = business_date()
    installments = current_installments(loan)
    payoff, ceiling = repayment_ceiling(loan, installments, today)
    if kind == PaymentOrderKind.DUE:
        value = due_amount(loan, installments, today)
    elif kind == PaymentOrderKind.PAYOFF:
        value = money(payoff)
    else:
        if amount is None:
            raise InvalidInput({"amount": [_("Give the amount to pay.")]})
        value = money(amount)
        if value > ceiling:
            raise InvalidInput({"amount": [_("At most %(max)s can be paid today.") % {"max": f"{ceiling:.2f}"}]})
    if amount is not None and kind != PaymentOrderKind.AMOUNT and money(amount) != value:
        raise InvalidInput({"amount": [_("The amount of this kind is %(v)s.") % {"v": f"{value:.2f}"}]})
    if value <= 0:
        raise InvalidInput({"amount": [_("Nothing is due on this loan.")]})
    token = secrets.token_urlsafe(24)
    order = PaymentOrder(
        loan=loan,
        kind=kind,
        amount=value,
        channel=channel,
        reference="PO" + secrets.token_hex(9).upper(),
        token=token,
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(minutes=int(getattr(settings, "PAYMENT_ORDER_MINUTES", 30))),
    )
    PAYMENT_ORDER_WORKFLOW.start(
        obj=order,
        action="create",
        actor=actor,
        data={"loan": loan.pk, "kind": kind, "amount": str(value), "channel": channel, "reference": order.reference},
    )
    return order


def payment_order_settle(*, channel: str, transaction_id: str, repayment) -> PaymentOrder | None:
    """Marks the order of ``transaction_id`` on ``channel`` paid with ``repayment`` (the
    callback's posting), in the caller's transaction; None when no order has that id."""
    order = PaymentOrder.objects.select_for_update().filter(channel=channel, reference=transaction_id).first()
    if order is None or order.status == PaymentOrderStatus.PAID:
        return order
    order.repayment, order.settled_at = repayment, timezone.now()
    if order.status == PaymentOrderStatus.FAILED:  # the channel changed its mind: the money arrived
        order.status = PaymentOrderStatus.PENDING
    PAYMENT_ORDER_WORKFLOW.apply(
        obj=order,
        action="settle",
        actor=None,
        data={"repayment": repayment.pk, "amount": str(repayment.amount)},
        extra_update_fields=["repayment", "settled_at"],
    )
    return order


@transaction.atomic
def payment_order_fail(*, order: PaymentOrder, reason: str) -> PaymentOrder:
    order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
    order.failure_reason = (reason or "")[:200]
    PAYMENT_ORDER_WORKFLOW.apply(
        obj=order,
        action="fail",
        actor=None,
        data={"reason": order.failure_reason},
        extra_update_fields=["failure_reason"],
    )
    return order


def payment_orders_expire(*, now=None, loan_ids=None) -> int:
    """Expires every pending order past its time (one UPDATE and one audit insert)."""
    now = now or timezone.now()
    q = PaymentOrder.objects.filter(status=PaymentOrderStatus.PENDING, expires_at__lte=now)
    if loan_ids is not None:
        q = q.filter(loan_id__in=loan_ids)
    with transaction.atomic():
        ids = list(q.values_list("pk", flat=True))
        return len(PAYMENT_ORDER_WORKFLOW.apply_many(model=PaymentOrder, ids=ids, action="expire"))


__all__ = [
    "due_amount",
    "pay_url",
    "payment_order_create",
    "payment_order_fail",
    "payment_order_settle",
    "payment_orders_expire",
    "sandbox_channel",
]
