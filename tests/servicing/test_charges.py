"""Charges (servicing/charges.py) on the 30,000 loan of test_earned: the late fee charged by
the close once per instalment (fixed and a fraction), the service and insurance fees per
instalment, the prepayment fee at an early payment, each booked Dr fee receivable / Cr fee
income and paid through the allocation's fee bucket; a waiver with four eyes on the API and
the page; the product's charge settings validated."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from collection.close import close_day
from microloan.business_date import business_date_set
from microloan.ledger import Acct, JournalEntry, balances_by_loan
from microloan.models import Role
from servicing.charges import loan_charge_rows
from servicing.models import Charge, Installment
from servicing.repayments import payoff_quote, repayment_post

from ..applications.factories import ProductFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory
from .test_earned import START, agree, make_loan30

pytestmark = pytest.mark.django_db
D = Decimal
DUE1, DUE2 = date(2026, 12, 20), date(2027, 1, 20)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def close(day: date):
    business_date_set(value=day)
    return close_day(business_date=day)


def fees(loan) -> dict:
    b = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.FEE_RECEIVABLE]).get(loan.pk, {})
    return b.get(Acct.FEE_RECEIVABLE, D("0.00"))


def inst(loan, n) -> Installment:
    return Installment.objects.get(loan=loan, number=n, is_current=True)


def charges(loan) -> list[tuple]:
    rows = loan_charge_rows(loan)
    return [(r.charge.kind, r.number, r.charge.amount, r.paid, r.charge.waived, r.shown_status) for r in rows]


# --- the late fee -----------------------------------------------------------------------------


def test_fixed_late_fee_once_after_the_grace_days(officer):
    loan = make_loan30(officer, late_fee_fixed=D("50.00"))  # grace 3 days
    # within the grace days (1..3 days past 2026-12-20's due date): nothing
    close(date(2026, 12, 23))
    assert charges(loan) == []
    # the 4th day past due: 50.00 on instalment 1, booked to the receivable
    close(date(2026, 12, 24))
    assert charges(loan) == [("late_fee", 1, D("50.00"), D("0.00"), D("0.00"), "open")]
    assert fees(loan) == D("50.00") and inst(loan, 1).fee_due == D("50.00")
    # the close run again, and the following days: still once
    assert close_day(business_date=date(2026, 12, 24)) == []
    close(date(2026, 12, 26))
    assert len(charges(loan)) == 1 and fees(loan) == D("50.00")
    loan.refresh_from_db()
    # 2,598.57 + 50.00 + the penalty interest of 3 days (2,418.57 × 10.8% / 360 = 0.73 a day)
    assert loan.overdue_amount == D("2650.76")
    # paid: penalty, then the fee (the allocation's fee bucket, which clears the receivable)
    r = repayment_post(actor=officer, loan=loan, amount=D("2650.76"), paid_on=date(2026, 12, 26), channel="cash")
    (a,) = r.allocations.all()
    assert (a.penalty, a.fee, a.interest, a.principal) == (D("2.19"), D("50.00"), D("180.00"), D("2418.57"))
    assert fees(loan) == 0 and charges(loan)[0][3:] == (D("50.00"), D("0.00"), "paid")


def test_percentage_late_fee_of_the_overdue_instalment(officer):
    loan = make_loan30(officer, late_fee_rate=D("0.05"))
    repayment_post(actor=officer, loan=loan, amount=D("598.57"), paid_on=START, channel="cash")
    close(date(2026, 12, 24))
    # instalment 1 has 180.00 interest and 2,418.57 − 598.57 = 1,820.00 principal unpaid:
    # 5% of 2,000.00 = 100.00
    assert charges(loan) == [("late_fee", 1, D("100.00"), D("0.00"), D("0.00"), "open")]
    close(date(2026, 12, 25))
    assert fees(loan) == D("100.00")


def test_the_late_fee_is_fixed_or_a_fraction_not_both():
    p = ProductFactory.build(late_fee_fixed=D("10.00"), late_fee_rate=D("0.05"), prepayment_fee_rate=D("1.5"))
    with pytest.raises(ValidationError) as exc:
        p.full_clean(exclude=["code"])
    assert {"late_fee_rate", "prepayment_fee_rate"} <= set(exc.value.message_dict)


# --- service and insurance fees ---------------------------------------------------------------


def test_service_and_insurance_fees_once_per_instalment_from_its_first_day(officer):
    loan = make_loan30(officer, service_fee=D("10.00"), insurance_fee=D("5.00"))
    close(START)  # instalment 1's period starts on the disbursement day
    assert charges(loan) == [
        ("service_fee", 1, D("10.00"), D("0.00"), D("0.00"), "open"),
        ("insurance_fee", 1, D("5.00"), D("0.00"), D("0.00"), "open"),
    ]
    close(date(2026, 11, 21))
    assert len(charges(loan)) == 2 and fees(loan) == D("15.00")
    # the payoff asks for them; the statement shows them; they agree
    assert agree(loan, date(2026, 11, 21)) == D("30015.00") + D("6.00")  # 180 × 1/30 earned
    # the instalment paid on its due date pays them, and the day instalment 2's period starts
    # the close charges its own
    business_date_set(value=DUE1)
    r = repayment_post(actor=officer, loan=loan, amount=D("2613.57"), paid_on=DUE1, channel="cash")
    assert r.allocations.get().fee == D("15.00")
    close(DUE1)
    assert [(k, n) for k, n, *_ in charges(loan)] == [
        ("service_fee", 1),
        ("insurance_fee", 1),
        ("service_fee", 2),
        ("insurance_fee", 2),
    ]
    assert inst(loan, 1).status == "paid" and fees(loan) == D("15.00")


# --- the prepayment fee -----------------------------------------------------------------------


def test_prepayment_fee_on_a_payoff(officer):
    loan = make_loan30(officer, prepayment_fee_rate=D("0.02"))
    # 2% of the 30,000.00 principal repaid before it falls due
    q = payoff_quote(loan=loan, on=START)
    assert (q.principal, q.fees, q.amount) == (D("30000.00"), D("600.00"), D("30600.00"))
    repayment_post(actor=officer, loan=loan, amount=D("30600.00"), paid_on=START, channel="cash")
    loan.refresh_from_db()
    assert loan.status == "closed"
    assert charges(loan) == [("prepayment_fee", 1, D("600.00"), D("600.00"), D("0.00"), "paid")]
    income = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.FEE_INCOME])[loan.pk][Acct.FEE_INCOME]
    assert income == D("600.00") + loan.fee and fees(loan) == 0


def test_prepayment_fee_on_an_advance_payment(officer):
    loan = make_loan30(officer, prepayment_fee_rate=D("0.02"))
    # 1,020.00 beyond what is owed: the fee is 2% of the 1,000.00 principal it repays
    r = repayment_post(actor=officer, loan=loan, amount=D("1020.00"), paid_on=START, channel="cash")
    (a,) = r.allocations.all()
    assert (a.fee, a.interest, a.principal) == (D("20.00"), D("0.00"), D("1000.00"))
    c = Charge.objects.get(loan=loan)
    assert (c.kind, c.repayment_id, c.amount) == ("prepayment_fee", r.pk, D("20.00"))
    assert JournalEntry.objects.filter(source_key=f"charge:prepayment:{r.pk}").exists()
    # a payment of what is due on the due date is no prepayment: no fee
    business_date_set(value=DUE1)
    repayment_post(actor=officer, loan=loan, amount=D("180.00"), paid_on=DUE1, channel="cash")
    assert Charge.objects.filter(loan=loan).count() == 1


# --- waivers, four eyes -----------------------------------------------------------------------


@pytest.fixture
def late_fee_loan(officer):
    loan = make_loan30(officer, late_fee_fixed=D("50.00"))
    close(date(2026, 12, 24))
    return loan


def test_waiver_requested_by_one_approved_by_another(late_fee_loan, officer, manager):
    loan = late_fee_loan
    c = Charge.objects.get(loan=loan)
    url = f"/api/v1/loans/{loan.pk}/charges/{c.pk}/waiver/"
    assert client_for(officer).post(url, {}, format="json").status_code == 400  # a reason is required
    r = client_for(officer).post(url, {"reason": "bank outage on the due date"}, format="json")
    assert r.status_code == 201 and r.data["status"] == "waiver_requested"
    # an officer may not decide; the manager approves
    decision = f"/api/v1/loans/{loan.pk}/charges/{c.pk}/waiver-decision/"
    assert client_for(officer).post(decision, {"approve": True}, format="json").status_code == 403
    r = client_for(manager).post(decision, {"approve": True}, format="json")
    assert r.status_code == 200, r.data
    assert (r.data["status"], r.data["waived"], r.data["unpaid"]) == ("waived", "50.00", "0.00")
    # what is left of instalment 1: 2,598.57 and one day's penalty interest, 0.73
    assert fees(loan) == 0 and inst(loan, 1).unpaid == D("2599.30")
    loan.refresh_from_db()
    assert loan.overdue_amount == D("2599.30")
    assert JournalEntry.objects.get(source_key=f"charge:waiver:{c.pk}").kind == "waiver"
    listed = client_for(officer).get(f"/api/v1/loans/{loan.pk}/charges/").data["charges"]
    assert [(x["kind"], x["installment"], x["amount"], x["paid"], x["waived"], x["status"]) for x in listed] == [
        ("late_fee", 1, "50.00", "0.00", "50.00", "waived")
    ]
    business_date_set(value=date(2026, 12, 24))
    # 30,000 + 180.00 + 0.73 + instalment 2's interest earned in 4 of its 31 days
    # (27,581.43 × 0.6% = 165.49; × 4/31 = 21.35)
    assert agree(loan, date(2026, 12, 24)) == D("30202.08")


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_self_approval_of_a_waiver_is_refused_on_the_api_and_the_page(client, late_fee_loan, manager, approve):
    loan = late_fee_loan
    c = Charge.objects.get(loan=loan)
    r = client_for(manager).post(
        f"/api/v1/loans/{loan.pk}/charges/{c.pk}/waiver/", {"reason": "goodwill"}, format="json"
    )
    assert r.status_code == 201
    api = client_for(manager).post(
        f"/api/v1/loans/{loan.pk}/charges/{c.pk}/waiver-decision/", {"approve": approve}, format="json"
    )
    assert api.status_code == 403 and "Four eyes" in api.data["detail"]
    client.force_login(manager)
    page_url = f"/loans/{loan.pk}/"
    html = client.get(page_url).content.decode()
    assert 'data-action="approve_waiver"' not in html  # no button for the requester
    page = client.post(page_url, {"step": "charge-decision", "charge": c.pk, "approve": "1" if approve else "0"}, **EN)
    assert page.status_code == 403 and "Four eyes" in page.content.decode()
    c.refresh_from_db()
    assert (c.status, c.waived) == ("waiver_requested", D("0.00"))
    # another manager decides on the page
    other = UserFactory(username="manager_b", role=Role.MANAGER, branch=manager.branch)
    client.force_login(other)
    assert 'data-action="approve_waiver"' in client.get(page_url).content.decode()
    r = client.post(page_url, {"step": "charge-decision", "charge": c.pk, "approve": "1" if approve else "0"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.status == ("waived" if approve else "open")


def test_the_loan_page_shows_the_charges_and_asks_for_a_waiver(client, late_fee_loan, officer):
    loan = late_fee_loan
    client.force_login(officer)
    html = client.get(f"/loans/{loan.pk}/", **EN).content.decode()
    assert 'id="charges"' in html and "Late-payment fee" in html and 'data-action="request_waiver"' in html
    c = Charge.objects.get(loan=loan)
    r = client.post(f"/loans/{loan.pk}/", {"step": "charge-waiver", "charge": c.pk, "reason": "outage"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.waiver_reason) == ("waiver_requested", "outage")
