"""The kernel's workflow: creation moves (``start``), list pages' buttons
(``available_many``), and the whole lifecycle (every table in ``REGISTRY``) printed as one
Markdown table that README.md must hold between its lifecycle markers.

Regenerate the README's table after changing any table (one command):

    UPDATE_README=1 python -m pytest -q tests/kernel/test_workflow.py -k lifecycle
"""

import importlib
import importlib.util
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from applications.workflow import APPLICATION_WORKFLOW
from microloan.errors import InvalidInput, NotAllowed, TransitionNotAllowed
from microloan.models import AuditEvent, Role
from microloan.permissions import Permission
from microloan.workflow import NEW, REGISTRY, NotByRelated, Transition, Workflow

from ..applications.factories import ApplicationFactory
from .factories import UserFactory

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- lifecycle:start -->", "<!-- lifecycle:end -->"


def lifecycle_workflows() -> list[Workflow]:
    """Every table: each app's ``workflow`` module in INSTALLED_APPS order (tables in the order
    they are defined), then whatever else registered itself once the whole project is
    imported (the URLconf imports every view, hence every service), by entity name."""
    importlib.import_module(settings.ROOT_URLCONF)
    seen: dict[str, Workflow] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.workflow"
        if importlib.util.find_spec(config.name) and importlib.util.find_spec(name):
            for value in vars(importlib.import_module(name)).values():
                if isinstance(value, Workflow) and REGISTRY.get(value.entity) is value:
                    seen.setdefault(value.entity, value)
    for entity in sorted(set(REGISTRY) - set(seen)):
        seen[entity] = REGISTRY[entity]
    return list(seen.values())


def _roles(t: Transition) -> str:
    names = [r for r in Role.values if r in t.roles]
    return ", ".join(names + (["system"] if t.system else []))


def lifecycle_markdown(workflows: list[Workflow]) -> str:
    rows = ["| entity | action | from | to | roles | reason? | four eyes |", "|---|---|---|---|---|---|---|"]
    for w in workflows:
        for t in w.transitions.values():
            sources = ", ".join("(new)" if s == NEW else s for s in sorted(t.sources))
            four_eyes = "; ".join(
                [f"not by whoever did {', '.join(sorted(t.not_by))}"] * bool(t.not_by)
                + [f"nor by whoever did {', '.join(sorted(r.actions))} on its {r.entity}" for r in t.not_by_related]
            )
            rows.append(
                f"| {w.entity} | {t.action} | {sources} | {t.target} | {_roles(t)} | "
                f"{'yes' if t.needs_reason else ''} | {four_eyes} |"
            )
    return "\n".join(rows)


def test_the_readme_holds_the_whole_lifecycle():
    table = lifecycle_markdown(lifecycle_workflows())
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README.md needs the lifecycle markers"
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    wanted = f"{head}{START}\n{table}\n{END}{tail}"
    if os.environ.get("UPDATE_README") == "1" and text != wanted:
        README.write_text(wanted, encoding="utf-8")
        text = README.read_text(encoding="utf-8")
    assert text == wanted, (
        "README.md's lifecycle table is out of date; regenerate it with "
        "UPDATE_README=1 python -m pytest -q tests/kernel/test_workflow.py -k lifecycle"
    )


def test_the_lifecycle_covers_every_registered_table():
    entities = {w.entity for w in lifecycle_workflows()}
    assert entities == set(REGISTRY)
    assert {"application", "lead", "document", "loan", "repayment", "restructuring"} <= entities


# --- the kernel's additions, on a table of their own --------------------------------------


def _toy() -> Workflow:
    officers = Permission(frozenset({Role.OFFICER}), "toy")
    wf = Workflow(
        "toy-kernel-test",
        [
            Transition("make", frozenset({NEW}), "made", needs_reason=True),
            Transition("check", frozenset({"made"}), "checked", not_by=frozenset({"make"})),
        ],
        table={"toy-kernel-test.make": officers, "toy-kernel-test.check": officers},
    )
    REGISTRY.pop(wf.entity)  # not part of the product's lifecycle
    return wf


@pytest.mark.django_db
def test_start_creates_through_a_creation_move_and_audits_it(officer, branch):
    from applications.models import Lead

    wf = _toy()
    lead = Lead(branch=branch, officer=officer, name="x", mobile="13800138000", channel="street")
    with pytest.raises(InvalidInput):
        wf.start(obj=lead, action="make", actor=officer)
    assert lead.pk is None
    assert wf.start(obj=lead, action="make", actor=officer, reason="new prospect") == "made"
    ev = AuditEvent.objects.get(entity=wf.entity, entity_id=lead.pk)
    assert (ev.action, ev.from_state, ev.to_state, ev.actor_id) == ("make", NEW, "made", officer.pk)


@pytest.mark.django_db
def test_available_many_reads_four_eyes_in_one_query(officer, branch, django_assert_num_queries):
    from applications.models import Lead

    from ..kernel.factories import UserFactory

    wf = _toy()
    objs = [Lead(pk=n, status="made") for n in (101, 102, 103)]
    AuditEvent.objects.create(actor=officer, entity=wf.entity, entity_id=102, action="make")
    with django_assert_num_queries(1):
        moves = wf.available_many(objs=objs, actor=officer)
    assert {pk: [t.action for t in ts] for pk, ts in moves.items()} == {101: ["check"], 102: [], 103: ["check"]}
    other = UserFactory(role=Role.OFFICER, branch=branch)
    assert all(ts for ts in wf.available_many(objs=objs, actor=other).values())
    with pytest.raises(NotAllowed, match="Four eyes"):
        wf.check(obj=objs[1], action="check", actor=officer)


@pytest.mark.django_db
def test_a_rule_across_entities_reads_the_related_objects_trail(officer, branch, django_assert_num_queries):
    """``not_by_related``: whoever took the named actions on the related object (``via``) may
    not take the move; the buttons of one object and of a list read it with one query."""
    from types import SimpleNamespace

    officers = Permission(frozenset({Role.OFFICER}), "toy")
    wf = Workflow(
        "toy-related-test",
        [
            Transition(
                "pay",
                frozenset({"ready"}),
                "paid",
                not_by=frozenset({"make"}),
                not_by_related=(NotByRelated("toy-parent", "parent_id", frozenset({"approve"})),),
            )
        ],
        table={"toy-related-test.pay": officers},
    )
    REGISTRY.pop(wf.entity)
    objs = [SimpleNamespace(pk=n, parent_id=n + 1000, status="ready") for n in (201, 202, 203)]
    AuditEvent.objects.create(actor=officer, entity="toy-parent", entity_id=1202, action="approve")
    AuditEvent.objects.create(actor=officer, entity="toy-parent", entity_id=1203, action="comment")  # not guarded
    AuditEvent.objects.create(actor=officer, entity=wf.entity, entity_id=203, action="make")
    with django_assert_num_queries(1):
        moves = wf.available_many(objs=objs, actor=officer)
    assert {pk: [t.action for t in ts] for pk, ts in moves.items()} == {201: ["pay"], 202: [], 203: []}
    with django_assert_num_queries(1):
        assert wf.available(obj=objs[1], actor=officer) == []
    with pytest.raises(NotAllowed, match="having done approve on its toy-parent yourself"):
        wf.check(obj=objs[1], action="pay", actor=officer)
    with pytest.raises(NotAllowed, match="having done make on it yourself"):
        wf.check(obj=objs[2], action="pay", actor=officer)
    assert wf.check(obj=objs[0], action="pay", actor=officer).target == "paid"
    other = UserFactory(role=Role.OFFICER, branch=branch)
    assert all(ts for ts in wf.available_many(objs=objs, actor=other).values())


@pytest.mark.django_db
def test_workflow_refuses_with_named_errors():
    app = ApplicationFactory(status="withdrawn")
    with pytest.raises(TransitionNotAllowed) as err:
        APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=app.created_by)
    assert err.value.status == "withdrawn"
    collector = UserFactory(role="collector")
    with pytest.raises(NotAllowed):
        APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=collector)
    assert ("submit", "draft", "submitted") in APPLICATION_WORKFLOW.table()
