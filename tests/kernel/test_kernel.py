from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import InternalError

from microloan.audit import audit_record
from microloan.business_date import business_date, business_date_set
from microloan.errors import NotAllowed, TransitionNotAllowed
from microloan.lending.money import money, rate
from microloan.models import AuditEvent, Branch

from ..factories import BranchFactory, UserFactory


def test_money_rounds_half_up_to_the_cent():
    assert money("2.345") == Decimal("2.35")
    assert money("2.344") == Decimal("2.34")
    assert money(Decimal("-2.345")) == Decimal("-2.35")
    assert rate("0.18005") == Decimal("0.1801")


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


@pytest.mark.django_db
def test_audit_events_are_append_only_in_the_model_and_the_database():
    ev = audit_record(actor=None, entity="x", entity_id=1, action="a")
    ev.reason = "rewrite"
    with pytest.raises(ValidationError):
        ev.save()
    with pytest.raises(ValidationError):
        ev.delete()
    # Even raw SQL is refused by the trigger on PostgreSQL.
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE microloan_auditevent SET reason = 'x' WHERE id = %s", [ev.pk])
    with pytest.raises(InternalError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM microloan_auditevent WHERE id = %s", [ev.pk])
    assert AuditEvent.objects.get(pk=ev.pk).reason == ""


@pytest.mark.django_db
def test_branch_paths_follow_the_tree_and_moves():
    hq = BranchFactory()
    a = BranchFactory(parent=hq)
    a1 = BranchFactory(parent=a)
    b = BranchFactory(parent=hq)
    assert a1.path == f"/{hq.pk}/{a.pk}/{a1.pk}/"
    assert set(hq.subtree()) == {hq, a, a1, b}
    # moving a branch moves its subtree
    a.parent = b
    a.save()
    a1.refresh_from_db()
    assert a1.path == f"/{hq.pk}/{b.pk}/{a.pk}/{a1.pk}/"
    assert set(b.subtree()) == {b, a, a1}
    assert set(Branch.objects.filter(path__startswith=a.path)) == {a, a1}


@pytest.mark.django_db
def test_business_date_defaults_to_today_and_can_be_set():
    from datetime import date

    from django.utils import timezone
    assert business_date() == timezone.localdate()
    business_date_set(value=date(2026, 1, 15))
    assert business_date() == date(2026, 1, 15)
    business_date_set(value=None)
    assert business_date() == timezone.localdate()


@pytest.mark.django_db
def test_workflow_refuses_with_named_errors():
    from applications.workflow import APPLICATION_WORKFLOW

    from ..factories import ApplicationFactory
    app = ApplicationFactory(status="withdrawn")
    with pytest.raises(TransitionNotAllowed) as err:
        APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=app.created_by)
    assert err.value.status == "withdrawn"
    collector = UserFactory(role="collector")
    with pytest.raises(NotAllowed):
        APPLICATION_WORKFLOW.check(obj=app, action="submit", actor=collector)
    assert ("submit", "draft", "submitted") in APPLICATION_WORKFLOW.table()
