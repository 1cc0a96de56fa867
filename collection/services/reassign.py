"""A manager hands a collection case to another collector (microloan.assignment holds the rule)."""

from django.db import transaction

from microloan.assignment import hand_over
from microloan.models import Role
from microloan.permissions import require

from ..case_models import CollectionCase
from ..workflow import CASE_WORKFLOW


@transaction.atomic
def case_reassign(*, actor, case: CollectionCase, collector_id, reason: str) -> CollectionCase:
    require(actor, "collection.reassign")
    case = (
        CollectionCase.objects.select_for_update(of=("self",)).select_related("assigned_to", "branch").get(pk=case.pk)
    )
    new = hand_over(
        actor=actor,
        entity=CASE_WORKFLOW.entity,
        entity_id=case.pk,
        branch=case.branch,
        role=Role.COLLECTOR,
        current=case.assigned_to,
        new_id=collector_id,
        reason=reason,
        field="collector",
    )
    CollectionCase.objects.filter(pk=case.pk).update(assigned_to=new)
    case.assigned_to = new
    return case
