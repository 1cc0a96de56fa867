"""The customer-service transition tables, whole: every (action, status, role) move allowed
or refused, each transition's label, reason and four-eyes rules, and the rules enforced on
real complaints through the services."""

from types import SimpleNamespace

import pytest

from care import services, workflow
from care.models import ComplaintStatus, ReviewStatus, VisitStatus
from care.workflow import COMPLAINT_WORKFLOW, HANDLERS, REVIEW_WORKFLOW, SENIOR, VISIT_WORKFLOW
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role
from microloan.workflow import REGISTRY

from ..kernel.factories import UserFactory
from .factories import ComplaintFactory, file_complaint, in_status, move

EXPECTED_TABLE = {
    ("acknowledge", "received", "acknowledged"),
    ("investigate", "acknowledged", "investigating"),
    ("escalate", "received", "escalated"),
    ("escalate", "acknowledged", "escalated"),
    ("escalate", "investigating", "escalated"),
    ("resolve", "investigating", "resolved"),
    ("resolve", "escalated", "resolved"),
    ("close", "resolved", "closed"),
    ("reopen", "resolved", "investigating"),
    ("reopen", "closed", "investigating"),
}


def test_the_complaint_table_is_exactly_this():
    assert set(workflow.COMPLAINT_WORKFLOW.table()) == EXPECTED_TABLE


def test_visit_and_review_tables():
    assert set(workflow.VISIT_WORKFLOW.table()) == {
        ("complete", "scheduled", "done"),
        ("cancel", "scheduled", "cancelled"),
    }
    assert set(workflow.REVIEW_WORKFLOW.table()) == {("complete", "open", "done"), ("cancel", "open", "cancelled")}
    assert workflow.REVIEW_WORKFLOW.available_actions("open", Role.OFFICER) == ["complete"]
    assert workflow.REVIEW_WORKFLOW.available_actions("done", Role.MANAGER) == []


@pytest.mark.parametrize("status", ComplaintStatus.values)
@pytest.mark.parametrize("action", sorted(workflow.COMPLAINT_WORKFLOW.transitions))
@pytest.mark.django_db
def test_every_action_from_every_status_through_its_service(action, status, today, manager, borrower):
    # given a complaint in ``status``
    c = in_status(status, manager, borrower)
    targets = {a_s[2] for a_s in EXPECTED_TABLE if a_s[:2] == (action, status)}
    # when a manager tries ``action``
    if not targets:
        with pytest.raises(TransitionNotAllowed) as refused:
            move(actor=manager, complaint=c, action=action, reason="why", resolution="done")
        # then a refusal names the status and changes nothing
        assert refused.value.status == status
        c.refresh_from_db()
        assert c.status == status
        assert not AuditEvent.objects.filter(entity="complaint", entity_id=c.pk, action=action).exists()
        return
    move(actor=manager, complaint=c, action=action, reason="why", resolution="done")
    # then it moves, and the move is audited with who, from, to and why
    c.refresh_from_db()
    assert c.status == targets.pop()
    event = AuditEvent.objects.get(entity="complaint", entity_id=c.pk, action=action)
    assert (event.actor, event.from_state, event.to_state) == (manager, status, c.status)
    assert event.reason in ("why", "done")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.COLLECTOR, Role.REVIEWER])
@pytest.mark.django_db
def test_roles_that_do_not_handle_complaints_are_refused(role, today, officer, borrower):
    c = file_complaint(officer, borrower)
    other = UserFactory(role=role, branch=officer.branch)
    with pytest.raises(NotAllowed):
        services.complaint_acknowledge(actor=other, complaint=c)
    c.refresh_from_db()
    assert c.status == "received"


# --- every table whole: (action, status, role) -------------------------------------------------

# entity -> (action, source) -> (target, the roles that may take it)
EXPECTED = {
    "complaint": {(a, s): (t, HANDLERS) for a, s, t in EXPECTED_TABLE},
    "follow_up_visit": {
        ("complete", "scheduled"): ("done", HANDLERS),
        ("cancel", "scheduled"): ("cancelled", HANDLERS),
    },
    "credit_review": {("complete", "open"): ("done", HANDLERS), ("cancel", "open"): ("cancelled", SENIOR)},
}
STATUSES = {
    "complaint": ComplaintStatus.values,
    "follow_up_visit": VisitStatus.values,
    "credit_review": ReviewStatus.values,
}


def every_move():
    for entity, statuses in STATUSES.items():
        for action in sorted(REGISTRY[entity].transitions):
            for status in statuses:
                for role in Role.values:
                    yield entity, action, status, role


def test_the_tables_hold_every_status_and_nothing_else():
    for entity, statuses in STATUSES.items():
        wf = REGISTRY[entity]
        assert wf.statuses() == set(statuses)
        assert {(a, s) for a, s, _t in wf.table()} == set(EXPECTED[entity])


@pytest.mark.parametrize(("entity", "action", "status", "role"), list(every_move()))
def test_every_move_of_every_table_by_every_role(entity, action, status, role):
    wf = REGISTRY[entity]
    obj, actor = SimpleNamespace(pk=None, status=status), SimpleNamespace(pk=None, role=role)
    expected = EXPECTED[entity].get((action, status))
    offered = action in [t.action for t in wf.available(obj=obj, actor=actor)]
    if expected is not None and role in expected[1]:
        # allowed: the table moves it to its target, and the page offers the button
        assert wf.check(obj=obj, action=action, actor=actor, reason="why").target == expected[0]
        assert offered
        return
    # refused: for the role first (403), else for the status (409); the page offers nothing
    refusal = NotAllowed if role not in wf.transitions[action].roles else TransitionNotAllowed
    with pytest.raises(refusal):
        wf.check(obj=obj, action=action, actor=actor, reason="why")
    assert not offered


RULES = {  # (entity, action) -> (needs a reason, four eyes: actions whose actors may not take it, system)
    ("complaint", "acknowledge"): (False, set(), False),
    ("complaint", "investigate"): (False, set(), False),
    ("complaint", "escalate"): (True, set(), False),
    ("complaint", "resolve"): (False, {"escalate"}, False),
    ("complaint", "close"): (False, {"resolve"}, False),
    ("complaint", "reopen"): (True, set(), False),
    ("follow_up_visit", "complete"): (False, set(), False),
    ("follow_up_visit", "cancel"): (True, set(), True),
    ("credit_review", "complete"): (False, set(), False),
    ("credit_review", "cancel"): (True, set(), True),
}


def test_each_transition_carries_its_label_reason_and_four_eyes_rules():
    from django.utils import translation

    seen = {}
    for entity in STATUSES:
        for t in REGISTRY[entity].transitions.values():
            seen[(entity, t.action)] = (t.needs_reason, set(t.not_by), t.system)
            assert t.label, (entity, t.action)
            with translation.override("zh-hans"):
                chinese = t.display
            with translation.override("en"):
                assert chinese != t.display  # the button reads in the user's language
    assert seen == RULES


@pytest.mark.parametrize(
    ("wf", "action", "status"),
    [
        (COMPLAINT_WORKFLOW, "escalate", "received"),
        (COMPLAINT_WORKFLOW, "reopen", "closed"),
        (VISIT_WORKFLOW, "cancel", "scheduled"),
        (REVIEW_WORKFLOW, "cancel", "open"),
    ],
)
def test_a_move_that_needs_a_reason_is_refused_without_one(wf, action, status):
    with pytest.raises(InvalidInput) as bad:
        wf.check(
            obj=SimpleNamespace(pk=None, status=status),
            action=action,
            actor=SimpleNamespace(pk=None, role=Role.MANAGER),
            reason="  ",
        )
    assert "reason" in bad.value.errors


# --- four eyes, on real complaints -------------------------------------------------------------


@pytest.mark.django_db
def test_whoever_resolved_a_complaint_does_not_close_it(today, officer, manager, borrower):
    c = file_complaint(officer, borrower)
    services.complaint_acknowledge(actor=officer, complaint=c)
    services.complaint_investigate(actor=officer, complaint=c)
    services.complaint_resolve(actor=manager, complaint=c, resolution="Fee refunded.")
    c.refresh_from_db()
    # the resolver is offered no close, and is refused one
    assert "close" not in [t.action for t in services.complaint_available(complaint=c, actor=manager)]
    with pytest.raises(NotAllowed):
        services.complaint_close(actor=manager, complaint=c)
    c.refresh_from_db()
    assert c.status == "resolved"
    # a second person closes it
    assert "close" in [t.action for t in services.complaint_available(complaint=c, actor=officer)]
    services.complaint_close(actor=officer, complaint=c)
    c.refresh_from_db()
    assert (c.status, c.closed_on) == ("closed", today)


@pytest.mark.django_db
def test_whoever_escalated_a_complaint_does_not_resolve_it(today, officer, manager, borrower):
    c = file_complaint(officer, borrower)
    services.complaint_escalate(actor=manager, complaint=c, reason="The regulator asked.")
    c.refresh_from_db()
    assert "resolve" not in [t.action for t in services.complaint_available(complaint=c, actor=manager)]
    with pytest.raises(NotAllowed):
        services.complaint_resolve(actor=manager, complaint=c, resolution="Refunded.")
    other_manager = UserFactory(role=Role.MANAGER, branch=officer.branch)
    assert [t.action for t in services.complaint_available(complaint=c, actor=other_manager)] == ["resolve"]
    services.complaint_resolve(actor=other_manager, complaint=c, resolution="Refunded.")
    c.refresh_from_db()
    assert c.status == "resolved"


@pytest.mark.django_db
def test_the_offered_moves_follow_the_complaints_own_rules(today, officer, manager, borrower):
    # assigned to another officer: nothing for a colleague, everything the table allows for a manager
    c = ComplaintFactory(borrower=borrower, status="investigating", handler=officer)
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    assert services.complaint_available(complaint=c, actor=colleague) == []
    assert [t.action for t in services.complaint_available(complaint=c, actor=manager)] == ["escalate", "resolve"]
    # escalated: only a manager resolves it
    c = ComplaintFactory(borrower=borrower, status="escalated")
    assert services.complaint_available(complaint=c, actor=officer) == []
    assert [t.action for t in services.complaint_available(complaint=c, actor=manager)] == ["resolve"]
