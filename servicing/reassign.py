"""A manager hands a loan to another officer (microloan.assignment holds the rule)."""

from django.db import transaction

from microloan.assignment import hand_over
from microloan.models import Role
from microloan.permissions import require

from .models import Loan


@transaction.atomic
def loan_reassign(*, actor, loan: Loan, officer_id, reason: str) -> Loan:
    require(actor, "loan.reassign")
    loan = Loan.objects.select_for_update(of=("self",)).select_related("officer", "branch").get(pk=loan.pk)
    new = hand_over(
        actor=actor,
        entity="loan",
        entity_id=loan.pk,
        branch=loan.branch,
        role=Role.OFFICER,
        current=loan.officer,
        new_id=officer_id,
        reason=reason,
        field="officer",
    )
    Loan.objects.filter(pk=loan.pk).update(officer=new)
    loan.officer = new
    return loan
