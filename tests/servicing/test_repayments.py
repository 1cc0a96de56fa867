"""Repayments through the API: allocation, payoff, credit, reversal, idempotency, concurrency,
payment-channel callbacks. The ledger balances after every test."""

import hashlib
import hmac
import json
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connections

from microloan.business_date import business_date_set
from microloan.ledger import Acct, assert_ledger_balanced, balances_by_loan
from microloan.models import Role
from servicing.models import Installment, Loan, PaymentChannel, Repayment
from servicing.repayments import payoff_quote, repayment_post

from ..conftest import client_for
from ..kernel.factories import UserFactory

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal
DUE1 = date(2026, 12, 20)


def pay(user, loan, amount, paid_on=DUE1, **headers):
    return client_for(user).post(
        f"/api/v1/loans/{loan.pk}/repayments/",
        {"amount": amount, "paid_on": paid_on.isoformat(), "channel": "cash", "reference": "counter"},
        format="json",
        **headers,
    )


def inst(loan, n):
    return Installment.objects.get(loan=loan, number=n, is_current=True)


@pytest.fixture
def on_due_date(loan):
    business_date_set(value=DUE1)
    return loan


def test_schedule_of_the_fixture_loan(loan):
    # 10,000 at 12%/12 = 1% a month over 12: instalment round(10000*0.01/(1-1.01^-12)) = 888.49
    i1 = inst(loan, 1)
    assert (i1.due_date, i1.interest_due, i1.principal_due) == (DUE1, D("100.00"), D("788.49"))


def test_exact_instalment_pays_interest_then_principal(officer, on_due_date):
    loan = on_due_date
    r = pay(officer, loan, "888.49")
    assert r.status_code == 201, r.content
    assert r.data["allocated"] == {"penalty": "0.00", "fee": "0.00", "interest": "100.00", "principal": "788.49"}
    assert r.data["allocations"][0]["installment"] == 1 and r.data["receipt_number"]
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("9211.51") and inst(loan, 1).status == "paid"
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.LOAN_PRINCIPAL, Acct.INTEREST_INCOME])
    assert bal[loan.pk][Acct.LOAN_PRINCIPAL] == D("9211.51") and bal[loan.pk][Acct.INTEREST_INCOME] == D("100.00")


def test_partial_then_advance_payment(officer, on_due_date):
    loan = on_due_date
    pay(officer, loan, "500.00")  # partial: 100.00 interest, 400.00 principal of instalment 1
    i1 = inst(loan, 1)
    assert (i1.interest_paid, i1.principal_paid, i1.status) == (D("100.00"), D("400.00"), "partially_paid")
    r = pay(officer, loan, "700.00")  # finishes instalment 1 (388.49) and prepays instalment 2 (311.51)
    assert [a["installment"] for a in r.data["allocations"]] == [1, 2]
    i2 = inst(loan, 2)
    # instalment 2's interest (92.12) is earned over its period, none of it on its first day:
    # the 311.51 all repays its principal (servicing.earned)
    assert (i2.interest_paid, i2.principal_paid, i2.status) == (D("0.00"), D("311.51"), "partially_paid")


def test_penalty_is_paid_before_fees_interest_and_principal(officer, on_due_date):
    loan = on_due_date
    Installment.objects.filter(pk=inst(loan, 1).pk).update(penalty_due=D("7.50"), fee_due=D("2.00"))
    r = pay(officer, loan, "50.00")
    assert r.data["allocated"] == {"penalty": "7.50", "fee": "2.00", "interest": "40.50", "principal": "0.00"}


def test_payoff_quote_and_early_payoff_close_the_loan(officer, on_due_date):
    loan = on_due_date
    pay(officer, loan, "888.49")
    business_date_set(value=date(2027, 1, 4))
    q = client_for(officer).get(f"/api/v1/loans/{loan.pk}/payoff-quote/?date=2027-01-04")
    # principal 9211.51; interest of instalment 2 (92.12) for 15 of its 31 days = 44.57
    assert q.json() == {
        "date": "2027-01-04",
        "amount": "9256.08",
        "principal": "9211.51",
        "interest": "44.57",
        "fees": "0.00",
        "penalty": "0.00",
    }
    r = pay(officer, loan, q.data["amount"], paid_on=date(2027, 1, 4))
    assert r.status_code == 201 and r.data["unapplied"] == "0.00"
    loan.refresh_from_db()
    assert loan.status == "closed" and loan.outstanding_principal == 0 and loan.closed_on == date(2027, 1, 4)
    assert all(i.status == "paid" for i in Installment.objects.filter(loan=loan))


def test_overpayment_beyond_payoff_is_held_as_credit_never_lost(officer, on_due_date):
    loan = on_due_date
    r = pay(officer, loan, "11000.00")  # the payoff (10,100.00) and 900.00 more, within the tolerance
    loan.refresh_from_db()
    payoff_principal, first_interest = D("10000.00"), D("100.00")
    assert D(r.data["unapplied"]) == D("11000.00") - payoff_principal - first_interest
    assert loan.credit_balance == D(r.data["unapplied"]) and loan.status == "closed"
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.BORROWER_CREDIT])
    assert bal[loan.pk][Acct.BORROWER_CREDIT] == loan.credit_balance


def test_payment_on_a_closed_loan_is_409(officer, on_due_date):
    loan = on_due_date
    pay(officer, loan, "10100.00")
    r = pay(officer, loan, "1.00")
    assert r.status_code == 409 and r.data["status"] == "closed"


@pytest.mark.parametrize(
    "amount,paid_on,field",
    [
        ("0", DUE1, "amount"),
        ("-5", DUE1, "amount"),
        ("1.234", DUE1, "amount"),
        ("abc", DUE1, "amount"),
        ("10", date(2027, 6, 1), "paid_on"),
        ("10", date(2026, 1, 1), "paid_on"),
    ],
)
def test_bad_repayments_are_400_on_field(officer, on_due_date, amount, paid_on, field):
    r = pay(officer, on_due_date, amount, paid_on=paid_on)
    assert r.status_code == 400 and field in r.data
    assert Repayment.objects.count() == 0


def test_borrowers_and_auditors_cannot_post(branch, on_due_date):
    for role in (Role.AUDITOR, Role.REVIEWER):
        assert pay(UserFactory(role=role, branch=branch), on_due_date, "10.00").status_code == 403


def test_reversal_by_another_user_reallocates_later_postings(officer, cashier, on_due_date):
    loan = on_due_date
    wrong = pay(officer, loan, "888.49").data["id"]  # posted to the wrong loan, say
    later = pay(officer, loan, "200.00").data
    assert later["allocations"][0]["installment"] == 2
    # the poster may not reverse their own posting
    r = client_for(officer).post(
        f"/api/v1/loans/{loan.pk}/repayments/{wrong}/reverse/", {"reason": "wrong loan"}, format="json"
    )
    assert r.status_code == 403 and "Four eyes" in r.data["detail"]
    r = client_for(cashier).post(
        f"/api/v1/loans/{loan.pk}/repayments/{wrong}/reverse/", {"reason": "wrong loan"}, format="json"
    )
    assert r.status_code == 200 and r.data["status"] == "reversed"
    # the later 200.00 now meets instalment 1: interest 100.00 then principal 100.00
    moved = Repayment.objects.get(pk=later["id"])
    a = moved.allocations.get()
    assert (a.installment.number, a.interest, a.principal) == (1, D("100.00"), D("100.00"))
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("9900.00")
    again = client_for(cashier).post(
        f"/api/v1/loans/{loan.pk}/repayments/{wrong}/reverse/", {"reason": "x"}, format="json"
    )
    assert again.status_code == 409


def test_same_idempotency_key_posts_once(officer, on_due_date):
    loan = on_due_date
    a = pay(officer, loan, "100.00", HTTP_IDEMPOTENCY_KEY="pay-1")
    b = pay(officer, loan, "100.00", HTTP_IDEMPOTENCY_KEY="pay-1")
    c = pay(officer, loan, "101.00", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert a.status_code == b.status_code == 201 and a.data["id"] == b.data["id"]
    assert c.status_code == 422
    assert Repayment.objects.count() == 1


# --- concurrency (separate connections) ------------------------------------------------


def _in_threads(n, fn):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(fn(i))
        except Exception as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_postings_on_one_loan_give_exact_balances(officer, on_due_date):
    loan = on_due_date
    results, errors = _in_threads(
        20,
        lambda i: repayment_post(
            actor=officer, loan=loan, amount=D("10.00"), paid_on=DUE1, channel="cash", reference=f"c{i}"
        ),
    )
    assert not errors, errors
    i1 = inst(loan, 1)
    # 200.00 in all: the first instalment's 100.00 interest, then 100.00 of its principal
    assert (i1.interest_paid, i1.principal_paid) == (D("100.00"), D("100.00"))
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("9900.00") and Repayment.objects.count() == 20
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_20_concurrent_requests_with_one_key_post_once(officer, on_due_date):
    loan = on_due_date
    results, errors = _in_threads(20, lambda i: pay(officer, loan, "50.00", HTTP_IDEMPOTENCY_KEY="same-key"))
    assert not errors, errors
    assert {r.status_code for r in results} == {201}
    assert len({r.data["id"] if isinstance(r.data, dict) else None for r in results}) == 1
    assert Repayment.objects.count() == 1


# --- payment channel callbacks ---------------------------------------------------------

SECRET = "s3cr3t-channel-key"


def signed(body: dict, secret=SECRET):
    raw = json.dumps(body).encode()
    return raw, hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def callback(raw, sig):
    from rest_framework.test import APIClient

    return APIClient().post("/api/v1/payments/callback/", raw, content_type="application/json", HTTP_X_SIGNATURE=sig)


@pytest.fixture
def channel(db):
    return PaymentChannel.objects.create(code="unionpay", name="UnionPay", secret=SECRET)


def test_signed_callback_posts_once_and_a_replay_changes_nothing(channel, on_due_date):
    body = {
        "channel": "unionpay",
        "transaction_id": "T-100",
        "loan": on_due_date.pk,
        "amount": "300.00",
        "paid_on": DUE1.isoformat(),
    }
    raw, sig = signed(body)
    first = callback(raw, sig)
    assert first.status_code == 201, first.content
    replay = callback(raw, sig)
    assert replay.status_code == 200 and replay.data["id"] == first.data["id"]
    assert Repayment.objects.count() == 1


@pytest.mark.parametrize("tamper", ["bad-signature", "other-secret", "changed-body", "missing", "unknown-channel"])
def test_forged_callbacks_are_401_and_change_nothing(channel, on_due_date, tamper):
    body = {
        "channel": "unionpay",
        "transaction_id": "T-200",
        "loan": on_due_date.pk,
        "amount": "300.00",
        "paid_on": DUE1.isoformat(),
    }
    raw, sig = signed(body)
    if tamper == "bad-signature":
        sig = "0" * 64
    elif tamper == "other-secret":
        raw, sig = signed(body, secret="guess")
    elif tamper == "changed-body":
        raw = json.dumps({**body, "amount": "30000.00"}).encode()
    elif tamper == "missing":
        sig = ""
    elif tamper == "unknown-channel":
        raw, sig = signed({**body, "channel": "nobody"})
    r = callback(raw, sig)
    assert r.status_code == 401
    assert Repayment.objects.count() == 0
    on_due_date.refresh_from_db()
    assert on_due_date.outstanding_principal == D("10000.00")


def test_callback_with_malformed_body_is_4xx(channel):
    assert callback(b"not json", "x").status_code == 400
    raw, sig = signed(
        {"channel": "unionpay", "transaction_id": "T", "loan": 999999, "amount": "1.00", "paid_on": "2026-12-20"}
    )
    assert callback(raw, sig).status_code == 400


def test_payoff_quote_bad_date_is_400(officer, loan):
    r = client_for(officer).get(f"/api/v1/loans/{loan.pk}/payoff-quote/?date=yesterday")
    assert r.status_code == 400 and "date" in r.data
    r = client_for(officer).get(f"/api/v1/loans/{loan.pk}/payoff-quote/?date=2020-01-01")
    assert r.status_code == 400 and "date" in r.data
    assert payoff_quote(loan=Loan.objects.get(pk=loan.pk), on=DUE1).amount == D("10100.00")


def test_product_setting_shortens_the_term_instead(officer, on_due_date):
    loan = on_due_date
    type(loan.product).objects.filter(pk=loan.product_id).update(prepayment_mode="shorten_term")
    r = pay(officer, loan, "1888.49")  # instalment 1 (888.49) + 1,000.00 beyond what is due
    # the 1,000.00 repays the last instalment's principal in full and the rest of it goes to the 11th
    last, eleventh = inst(loan, 12), inst(loan, 11)
    assert (last.principal_paid, last.status) == (
        last.principal_due,
        "paid",
    ) and last.interest_waived == last.interest_due
    assert eleventh.principal_paid == D("1000.00") - last.principal_due
    assert inst(loan, 2).principal_paid == 0  # the next instalment is still due in full
    assert r.data["unapplied"] == "0.00"


def test_an_extension_after_a_shortened_term_numbers_the_rows_in_due_date_order(officer, approver, on_due_date):
    from servicing.restructuring import restructuring_decide, restructuring_request

    loan = on_due_date
    type(loan.product).objects.filter(pk=loan.product_id).update(prepayment_mode="shorten_term")
    pay(officer, loan, "1888.49")  # instalment 1, and the 12th prepaid in full
    business_date_set(value=date(2026, 12, 21))
    r = restructuring_request(
        actor=officer,
        loan=Loan.objects.get(pk=loan.pk),
        kind="extension",
        cause="hardship",
        periods=6,
        reason="shop flooded",
    )
    restructuring_decide(actor=approver, restructuring=r, approve=True)

    rows = list(Installment.objects.filter(loan=loan, is_current=True).order_by("due_date"))
    # 1 paid + 6 re-amortised + the prepaid old 12th (due last): numbered 1..8 by due date
    assert [i.number for i in rows] == list(range(1, 9))
    assert rows[0].status == "paid" and rows[-1].status == "paid" and rows[-1].due_date == date(2027, 11, 20)
    assert (
        sum((i.principal_due - i.principal_paid for i in rows), D(0))
        == Loan.objects.get(pk=loan.pk).outstanding_principal
    )


def test_exposure_counts_outstanding_principal_of_live_loans(officer, on_due_date):
    from underwriting.limits import borrower_exposure

    loan = on_due_date
    assert borrower_exposure(borrower=loan.borrower) == D("10000.00")
    pay(officer, loan, "888.49")
    assert borrower_exposure(borrower=loan.borrower) == D("9211.51")


def test_reversing_a_later_posting_keeps_an_earlier_postings_forgiveness(officer, cashier, approver, on_due_date):
    loan = on_due_date
    type(loan.product).objects.filter(pk=loan.product_id).update(prepayment_mode="shorten_term")
    pay(officer, loan, "1888.49")  # forgives the last instalment's interest
    waived = inst(loan, 12).interest_waived
    assert waived > 0 and inst(loan, 12).status == "paid"
    paid_on_1 = inst(loan, 1).paid_on
    second = pay(cashier, loan, "50.00").data["id"]
    r = client_for(approver).post(
        f"/api/v1/loans/{loan.pk}/repayments/{second}/reverse/", {"reason": "typo"}, format="json"
    )
    assert r.status_code == 200
    assert inst(loan, 12).interest_waived == waived and inst(loan, 12).status == "paid"
    assert inst(loan, 1).paid_on == paid_on_1


def test_reversing_the_payoff_gives_back_its_forgiveness(officer, cashier, on_due_date):
    loan = on_due_date
    first = pay(officer, loan, "10100.00").data["id"]  # pays off: later interest forgiven
    loan.refresh_from_db()
    assert loan.status == "closed"
    r = client_for(cashier).post(
        f"/api/v1/loans/{loan.pk}/repayments/{first}/reverse/", {"reason": "bounced"}, format="json"
    )
    assert r.status_code == 200
    loan.refresh_from_db()
    assert loan.status == "active" and loan.outstanding_principal == D("10000.00")
    assert all(i.interest_waived == 0 and i.interest_paid == 0 for i in Installment.objects.filter(loan=loan))


def test_quote_at_the_edge_of_the_calendar_is_400():
    from rest_framework.test import APIClient

    r = APIClient().post(
        "/api/v1/quotes/",
        {
            "principal": "5000.00",
            "annual_rate": "0.18",
            "term": 6,
            "method": "annuity",
            "disbursement_date": "9999-12-31",
        },
        format="json",
    )
    assert r.status_code == 400 and "disbursement_date" in r.data


# --- the ceiling: the payoff plus the overpayment tolerance ------------------------------


@pytest.mark.parametrize("amount", ["9999999999999999.99", "11100.01"])
def test_a_repayment_beyond_the_payoff_and_the_tolerance_is_400_on_amount(officer, on_due_date, amount):
    r = pay(officer, on_due_date, amount)
    assert r.status_code == 400 and list(r.data) == ["amount"]
    assert r.data["amount"] == [
        f"At most 11100.00 can be paid on this loan on {DUE1}: its payoff 10100.00 plus at most 1000.00 held as credit."
    ]
    assert Repayment.objects.count() == 0


def test_the_payoff_plus_the_tolerance_exactly_is_taken(officer, on_due_date):
    r = pay(officer, on_due_date, "11100.00")
    assert r.status_code == 201 and r.data["unapplied"] == "1000.00"


def test_the_tolerance_is_policy(officer, on_due_date, settings):
    settings.SERVICING = {"OVERPAYMENT_TOLERANCE": "0"}
    assert pay(officer, on_due_date, "10100.01").status_code == 400
    assert pay(officer, on_due_date, "10100.00").status_code == 201


def test_a_channel_callback_beyond_the_ceiling_is_400_on_amount(channel, on_due_date):
    body = {
        "channel": "unionpay",
        "transaction_id": "T-BIG",
        "loan": on_due_date.pk,
        "amount": "9999999999999999.99",
        "paid_on": DUE1.isoformat(),
    }
    r = callback(*signed(body))
    assert r.status_code == 400 and list(r.data) == ["amount"]
    assert Repayment.objects.count() == 0


def test_the_loan_page_shows_the_ceiling_on_the_amount(client, officer, on_due_date):
    client.force_login(officer)
    r = client.post(
        f"/loans/{on_due_date.pk}/",
        {"step": "repay", "amount": "9999999999999999.99", "paid_on": DUE1.isoformat(), "channel": "cash"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200 and "At most 11100.00 can be paid" in r.content.decode()
    assert Repayment.objects.count() == 0


def test_an_amount_past_the_columns_digits_is_400_before_any_posting(officer, on_due_date):
    r = pay(officer, on_due_date, "99999999999999999.99")  # 17 digits before the point: the column holds 16
    assert r.status_code == 400 and list(r.data) == ["amount"]
