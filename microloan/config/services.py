"""Proposing, applying, rejecting and withdrawing configuration changes. Each takes the acting
user, runs in a transaction, locks the change and writes the audit trail through the
workflow (``config_change``); the apply records the target's before and after."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import InvalidInput, NotAllowed, TransitionNotAllowed
from ..permissions import require
from . import registry
from .models import ConfigChange, ConfigOperation
from .workflow import CONFIG_CHANGE_WORKFLOW as WORKFLOW


def _lock(change: ConfigChange) -> ConfigChange:
    return ConfigChange.objects.select_for_update().get(pk=change.pk)


@transaction.atomic
def config_change_propose(
    *,
    actor,
    kind: str,
    operation: str,
    payload: dict | None = None,
    target_id: int | None = None,
    comment: str = "",
) -> ConfigChange:
    """A pending change: the payload validated now (and again when applied)."""
    require(actor, "config_change.propose")
    k = registry.get(kind)
    if operation not in k.operations:
        raise InvalidInput(
            {
                "operation": [
                    _("%(kind)s takes: %(ops)s.") % {"kind": k.label_text, "ops": ", ".join(sorted(k.operations))}
                ]
            }
        )
    if k.needs_target(operation) and not target_id:
        raise InvalidInput({"target_id": [_("Name the record to change.")]})
    if not k.needs_target(operation) and target_id:
        raise InvalidInput({"target_id": [_("A new record has no target yet.")]})
    if not isinstance(payload or {}, dict):
        raise InvalidInput({"payload": [_("An object of field names and values.")]})
    clean = k.clean(operation=operation, target_id=target_id, payload=dict(payload or {}))
    change = ConfigChange(
        kind=kind,
        operation=operation,
        target_id=target_id,
        payload=clean,
        before=k.current(target_id, payload=clean),
        comment=comment or "",
        proposed_by=actor,
    )
    WORKFLOW.start(
        obj=change,
        action="propose",
        actor=actor,
        data={"kind": kind, "operation": operation, "target_id": target_id, "payload": clean},
    )
    return change


def _stale(change: ConfigChange, now: dict) -> bool:
    """Has the target moved since the proposal, in what the proposal touches? The checker
    approves the diff they saw, so a change proposed on other values is proposed again."""
    if change.operation == ConfigOperation.CREATE:
        return False
    keys = change.payload if change.operation == ConfigOperation.UPDATE and change.payload else change.before
    return any(change.before.get(k) != now.get(k) for k in keys)


@transaction.atomic
def config_change_apply(*, actor, change: ConfigChange) -> ConfigChange:
    change = _lock(change)
    WORKFLOW.check(obj=change, action="apply", actor=actor)
    k = registry.get(change.kind)
    k.lock(change.target_id, payload=change.payload)
    before = k.current(change.target_id, payload=change.payload)
    if _stale(change, before):
        raise TransitionNotAllowed(
            entity="config_change",
            action="apply",
            status=change.status,
            message=_("The record has changed since this proposal: reject it and propose the change again."),
        )
    target_id = k.apply(operation=change.operation, target_id=change.target_id, payload=change.payload, actor=actor)
    after = {} if change.operation == ConfigOperation.DELETE else k.current(target_id, payload=change.payload)
    change.target_id, change.after = target_id, after
    change.decided_by, change.decided_at = actor, timezone.now()
    WORKFLOW.apply(
        obj=change,
        action="apply",
        actor=actor,
        data={"kind": change.kind, "target_id": target_id, "before": before, "after": after},
        extra_update_fields=["target_id", "after", "decided_by", "decided_at"],
    )
    return change


@transaction.atomic
def config_change_reject(*, actor, change: ConfigChange, reason: str) -> ConfigChange:
    change = _lock(change)
    change.decided_by, change.decided_at, change.reason = actor, timezone.now(), (reason or "").strip()
    WORKFLOW.apply(
        obj=change,
        action="reject",
        actor=actor,
        reason=change.reason,
        extra_update_fields=["decided_by", "decided_at", "reason"],
    )
    return change


def only_the_proposer(change: ConfigChange, actor) -> str:
    """Why ``actor`` may not withdraw ``change`` (empty when they may): only its proposer."""
    if getattr(actor, "pk", None) != change.proposed_by_id:
        return _("Only the person who proposed this change may withdraw it.")
    return ""


@transaction.atomic
def config_change_withdraw(*, actor, change: ConfigChange, reason: str = "") -> ConfigChange:
    change = _lock(change)
    WORKFLOW.check(obj=change, action="withdraw", actor=actor)
    refused = only_the_proposer(change, actor)
    if refused:
        raise NotAllowed(refused)
    change.decided_by, change.decided_at, change.reason = actor, timezone.now(), (reason or "").strip()
    WORKFLOW.apply(
        obj=change,
        action="withdraw",
        actor=actor,
        reason=change.reason,
        extra_update_fields=["decided_by", "decided_at", "reason"],
    )
    return change
