"""Who may take over someone's work (#14 point 6): a manager hands a loan to another officer,
or a collection case to another collector. One home for the rule the loan's and the case's
services share: the new holder is active, has the role, and works in the branch of the work
(or a branch above it) within the manager's own branch tree; each move leaves an audit row
with who held it before and after, and why."""

from django.db.models import Q
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import InvalidInput, NotAllowed
from .models import User


def eligible_holders(*, branch, role: str, actor):
    """The active staff of ``role`` who may hold work of ``branch``: those of the branch or of a
    branch above it, that the actor's own branch tree reaches."""
    ancestors = _prefixes(branch.path)
    qs = User.objects.filter(role=role, is_active=True, branch__path__in=ancestors)
    if actor.branch_id and not actor.is_superuser:
        qs = qs.filter(Q(branch__path__startswith=actor.branch.path))
    return qs.select_related("branch").order_by("username")


def _prefixes(path: str) -> list[str]:
    """A materialised path's own and its ancestors' paths ("/1/4/" -> ["/1/", "/1/4/"])."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def hand_over(*, actor, entity: str, entity_id: int, branch, role: str, current, new_id, reason: str, field: str):
    """Checks the new holder and the reason, writes the audit row; returns the new holder."""
    if actor.branch_id and not actor.is_superuser and not branch.path.startswith(actor.branch.path):
        raise NotAllowed(_("This work belongs to a branch outside yours."))
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Give the reason for the change.")]
    new = eligible_holders(branch=branch, role=role, actor=actor).filter(pk=new_id).first() if new_id else None
    if new is None:
        errors[field] = [_("Choose an active colleague of this branch with the right role.")]
    elif current is not None and new.pk == current.pk:
        errors[field] = [_("This is already the person in charge.")]
    if errors or new is None:
        raise InvalidInput(errors)
    audit_record(
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        action="reassign",
        reason=reason.strip(),
        data={field: {"from": getattr(current, "username", None), "to": new.username}},
    )
    return new


def hand_over_history(*, entity: str, entity_id: int):
    """The hand-overs of one loan or case, newest first."""
    from .models import AuditEvent

    return (
        AuditEvent.objects.filter(entity=entity, entity_id=entity_id, action="reassign")
        .select_related("actor")
        .order_by("-at", "-id")
    )


def reassign(*, actor, model, pk: int, holder_field: str, entity: str, role: str, field: str, new_id, reason: str):
    """Locks the loan or case, checks and audits the hand-over, writes the new holder. Returns
    the row as locked, with the new holder set."""
    row = model.objects.select_for_update(of=("self",)).select_related(holder_field, "branch").get(pk=pk)
    new = hand_over(
        actor=actor,
        entity=entity,
        entity_id=row.pk,
        branch=row.branch,
        role=role,
        current=getattr(row, holder_field),
        new_id=new_id,
        reason=reason,
        field=field,
    )
    model.objects.filter(pk=row.pk).update(**{holder_field: new})
    setattr(row, holder_field, new)
    return row
