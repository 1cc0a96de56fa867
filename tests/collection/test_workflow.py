"""collection.workflow: each table tested whole. Every (action, status, role) is tried, and
the table says which are allowed, independently written out here; the four-eyes rule of the
write-off reads the audit trail; the system moves are the close's."""

from types import SimpleNamespace

import pytest

from collection.case_models import CaseStatus, CollectionCase, PromiseStatus, WriteOffStatus
from collection.workflow import CASE_WORKFLOW, PROMISE_WORKFLOW, WRITE_OFF_WORKFLOW
from microloan.errors import NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role
from microloan.workflow import REGISTRY

from ..kernel.factories import UserFactory
from .factories import CollectionCaseFactory, write_off_proposed

MANAGERS = {Role.MANAGER}

# (entity, action): (from, to, the roles that may take it, whether the system (the close) does)
EXPECTED = {
    ("collection_case", "cure"): ("open", "closed", set(), True),
    ("collection_case", "settle"): ("open", "closed", set(), True),
    ("collection_case", "write_off"): ("open", "closed", MANAGERS, True),
    ("promise_to_pay", "keep"): ("open", "kept", set(), True),
    ("promise_to_pay", "break"): ("open", "broken", set(), True),
    ("write_off", "approve"): ("requested", "approved", MANAGERS, False),
    ("write_off", "reject"): ("requested", "rejected", MANAGERS, False),
}
WORKFLOWS = {CASE_WORKFLOW: CaseStatus, PROMISE_WORKFLOW: PromiseStatus, WRITE_OFF_WORKFLOW: WriteOffStatus}
MOVES = [
    (wf, action, status, role)
    for wf, statuses in WORKFLOWS.items()
    for action in wf.transitions
    for status in statuses.values
    for role in Role.values
]


def test_the_tables_are_these_and_registered():
    assert {(wf.entity, a) for wf in WORKFLOWS for a in wf.transitions} == set(EXPECTED)
    for wf in WORKFLOWS:
        assert REGISTRY[wf.entity] is wf
        for action, t in wf.transitions.items():
            source, target, roles, system = EXPECTED[(wf.entity, action)]
            assert (set(t.sources), t.target, set(t.roles), t.system) == ({source}, target, roles, system)
            assert t.label and t.display != action  # a button label of its own
            assert not t.needs_reason
    assert WRITE_OFF_WORKFLOW.transitions["approve"].not_by == {"request"}
    assert WRITE_OFF_WORKFLOW.transitions["reject"].not_by == {"request"}


@pytest.mark.parametrize("workflow,action,status,role", MOVES, ids=[f"{w.entity}-{a}-{s}-{r}" for w, a, s, r in MOVES])
def test_every_move_allowed_or_refused(workflow, action, status, role):
    source, target, roles, _system = EXPECTED[(workflow.entity, action)]
    obj = SimpleNamespace(pk=1, status=status)
    actor = SimpleNamespace(pk=None, role=role)  # no history, so no four-eyes conflict
    if status == source and role in roles:
        assert workflow.check(obj=obj, action=action, actor=actor).target == target
        assert action in [t.action for t in workflow.available(obj=obj, actor=actor)]
    else:
        with pytest.raises(NotAllowed if role not in roles else TransitionNotAllowed):
            workflow.check(obj=obj, action=action, actor=actor)
        assert action not in [t.action for t in workflow.available(obj=obj, actor=actor)]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_four_eyes_the_proposer_may_not_decide(loan, approver, action):
    w = write_off_proposed(loan, by=approver)
    with pytest.raises(NotAllowed):
        WRITE_OFF_WORKFLOW.check(obj=w, action=action, actor=approver)
    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    assert WRITE_OFF_WORKFLOW.check(obj=w, action=action, actor=boss).target == EXPECTED[("write_off", action)][1]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["cure", "settle", "write_off"])
def test_the_close_moves_cases_set_based_each_audited(loan, action):
    case = CollectionCaseFactory(loan=loan)
    assert CASE_WORKFLOW.apply_many(model=CollectionCase, ids=[case.pk], action=action) == [case.pk]
    assert CASE_WORKFLOW.apply_many(model=CollectionCase, ids=[case.pk], action=action) == []  # moved already
    case.refresh_from_db()
    assert case.status == "closed"
    assert list(
        AuditEvent.objects.filter(entity="collection_case", entity_id=case.pk).values_list(
            "action", "from_state", "to_state", "actor"
        )
    ) == [(action, "open", "closed", None)]


def test_the_lifecycle_table_prints():
    """The tables as one, for the README."""
    rows = [f"| {wf.entity} | {action} | {src} → {dst} |" for wf in WORKFLOWS for action, src, dst in wf.table()]
    print("\n".join(["| entity | action | move |", "|---|---|---|", *rows]))
    assert len(rows) == len(EXPECTED)
