"""Restructuring with four-eyes approval and schedule versions; receipts and statements; a
property test of any sequence of payments against the books."""

import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.business_date import business_date_set
from microloan.ledger import Acct, assert_ledger_balanced, balances_by_loan
from servicing.models import Installment, Loan, Repayment

from ..conftest import client_for
from .conftest import approved_schedule

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal
DUE1 = date(2026, 12, 20)


def text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def request(user, loan, **body):
    return client_for(user).post(
        f"/api/v1/loans/{loan.pk}/restructurings/",
        {"cause": "hardship", "reason": "shop flooded", **body},
        format="json",
    )


def decide(user, loan, rid, approve=True):
    return client_for(user).post(
        f"/api/v1/loans/{loan.pk}/restructurings/{rid}/decision/", {"approve": approve, "comment": "ok"}, format="json"
    )


def test_deferral_needs_a_different_approver_and_makes_a_new_version(officer, approver, loan):
    r = request(officer, loan, kind="deferral", periods=2)
    assert r.status_code == 201 and r.data["status"] == "requested"
    assert decide(officer, loan, r.data["id"]).status_code == 403  # officers don't approve
    assert request(officer, loan, kind="deferral", periods=1).status_code == 409  # one request at a time
    d = decide(approver, loan, r.data["id"])
    assert d.status_code == 200 and (d.data["from_version"], d.data["to_version"]) == (1, 2)
    loan.refresh_from_db()
    assert loan.schedule_version == 2 and loan.status == "restructured"
    old = Installment.objects.filter(loan=loan, schedule_version=1).order_by("number")
    new = Installment.objects.filter(loan=loan, schedule_version=2, is_current=True).order_by("number")
    assert not any(i.is_current for i in old)  # history kept, no longer current
    assert [i.due_date for i in new][:2] == [date(2027, 2, 20), date(2027, 3, 20)]
    assert [i.principal_due for i in new] == [i.principal_due for i in old]
    s = client_for(officer).get(f"/api/v1/loans/{loan.pk}/schedule/")
    assert s.data["schedule_version"] == 2 and s.data["installments"][0]["due_date"] == date(2027, 2, 20)


def test_requester_cannot_approve_own_request(branch, approver, loan):
    r = request(approver, loan, kind="deferral", periods=1)
    d = decide(approver, loan, r.data["id"])
    assert d.status_code == 403 and "Four eyes" in d.data["detail"]


def test_extension_reamortises_the_principal_not_yet_due(officer, approver, loan):
    business_date_set(value=DUE1)
    client_for(officer).post(
        f"/api/v1/loans/{loan.pk}/repayments/",
        {"amount": "888.49", "paid_on": "2026-12-20", "channel": "cash"},
        format="json",
    )
    business_date_set(value=date(2026, 12, 21))
    r = request(officer, loan, kind="extension", periods=24)
    decide(approver, loan, r.data["id"])
    new = list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))
    assert new[0].number == 1 and new[0].status == "paid"  # the paid instalment carries over
    assert len(new) == 1 + 24
    assert sum((i.principal_due for i in new[1:]), D(0)) == D("9211.51")
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("9211.51") and loan.maturity_date == new[-1].due_date


def test_penalty_waiver_books_and_clears_the_penalty(officer, approver, loan):
    from microloan.ledger import Line, journal_post

    i1 = Installment.objects.get(loan=loan, number=1)
    Installment.objects.filter(pk=i1.pk).update(penalty_due=D("12.34"))
    journal_post(
        kind="penalty",
        business_date=DUE1,
        source_key="t-pen",
        lines=[
            Line(Acct.PENALTY_RECEIVABLE, debit=D("12.34"), loan_id=loan.pk),
            Line(Acct.PENALTY_INCOME, credit=D("12.34"), loan_id=loan.pk),
        ],
    )
    r = request(officer, loan, kind="penalty_waiver")
    d = decide(approver, loan, r.data["id"])
    assert d.status_code == 200 and d.data["waived_amount"] == "12.34"
    loan.refresh_from_db()
    assert loan.penalty_outstanding == 0
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.PENALTY_RECEIVABLE])
    assert bal[loan.pk][Acct.PENALTY_RECEIVABLE] == 0


def test_rejected_request_changes_nothing(officer, approver, loan):
    r = request(officer, loan, kind="deferral", periods=3)
    assert decide(approver, loan, r.data["id"], approve=False).data["status"] == "rejected"
    loan.refresh_from_db()
    assert loan.schedule_version == 1 and loan.status == "active"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"kind": "magic"}, "kind"),
        ({"kind": "deferral", "periods": 0}, "periods"),
        ({"kind": "deferral", "periods": 2, "cause": "boredom"}, "cause"),
    ],
)
def test_bad_restructuring_requests_name_the_field(officer, loan, body, field):
    r = request(officer, loan, **body)
    assert r.status_code == 400 and field in r.data


@pytest.mark.parametrize("language,title", [("zh-hans", "还款凭证"), ("en", "Repayment Receipt")])
def test_receipt_and_statement_pdfs(officer, loan, language, title):
    business_date_set(value=DUE1)
    r = client_for(officer).post(
        f"/api/v1/loans/{loan.pk}/repayments/",
        {"amount": "900.00", "paid_on": "2026-12-20", "channel": "cash"},
        format="json",
    )
    pdf = client_for(officer).get(f"/api/v1/loans/{loan.pk}/repayments/{r.data['id']}/receipt/?language={language}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    t = text(pdf.content)
    assert title in t and r.data["receipt_number"] in t and "900.00" in t and "888.49" in t
    st_pdf = client_for(officer).get(f"/api/v1/loans/{loan.pk}/statement/?language={language}")
    t = text(st_pdf.content)
    assert loan.borrower.full_name in t and "10,000.00" in t
    bad = client_for(officer).get(f"/api/v1/loans/{loan.pk}/statement/?from=2027-01-01&to=2026-01-01")
    assert bad.status_code == 400


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    payments=st.lists(
        st.tuples(st.integers(min_value=1, max_value=400_000), st.integers(0, 90)), min_size=1, max_size=6
    )
)
def test_any_sequence_of_payments_keeps_the_books(officer, loan, payments):
    from django.db import transaction

    from servicing.repayments import repayment_post

    sid = transaction.savepoint()
    try:
        business_date_set(value=date(2029, 1, 1))
        day = loan.disbursed_on
        total_in = D(0)
        for cents, gap in payments:
            day = day + timedelta(days=gap)
            current = Loan.objects.get(pk=loan.pk)
            if current.status != "active":
                break
            amount = D(cents) / 100
            r = repayment_post(actor=officer, loan=current, amount=amount, paid_on=day, channel="cash")
            total_in += amount
            allocated = sum((a.total for a in r.allocations.all()), D(0))
            assert allocated + r.unapplied == amount  # nothing paid is lost
        rows = list(Installment.objects.filter(loan=loan, is_current=True))
        assert all(i.principal_paid >= 0 and i.interest_paid >= 0 and i.principal_paid <= i.principal_due for i in rows)
        current = Loan.objects.get(pk=loan.pk)
        assert current.outstanding_principal >= 0
        paid = sum((i.total_paid for i in rows), D(0))
        assert (
            paid + current.credit_balance
            == total_in
            == sum((r.amount for r in Repayment.objects.filter(loan=loan)), D(0))
        )
        assert_ledger_balanced()
        cash = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.CASH])[loan.pk][Acct.CASH]
        assert cash == total_in - current.disbursed_amount
    finally:
        transaction.savepoint_rollback(sid)


def test_restructuring_approval_refused_once_the_loan_is_no_longer_live(officer, approver, loan):
    r = request(officer, loan, kind="extension", periods=12)
    Loan.objects.filter(pk=loan.pk).update(status="written_off")
    d = decide(approver, loan, r.data["id"])
    assert d.status_code == 409 and d.data["status"] == "written_off"


def test_extension_keeps_the_interest_of_the_period_in_progress(officer, approver, loan):
    # 2026-12-05 is 15 of instalment 1's 30 days: half its 100.00 interest is earned
    business_date_set(value=date(2026, 12, 5))
    r = request(officer, loan, kind="extension", periods=12)
    decide(approver, loan, r.data["id"])
    new = list(Installment.objects.filter(loan=loan, is_current=True).order_by("number"))
    assert len(new) == 12
    plain = approved_schedule(on=date(2026, 12, 5), fee=D(0))  # fresh, nothing kept
    assert new[0].interest_due == plain.installments[0].interest + D("50.00")


def test_the_kept_interest_rounds_half_up_like_every_amount(officer, approver, loan):
    # 100.01 x 15 / 30 days = 50.005 exactly: half-up keeps 50.01 (half-even would keep 50.00).
    Installment.objects.filter(loan=loan, number=1).update(interest_due=D("100.01"))
    business_date_set(value=date(2026, 12, 5))
    r = request(officer, loan, kind="extension", periods=12)
    assert decide(approver, loan, r.data["id"]).status_code == 200
    first = Installment.objects.filter(loan=loan, is_current=True).order_by("number").first()
    plain = approved_schedule(on=date(2026, 12, 5), fee=D(0))  # fresh, nothing kept
    assert first.interest_due == plain.installments[0].interest + D("50.01")
