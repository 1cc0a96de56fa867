"""collection.services.writeoffs: a write-off of a loss-class loan, proposed by one person and
decided by a manager who did not propose it, through the write-off's table; the ledger, the
loan and its case follow; a recovery on the written-off loan (the maker-checker pair itself:
test_recoveries.py)."""

from datetime import date
from decimal import Decimal

import pytest

from collection.services.recoveries import recovery_confirm, recovery_record
from collection.services.writeoffs import writeoff_approve, writeoff_reject, writeoff_request
from collection.workflow import WRITE_OFF_WORKFLOW
from microloan.business_date import business_date_set
from microloan.errors import NotAllowed, TransitionNotAllowed
from microloan.ledger import Acct, balances_by_loan
from microloan.models import AuditEvent, Role
from servicing.models import Loan

from ..kernel.factories import UserFactory
from .factories import loss_class, write_off_proposed

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal


def history(entity, pk):
    return list(
        AuditEvent.objects.filter(entity=entity, entity_id=pk)
        .order_by("id")
        .values_list("action", "from_state", "to_state", "actor")
    )


def test_write_off_needs_loss_class_and_another_approver_then_recoveries(case, collectors, approver, loan):
    with pytest.raises(TransitionNotAllowed):
        writeoff_request(actor=collectors[0], loan=loan, reason="absconded")
    w = writeoff_request(actor=approver, loan=loss_class(loan), reason="absconded")
    with pytest.raises(NotAllowed):
        writeoff_approve(actor=approver, write_off=w)  # four eyes
    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    writeoff_approve(actor=boss, write_off=w)
    loan.refresh_from_db()
    w.refresh_from_db()
    assert loan.status == "written_off"
    assert (w.status, w.decided_by, w.principal) == ("approved", boss, loan.outstanding_principal)
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.LOAN_PRINCIPAL, Acct.LOAN_LOSS_PROVISION])
    assert bal[loan.pk][Acct.LOAN_PRINCIPAL] == 0 and bal[loan.pk][Acct.LOAN_LOSS_PROVISION] == 0
    case.refresh_from_db()
    assert case.status == "closed" and case.outcome == "written_off"
    # every change left its row: the write-off's, the case's and the loan's
    assert history("write_off", w.pk) == [
        ("request", "", "requested", approver.pk),
        ("approve", "requested", "approved", boss.pk),
    ]
    assert history("collection_case", case.pk)[-1] == ("write_off", "open", "closed", boss.pk)
    assert (
        AuditEvent.objects.filter(
            entity="loan", entity_id=loan.pk, action="write_off", from_state="active", to_state="written_off"
        ).count()
        == 1
    )
    business_date_set(value=date(2027, 1, 5))
    r = recovery_record(
        actor=collectors[0], loan=loan, amount=D("1234.00"), received_on=date(2027, 1, 5), channel="cash"
    )
    recovery_confirm(actor=boss, recovery=r)  # a second person (tests/collection/test_recoveries.py)
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.RECOVERY_INCOME])
    assert bal[loan.pk][Acct.RECOVERY_INCOME] == D("1234.00")


def test_a_rejected_write_off_leaves_the_loan_and_the_case_alone(case, collectors, approver, loan):
    w = write_off_proposed(loan, by=collectors[0])
    with pytest.raises(NotAllowed):
        writeoff_reject(actor=collectors[1], write_off=w)  # collectors do not decide
    writeoff_reject(actor=approver, write_off=w, comment="keep collecting")
    w.refresh_from_db()
    loan.refresh_from_db()
    case.refresh_from_db()
    assert (w.status, w.decided_by, loan.status, case.status) == ("rejected", approver, "active", "open")
    assert history("write_off", w.pk)[-1] == ("reject", "requested", "rejected", approver.pk)
    with pytest.raises(TransitionNotAllowed):
        writeoff_approve(actor=approver, write_off=w)  # decided already
    # a new proposal may follow the rejected one
    assert writeoff_request(actor=collectors[0], loan=loan, reason="absconded again").status == "requested"


def test_the_proposer_sees_no_decision_buttons_another_manager_does(case, approver, loan):
    w = write_off_proposed(loan, by=approver)
    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    assert WRITE_OFF_WORKFLOW.available(obj=w, actor=approver) == []
    assert [t.action for t in WRITE_OFF_WORKFLOW.available(obj=w, actor=boss)] == ["approve", "reject"]


def test_write_off_approval_refused_when_the_loan_was_paid_meanwhile(case, collectors, approver, loan):
    w = write_off_proposed(loan, by=collectors[0])
    Loan.objects.filter(pk=loan.pk).update(status="closed")
    with pytest.raises(TransitionNotAllowed):
        writeoff_approve(actor=approver, write_off=w)
    loan.refresh_from_db()
    w.refresh_from_db()
    assert (loan.status, w.status) == ("closed", "requested")
