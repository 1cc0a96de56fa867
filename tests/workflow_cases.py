"""Testing a transition table whole: every (action, status, role) of a workflow, taken from
the table itself, the status enum's full list (plus NEW for creation moves) and the full
Role list, so a status or a role added later is covered without touching the tests."""

import pytest

from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role, User
from microloan.workflow import NEW


def every_move(workflow, statuses) -> list:
    """pytest params: one per (action, status, role), named ``entity-action-status-role``."""
    return [
        pytest.param(workflow, action, status, role, id=f"{workflow.entity}-{action}-{status or 'new'}-{role}")
        for action in workflow.transitions
        for status in [NEW, *statuses]
        for role in Role.values
    ]


def four_eyes_moves(workflows) -> list:
    return [
        pytest.param(w, t.action, id=f"{w.entity}-{t.action}")
        for w in workflows
        for t in w.transitions.values()
        if t.not_by
    ]


def check_one_move(workflow, model, action, status, role) -> None:
    """Allowed by the table: ``check`` passes (with a reason where one is needed, and refuses
    without one). Refused: role first (NotAllowed), then status (TransitionNotAllowed)."""
    t = workflow.transitions[action]
    obj = model(**{workflow.status_field: status})
    actor = User(username=f"u-{role}", role=role)  # unsaved: no four-eyes history
    allowed = status in t.sources and role in t.roles
    if allowed:
        assert workflow.check(obj=obj, action=action, actor=actor, reason="why") is t
        if t.needs_reason:
            with pytest.raises(InvalidInput):
                workflow.check(obj=obj, action=action, actor=actor, reason=" ")
        assert t in workflow.available(obj=obj, actor=actor)
        return
    expected = NotAllowed if role not in t.roles else TransitionNotAllowed
    with pytest.raises(expected):
        workflow.check(obj=obj, action=action, actor=actor, reason="why")
    assert t not in workflow.available(obj=obj, actor=actor)


def check_four_eyes(workflow, model, action, make_user) -> None:
    """Whoever took one of ``not_by`` on the object may not take ``action``; someone else may."""
    t = workflow.transitions[action]
    role = sorted(t.roles)[0]
    status = sorted(t.sources)[0]
    obj = model(pk=987654, **{workflow.status_field: status})
    first, second = make_user(role=role), make_user(role=role)
    for done in sorted(t.not_by):
        AuditEvent.objects.create(actor=first, entity=workflow.entity, entity_id=obj.pk, action=done)
    with pytest.raises(NotAllowed, match="Four eyes"):
        workflow.check(obj=obj, action=action, actor=first, reason="why")
    assert t not in workflow.available(obj=obj, actor=first)
    assert t not in workflow.available_many(objs=[obj], actor=first)[obj.pk]
    assert workflow.check(obj=obj, action=action, actor=second, reason="why") is t
    assert t in workflow.available_many(objs=[obj], actor=second)[obj.pk]


def statuses_are_the_enums(workflow, statuses) -> None:
    """Every status the table names is one of the enum's (or NEW for a creation)."""
    assert workflow.statuses() <= {NEW, *statuses}
