"""Promises to pay: made by whoever works the case, settled by the close the day after their
date (kept when the repayments posted between the promise and its date reach the amount)."""

from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import InvalidInput, TransitionNotAllowed
from microloan.lending.money import money
from microloan.permissions import require
from servicing.models import Repayment, RepaymentStatus

from ..case_models import CaseStatus, CollectionCase, PromiseStatus, PromiseToPay
from ..workflow import CASE_WORKFLOW, PROMISE_MADE, PROMISE_WORKFLOW
from .sql import table


@transaction.atomic
def promise_create(*, actor, case: CollectionCase, amount, promised_on: date) -> PromiseToPay:
    require(actor, "promise_to_pay.create")
    amount = money(amount)
    today = business_date()
    errors: dict[str, list[str] | str] = {}
    if amount <= 0:
        errors["amount"] = [_("The amount must be positive.")]
    if promised_on < today:
        errors["promised_on"] = [_("A promise is for today or later.")]
    if errors:
        raise InvalidInput(errors)
    if case.status != CaseStatus.OPEN:
        raise TransitionNotAllowed(entity=CASE_WORKFLOW.entity, action="promise", status=case.status)
    p = PromiseToPay.objects.create(case=case, amount=amount, promised_on=promised_on, made_on=today, created_by=actor)
    audit_record(
        actor=actor,
        entity=PROMISE_WORKFLOW.entity,
        entity_id=p.pk,
        action=PROMISE_MADE,
        to_state=p.status,
        data={"case": case.pk},
    )
    # The loan's history shows it too.
    audit_record(
        actor=actor,
        entity="loan",
        entity_id=case.loan_id,
        action="promise_to_pay",
        data={"case": case.pk, "amount": str(amount), "promised_on": promised_on.isoformat()},
    )
    return p


def promises_settle(*, business_date: date, lo: int = 0, hi: int = 2**62) -> dict[str, int]:
    """Settles the open promises dated before ``business_date`` on the loans in ``lo``..``hi``,
    set-based through the promise's table. Returns how many were kept and broken."""
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT p.id, p.amount, COALESCE(SUM(r.amount), 0)
            FROM {table(PromiseToPay)} p
            JOIN {table(CollectionCase)} c ON c.id = p.case_id
            LEFT JOIN {table(Repayment)} r ON r.loan_id = c.loan_id AND r.status = %s
                 AND r.paid_on BETWEEN p.made_on AND p.promised_on
            WHERE p.status = %s AND p.promised_on < %s AND c.loan_id BETWEEN %s AND %s
            GROUP BY p.id, p.amount ORDER BY p.id""",
            [RepaymentStatus.POSTED, PromiseStatus.OPEN, business_date, lo, hi],
        )
        rows = cur.fetchall()
    # Compared in cents: SQLite hands the sums back as floats.
    kept = [pk for pk, amount, paid in rows if money(str(paid)) >= money(str(amount))]
    broken = [pk for pk, amount, paid in rows if money(str(paid)) < money(str(amount))]
    extra = {"checked_on": business_date}
    return {
        "kept": len(PROMISE_WORKFLOW.apply_many(model=PromiseToPay, ids=kept, action="keep", extra=extra)),
        "broken": len(PROMISE_WORKFLOW.apply_many(model=PromiseToPay, ids=broken, action="break", extra=extra)),
    }
