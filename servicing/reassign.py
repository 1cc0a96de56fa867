"""A manager hands a loan to another officer (microloan.assignment holds the rule)."""

from django.db import transaction

from microloan.assignment import reassign
from microloan.models import Role
from microloan.permissions import require

from .models import Loan


@transaction.atomic
def loan_reassign(*, actor, loan: Loan, officer_id, reason: str) -> Loan:
    require(actor, "loan.reassign")
    return reassign(
        actor=actor,
        model=Loan,
        pk=loan.pk,
        holder_field="officer",
        entity="loan",
        role=Role.OFFICER,
        field="officer",
        new_id=officer_id,
        reason=reason,
    )
