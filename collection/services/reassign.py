"""A manager hands a collection case to another collector (microloan.assignment holds the rule)."""

from django.db import transaction

from microloan.assignment import reassign
from microloan.models import Role
from microloan.permissions import require

from ..case_models import CollectionCase
from ..workflow import CASE_WORKFLOW


@transaction.atomic
def case_reassign(*, actor, case: CollectionCase, collector_id, reason: str) -> CollectionCase:
    require(actor, "collection.reassign")
    return reassign(
        actor=actor,
        model=CollectionCase,
        pk=case.pk,
        holder_field="assigned_to",
        entity=CASE_WORKFLOW.entity,
        role=Role.COLLECTOR,
        field="collector",
        new_id=collector_id,
        reason=reason,
    )
