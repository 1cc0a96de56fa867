"""Complaints: filing, one service per move and the complaint's own rules (assignment, who
resolves an escalation), the follow-up a resolution schedules, assignment."""

from datetime import date, timedelta

import pytest

from care import services, workflow
from care.models import Complaint, FollowUpVisit, VisitKind, VisitStatus
from microloan.audit import audit_history
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import Role
from microloan.notifications import Notification

from ..kernel.factories import UserFactory
from .conftest import FRIDAY
from .factories import file_complaint, move

pytestmark = pytest.mark.django_db


def test_only_the_handler_or_a_manager_moves_an_assigned_complaint(today, officer, manager, borrower):
    c = file_complaint(officer, borrower)
    services.complaint_acknowledge(actor=officer, complaint=c)
    c.refresh_from_db()
    assert c.handler == officer  # whoever takes it up first handles it
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    with pytest.raises(NotAllowed):
        services.complaint_investigate(actor=colleague, complaint=c)
    services.complaint_investigate(actor=manager, complaint=c)
    c.refresh_from_db()
    assert c.status == "investigating"


def test_an_escalated_complaint_is_resolved_by_a_manager(today, officer, manager, borrower):
    c = file_complaint(officer, borrower)
    with pytest.raises(InvalidInput) as bad:
        services.complaint_escalate(actor=officer, complaint=c, reason="  ")
    assert "reason" in bad.value.errors
    services.complaint_escalate(actor=officer, complaint=c, reason="regulator involved")
    with pytest.raises(NotAllowed):
        services.complaint_resolve(actor=officer, complaint=c, resolution="refunded")
    with pytest.raises(InvalidInput) as bad:
        services.complaint_resolve(actor=manager, complaint=c, resolution="")
    assert "resolution" in bad.value.errors
    services.complaint_resolve(actor=manager, complaint=c, resolution="Fee refunded.")
    c.refresh_from_db()
    assert (c.status, c.resolution, c.resolved_on, c.acknowledged_on) == ("resolved", "Fee refunded.", FRIDAY, FRIDAY)


def test_every_move_of_the_table_has_its_own_service():
    assert set(services.COMPLAINT_ACTIONS) == set(workflow.COMPLAINT_WORKFLOW.transitions)
    for action, service in services.COMPLAINT_ACTIONS.items():
        assert service.__name__ == f"complaint_{action}"


def test_filing_checks_its_input(today, officer, borrower, loan):
    with pytest.raises(InvalidInput) as bad:
        services.complaint_file(
            actor=officer,
            borrower=borrower,
            category="weather",
            channel="pigeon",
            description=" ",
            received_on=FRIDAY + timedelta(days=1),
            loan=loan,
        )
    assert set(bad.value.errors) == {"category", "channel", "description", "received_on", "loan"}
    assert not Complaint.objects.exists()


def test_resolution_schedules_a_follow_up_that_a_reopening_cancels(today, officer, manager, borrower):
    c = file_complaint(officer, borrower)
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Refunded.")
    visit = FollowUpVisit.objects.get(complaint=c)
    assert (visit.kind, visit.officer, visit.scheduled_on, visit.status) == (
        VisitKind.COMPLAINT,
        officer,
        FRIDAY + timedelta(days=3),
        VisitStatus.SCHEDULED,
    )
    business_date_set(value=date(2026, 11, 25))
    services.complaint_reopen(actor=manager, complaint=c, reason="Borrower disputes the amount.")
    c.refresh_from_db()
    visit.refresh_from_db()
    assert (c.status, c.reopened_count, c.resolved_on, c.resolve_due_on) == (
        "investigating",
        1,
        None,
        date(2026, 12, 10),
    )
    assert visit.status == VisitStatus.CANCELLED
    services.complaint_resolve(actor=officer, complaint=c, resolution="Refunded in full.")
    assert FollowUpVisit.objects.filter(complaint=c, status=VisitStatus.SCHEDULED).count() == 1
    assert Notification.objects.filter(dedupe_key__startswith=f"complaint:{c.pk}:resolved:").count() == 2


def test_assignment_rules(today, officer, manager, borrower, other_officer):
    c = file_complaint(officer, borrower)
    with pytest.raises(InvalidInput):  # not of this branch or above it
        services.complaint_assign(actor=manager, complaint=c, handler=other_officer)
    services.complaint_assign(actor=officer, complaint=c, handler=officer)  # takes it up
    colleague = UserFactory(role=Role.OFFICER, branch=officer.branch)
    with pytest.raises(NotAllowed):
        services.complaint_assign(actor=colleague, complaint=c, handler=colleague)
    services.complaint_assign(actor=manager, complaint=c, handler=colleague)
    c.refresh_from_db()
    assert c.handler == colleague
    assert [e.action for e in audit_history(entity="complaint", entity_id=c.pk)] == ["file", "assign", "assign"]
