"""Reading configuration changes: the lists and the moves a person may take on them."""

from django.db.models import QuerySet

from ..permissions import can
from .models import ConfigChange
from .services import only_the_proposer
from .workflow import CONFIG_CHANGE_WORKFLOW


def config_change_list(*, user, status: str = "", kind: str = "") -> QuerySet[ConfigChange]:
    """Every change (configuration is the installation's, not a branch's), newest first; none
    for a login the table does not let see them."""
    if not can(user, "config_change.view"):
        return ConfigChange.objects.none()
    qs = ConfigChange.objects.select_related("proposed_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def config_change_moves(*, changes, actor) -> dict[int, list]:
    """change id -> the transitions ``actor`` may take on it now (role, status, four eyes, and
    withdraw for its proposer only): the buttons the pages show. One audit query."""
    changes = list(changes)
    moves = CONFIG_CHANGE_WORKFLOW.available_many(objs=changes, actor=actor)
    by_pk = {c.pk: c for c in changes}
    return {
        pk: [t for t in ts if t.action != "withdraw" or not only_the_proposer(by_pk[pk], actor)]
        for pk, ts in moves.items()
    }
