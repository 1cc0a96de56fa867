"""Auto-debit mandates (代扣) and the daily debit job (#13 point 4), the one home of their rules.

A borrower gives one active mandate (a channel and the account's last four digits) and may
revoke it. ``debits_collect(business_date=...)`` — the Celery beat job and ``manage.py
collect_debits`` — selects in one query every current, unpaid instalment due on or before the
date of a live loan whose borrower has an active mandate and that has no attempt that day,
asks the channel's debit call for each (``channel_debit``: the demo channel answers it, and
fails when ``DEMO_DEBIT_FAILURE`` names a reason or the account ends in 0000), posts the
repayment of a success (transaction id = the attempt's reference) and records a failure's
reason for the borrower (the API, an SMS and in-app message) and the officer (the loan page).
One attempt per instalment and day (a unique constraint): a re-run debits nothing twice.
"""

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from applications import notices
from applications.models import Borrower
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.lending.money import money
from microloan.workflow import NEW

from .models import Installment, InstallmentStatus, LoanStatus, PaymentChannel
from .payment_models import DebitAttempt, DebitStatus, Mandate, MandateStatus
from .workflow import MANDATE_WORKFLOW

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DebitResult:
    ok: bool
    reason: str = ""


class DemoChannel:
    """The training channel: every debit succeeds, unless ``DEMO_DEBIT_FAILURE`` (a reason)
    is set or the account's last four digits are 0000 (insufficient funds)."""

    def debit(self, *, account_last4: str, amount, reference: str) -> DebitResult:
        failure = getattr(settings, "DEMO_DEBIT_FAILURE", "")
        if failure:
            return DebitResult(False, str(failure))
        if account_last4 == "0000":
            return DebitResult(False, _("insufficient funds"))
        return DebitResult(True)


def channel_debit(channel: str, *, account_last4: str, amount, reference: str) -> DebitResult:
    """The channel's debit call: the adapter named for ``channel`` in
    ``PAYMENT_CHANNEL_ADAPTERS`` (a dotted path), the demo channel's otherwise."""
    path = (getattr(settings, "PAYMENT_CHANNEL_ADAPTERS", {}) or {}).get(channel)
    adapter = import_string(path)() if path else DemoChannel()
    try:
        return adapter.debit(account_last4=account_last4, amount=amount, reference=reference)
    except Exception as exc:  # noqa: BLE001 - a channel's failure is a failed debit, never a crashed job
        log.warning("Debit %s on %s failed: %s", reference, channel, type(exc).__name__)
        return DebitResult(False, _("the channel did not answer"))


def _borrower_of(actor) -> Borrower:
    borrower = Borrower.objects.filter(user=actor).first()
    if borrower is None:
        raise NotAllowed(_("Link your login to your ID first (POST /api/v1/me/identity/)."))
    return borrower


@transaction.atomic
def mandate_create(*, actor, channel: str, account_last4: str) -> Mandate:
    MANDATE_WORKFLOW.check(obj=Mandate(status=NEW), action="create", actor=actor)
    borrower = Borrower.objects.select_for_update().get(pk=_borrower_of(actor).pk)
    errors = {}
    if not PaymentChannel.objects.filter(code=channel, is_active=True).exists():
        errors["channel"] = [_("No such payment channel.")]
    last4 = str(account_last4 or "")
    if not (len(last4) == 4 and last4.isascii() and last4.isdigit()):
        errors["account_last4"] = [_("Enter the account's last four digits.")]
    if errors:
        raise InvalidInput(errors)
    if Mandate.objects.filter(borrower=borrower, status=MandateStatus.ACTIVE).exists():
        raise TransitionNotAllowed(
            entity="mandate", action="create", status="active", message=_("Revoke the active mandate first.")
        )
    mandate = Mandate(borrower=borrower, channel=channel, account_last4=last4, created_by=actor)
    MANDATE_WORKFLOW.start(obj=mandate, action="create", actor=actor, data={"channel": channel, "account_last4": last4})
    return mandate


@transaction.atomic
def mandate_revoke(*, actor, mandate: Mandate) -> Mandate:
    mandate = Mandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.borrower.user_id != actor.pk:
        raise NotAllowed(_("This mandate is not yours."))
    mandate.revoked_at = timezone.now()
    MANDATE_WORKFLOW.apply(obj=mandate, action="revoke", actor=actor, extra_update_fields=["revoked_at"])
    return mandate


def _due_rows(business_date: date):
    """Every instalment to debit on ``business_date``, with what the debit needs: one query."""
    active = Mandate.objects.filter(borrower_id=OuterRef("loan__borrower_id"), status=MandateStatus.ACTIVE)
    tried = DebitAttempt.objects.filter(installment_id=OuterRef("pk"), business_date=business_date)
    return list(
        Installment.objects.filter(
            is_current=True,
            due_date__lte=business_date,
            loan__status__in=LoanStatus.LIVE,
            loan__disbursed_on__lte=business_date,
        )
        .exclude(status=InstallmentStatus.PAID)
        .annotate(amount=Installment.unpaid_expression())
        .filter(Exists(active), amount__gt=0)
        .exclude(Exists(tried))
        .annotate(
            mandate_id=Mandate.objects.filter(
                borrower_id=OuterRef("loan__borrower_id"), status=MandateStatus.ACTIVE
            ).values("pk")[:1]
        )
        .values("pk", "loan_id", "number", "amount", "mandate_id")
        .order_by("loan_id", "number")
    )


def debits_collect(*, business_date: date) -> dict:
    """Debits each instalment due by ``business_date`` through its borrower's mandate; returns
    the counts {"succeeded", "failed"}. Idempotent per instalment and day."""
    from .models import Loan
    from .repayments.posting import repayment_post

    done = {"succeeded": 0, "failed": 0}
    rows = _due_rows(business_date)
    mandates = {m.pk: m for m in Mandate.objects.filter(pk__in={r["mandate_id"] for r in rows})}
    for row in rows:
        mandate = mandates[row["mandate_id"]]
        amount = money(row["amount"])
        reference = f"DD{business_date:%Y%m%d}{row['pk']:010d}"
        try:
            with transaction.atomic():
                attempt = DebitAttempt.objects.create(
                    mandate=mandate,
                    installment_id=row["pk"],
                    loan_id=row["loan_id"],
                    business_date=business_date,
                    amount=amount,
                    status=DebitStatus.FAILED,
                    reason=_("in progress"),
                    reference=reference,
                )
        except IntegrityError:
            continue  # another run took this instalment today
        result = channel_debit(mandate.channel, account_last4=mandate.account_last4, amount=amount, reference=reference)
        with transaction.atomic():
            loan = Loan.objects.select_related("borrower__branch", "contract").get(pk=row["loan_id"])
            if result.ok:
                try:
                    with transaction.atomic():
                        repayment = repayment_post(
                            actor=None,
                            loan=loan,
                            amount=amount,
                            paid_on=business_date,
                            channel=mandate.channel,
                            reference=reference,
                            external_id=reference,
                        )
                    attempt.status, attempt.reason, attempt.repayment = DebitStatus.SUCCEEDED, "", repayment
                except (InvalidInput, TransitionNotAllowed) as exc:
                    attempt.reason = str(exc)[:200]
            else:
                attempt.reason = (result.reason or _("declined"))[:200]
            attempt.save(update_fields=["status", "reason", "repayment"])
            if attempt.status == DebitStatus.SUCCEEDED:
                done["succeeded"] += 1
                continue
            done["failed"] += 1
            notices.borrower_notify(
                loan.borrower,
                notices.DEBIT_FAILED,
                key=f"debit:{attempt.pk}",
                reference=f"loan:{loan.pk}",
                contract=loan.contract.number,
                amount=amount,
                reason=attempt.reason,
            )
    return done


def last_debits(loan_ids) -> dict[int, DebitAttempt]:
    """The latest debit attempt of each loan (the loan page): one query, on any database."""
    latest = DebitAttempt.objects.filter(loan_id=OuterRef("loan_id")).order_by("-business_date", "-id").values("pk")[:1]
    return {a.loan_id: a for a in DebitAttempt.objects.filter(loan_id__in=list(loan_ids), pk=Subquery(latest))}


def last_debits_by_mandate(mandates) -> dict[int, DebitAttempt]:
    """The latest debit attempt of each mandate (the borrower's list): one query."""
    latest = (
        DebitAttempt.objects.filter(mandate_id=OuterRef("mandate_id"))
        .order_by("-business_date", "-id")
        .values("pk")[:1]
    )
    return {a.mandate_id: a for a in DebitAttempt.objects.filter(mandate__in=list(mandates), pk=Subquery(latest))}
