"""Hand-overs (#14 point 6, microloan/assignment.py): a manager hands a loan to another officer
and a case to another collector, with a reason and an audit row saying from whom to whom; the
new holder must be active, of the role and of the work's branch (or above it); other roles and
other branches are refused; both pages in both languages."""

import pytest
from django.test import Client

from collection.services.reassign import case_reassign
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import AuditEvent, Role
from servicing.models import Loan
from servicing.reassign import loan_reassign

from ..kernel.factories import BranchFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_hands_a_loan_to_another_officer_with_the_reason_audited(loan, manager, branch):
    before = loan.officer
    other = UserFactory(role=Role.OFFICER, branch=branch, username="officer-b")
    loan_reassign(actor=manager, loan=loan, officer_id=other.pk, reason="Officer on leave")
    assert Loan.objects.get(pk=loan.pk).officer_id == other.pk
    event = AuditEvent.objects.get(entity="loan", entity_id=loan.pk, action="reassign")
    assert event.actor == manager and event.reason == "Officer on leave"
    assert event.data == {"officer": {"from": before.username, "to": "officer-b"}}


def test_the_new_holder_must_be_active_of_the_role_and_the_branch_and_a_reason_given(loan, manager, branch):
    inactive = UserFactory(role=Role.OFFICER, branch=branch, is_active=False)
    collector = UserFactory(role=Role.COLLECTOR, branch=branch)
    elsewhere = UserFactory(role=Role.OFFICER, branch=BranchFactory())
    for bad in (inactive, collector, elsewhere):
        with pytest.raises(InvalidInput) as exc:
            loan_reassign(actor=manager, loan=loan, officer_id=bad.pk, reason="x")
        assert "officer" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        loan_reassign(actor=manager, loan=loan, officer_id=loan.officer_id, reason=" ")
    assert set(exc.value.errors) == {"officer", "reason"}  # the same person, and no reason
    assert not AuditEvent.objects.filter(action="reassign").exists()


def test_only_a_manager_of_the_branch_tree_hands_over(loan, officer, branch):
    other = UserFactory(role=Role.OFFICER, branch=branch)
    with pytest.raises(NotAllowed):
        loan_reassign(actor=officer, loan=loan, officer_id=other.pk, reason="x")
    foreign = UserFactory(role=Role.MANAGER, branch=BranchFactory())
    with pytest.raises(NotAllowed):
        loan_reassign(actor=foreign, loan=loan, officer_id=other.pk, reason="x")


def test_a_manager_hands_a_case_to_another_collector(case, collectors, manager):
    case.refresh_from_db()
    current = case.assigned_to
    new = next(c for c in collectors if c.pk != current.pk)
    case_reassign(actor=manager, case=case, collector_id=new.pk, reason="Load balancing")
    case.refresh_from_db()
    assert case.assigned_to_id == new.pk
    event = AuditEvent.objects.get(entity_id=case.pk, action="reassign")
    assert event.data == {"collector": {"from": current.username, "to": new.username}}
    with pytest.raises(NotAllowed):
        case_reassign(actor=collectors[0], case=case, collector_id=current.pk, reason="x")


@pytest.mark.parametrize(("language", "words"), [("en", "Hand-overs"), ("zh-hans", "移交记录")])
def test_the_pages_hand_over_and_show_the_history_in_both_languages(case, collectors, manager, branch, language, words):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(manager)
    loan = case.loan
    other = UserFactory(role=Role.OFFICER, branch=branch, username="officer-c")
    assert 'id="reassign-link"' in c.get(f"/loans/{loan.pk}/").content.decode()
    page = c.get(f"/loans/{loan.pk}/reassign/")
    assert page.status_code == 200 and words in page.content.decode()
    refused = c.post(f"/loans/{loan.pk}/reassign/", {"holder": other.pk, "reason": ""})
    assert refused.status_code == 200 and 'id="reason-error"' in refused.content.decode()
    done = c.post(f"/loans/{loan.pk}/reassign/", {"holder": other.pk, "reason": "New area"})
    assert done.status_code == 302 and Loan.objects.get(pk=loan.pk).officer_id == other.pk
    history = c.get(f"/loans/{loan.pk}/reassign/").content.decode()
    assert "officer-c" in history and "New area" in history
    case.refresh_from_db()
    new = next(x for x in collectors if x.pk != case.assigned_to_id)
    assert 'id="reassign-link"' in c.get(f"/collections/{case.pk}/").content.decode()
    done = c.post(f"/collections/{case.pk}/reassign/", {"holder": new.pk, "reason": "Cover"})
    assert done.status_code == 302


def test_a_collector_sees_no_hand_over_link_and_gets_403(case, collectors):
    c = Client()
    c.force_login(collectors[0])
    assert 'id="reassign-link"' not in c.get(f"/collections/{case.pk}/").content.decode()
    assert c.get(f"/collections/{case.pk}/reassign/").status_code == 403
