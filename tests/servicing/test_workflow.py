"""Servicing's tables tested whole (servicing/workflow.py), and a loan walked through every
status move, read back from the audit trail."""

from decimal import Decimal

import pytest

from collection.services.writeoffs import writeoff_approve, writeoff_request
from microloan.audit import audit_history
from microloan.errors import NotAllowed
from servicing.models import (
    Disbursement,
    DisbursementStatus,
    Loan,
    LoanStatus,
    Repayment,
    RepaymentStatus,
    Restructuring,
    RestructuringStatus,
)
from servicing.repayments import payoff_quote, repayment_post, repayment_reverse
from servicing.restructuring import restructuring_decide, restructuring_request
from servicing.workflow import DISBURSEMENT_WORKFLOW, LOAN_WORKFLOW, REPAYMENT_WORKFLOW, RESTRUCTURING_WORKFLOW

from ..kernel.factories import UserFactory
from ..workflow_cases import (
    check_four_eyes,
    check_one_move,
    every_move,
    four_eyes_moves,
    statuses_are_the_enums,
)

TABLES = [
    (DISBURSEMENT_WORKFLOW, Disbursement, DisbursementStatus),
    (LOAN_WORKFLOW, Loan, LoanStatus),
    (REPAYMENT_WORKFLOW, Repayment, RepaymentStatus),
    (RESTRUCTURING_WORKFLOW, Restructuring, RestructuringStatus),
]
MODELS = {w.entity: m for w, m, _e in TABLES}


@pytest.mark.parametrize(
    "workflow,action,status,role", [p for w, _m, enum in TABLES for p in every_move(w, enum.values)]
)
def test_every_move_of_every_table(workflow, action, status, role):
    check_one_move(workflow, MODELS[workflow.entity], action, status, role)


@pytest.mark.parametrize("workflow,enum", [pytest.param(w, e, id=w.entity) for w, _m, e in TABLES])
def test_tables_name_only_the_enums_statuses(workflow, enum):
    statuses_are_the_enums(workflow, enum.values)


@pytest.mark.django_db
@pytest.mark.parametrize("workflow,action", four_eyes_moves([w for w, _m, _e in TABLES]))
def test_four_eyes_read_from_the_audit_trail(workflow, action, branch):
    check_four_eyes(workflow, MODELS[workflow.entity], action, lambda role: UserFactory(role=role, branch=branch))


def test_the_four_eyes_rules_of_today_are_in_the_tables():
    assert REPAYMENT_WORKFLOW.transitions["reverse"].not_by == {"post"}
    assert RESTRUCTURING_WORKFLOW.transitions["approve"].not_by == {"request"}
    assert RESTRUCTURING_WORKFLOW.transitions["reject"].not_by == {"request"}
    assert DISBURSEMENT_WORKFLOW.transitions["release"].not_by == {"prepare"}
    assert DISBURSEMENT_WORKFLOW.transitions["return"].not_by == {"prepare"}


@pytest.mark.django_db
def test_a_loan_walks_through_close_reopen_restructure_and_write_off_and_each_move_is_audited(
    officer, cashier, approver, supervisor, branch, loan, biz_date
):
    quote = payoff_quote(loan=loan, on=biz_date)
    paid = repayment_post(actor=officer, loan=loan, amount=quote.amount, paid_on=biz_date, channel="cash")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CLOSED and loan.closed_on == biz_date

    repayment_reverse(actor=cashier, repayment=paid, reason="wrong loan")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.closed_on is None

    r = restructuring_request(
        actor=officer, loan=loan, kind="deferral", cause="hardship", periods=1, reason="shop flooded"
    )
    restructuring_decide(actor=approver, restructuring=r, approve=True, comment="ok")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RESTRUCTURED

    Loan.objects.filter(pk=loan.pk).update(classification="loss")
    boss = UserFactory(username="boss_s", role="manager", branch=branch, approval_limit=Decimal("50000.00"))
    w = writeoff_request(actor=approver, loan=loan, reason="absconded")
    writeoff_approve(actor=boss, write_off=w)

    moves = [
        (e.action, e.from_state, e.to_state, e.actor.username if e.actor else None)
        for e in audit_history(entity="loan", entity_id=loan.pk)
        if e.action in LOAN_WORKFLOW.transitions
    ]
    assert moves == [
        ("disburse", "", "active", supervisor.username),  # made by the release
        ("close", "active", "closed", officer.username),
        ("reopen", "closed", "active", cashier.username),
        ("restructure", "active", "restructured", approver.username),
        ("write_off", "restructured", "written_off", boss.username),
    ]
    assert [(e.action, e.to_state) for e in audit_history(entity="repayment", entity_id=paid.pk)] == [
        ("post", "posted"),
        ("reverse", "reversed"),
    ]
    assert [(e.action, e.to_state) for e in audit_history(entity="restructuring", entity_id=r.pk)] == [
        ("request", "requested"),
        ("approve", "approved"),
    ]


@pytest.mark.django_db
def test_a_reversal_that_reopens_a_restructured_loan_reopens_it_restructured(officer, cashier, approver, loan):
    r = restructuring_request(
        actor=officer, loan=loan, kind="deferral", cause="hardship", periods=1, reason="shop flooded"
    )
    restructuring_decide(actor=approver, restructuring=r, approve=True)
    loan.refresh_from_db()
    quote = payoff_quote(loan=loan, on=loan.disbursed_on)
    paid = repayment_post(actor=officer, loan=loan, amount=quote.amount, paid_on=loan.disbursed_on, channel="cash")
    repayment_reverse(actor=cashier, repayment=paid, reason="bounced")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.RESTRUCTURED
    assert [e.action for e in audit_history(entity="loan", entity_id=loan.pk)][-2:] == ["close", "reopen_restructured"]


@pytest.mark.django_db
def test_the_poster_may_not_reverse_and_the_page_hides_the_button(client, officer, cashier, loan, biz_date):
    paid = repayment_post(actor=officer, loan=loan, amount="100.00", paid_on=biz_date, channel="cash")
    with pytest.raises(NotAllowed, match="Four eyes"):
        repayment_reverse(actor=officer, repayment=paid, reason="oops")

    def page(user):
        client.force_login(user)
        return client.get(f"/loans/{loan.pk}/").content.decode()

    mine, theirs = page(officer), page(cashier)
    assert 'value="reverse"' not in mine and 'value="reverse"' in theirs
    assert 'id="repay-form"' in mine  # officers post


@pytest.mark.django_db
def test_only_a_manager_other_than_the_requester_sees_the_decision(client, officer, approver, loan):
    restructuring_request(actor=officer, loan=loan, kind="deferral", cause="hardship", periods=1, reason="flood")

    def page(user):
        client.force_login(user)
        return client.get(f"/loans/{loan.pk}/").content.decode()

    assert 'value="restructure-decision"' not in page(officer)
    assert 'value="restructure-decision"' in page(approver)


@pytest.mark.django_db
def test_postings_made_before_the_tables_keep_their_four_eyes(officer, cashier, loan, biz_date):
    """The backfill migration writes the ``post`` row a posting made before the tables lacks."""
    import importlib

    from django.apps import apps

    from microloan.models import AuditEvent

    paid = repayment_post(actor=officer, loan=loan, amount="100.00", paid_on=biz_date, channel="cash")
    old = Repayment.objects.get(pk=paid.pk)
    old.pk, old.external_id, old.receipt_number = None, None, "OLD"
    old.save()  # as if posted by ``officer`` before the tables: no audit row of its own
    assert not AuditEvent.objects.filter(entity="repayment", entity_id=old.pk).exists()
    importlib.import_module("servicing.migrations.0006_audit_backfill_four_eyes").backfill(apps, None)
    importlib.import_module("servicing.migrations.0006_audit_backfill_four_eyes").backfill(apps, None)  # re-run
    assert AuditEvent.objects.filter(entity="repayment", entity_id=old.pk, action="post", actor=officer).count() == 1
    with pytest.raises(NotAllowed, match="Four eyes"):
        REPAYMENT_WORKFLOW.check(obj=old, action="reverse", actor=officer, reason="oops")
    assert REPAYMENT_WORKFLOW.check(obj=old, action="reverse", actor=cashier, reason="oops")
