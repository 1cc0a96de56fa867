"""Interest on an accrual basis: the fixture loan walked day by day through the close, each
day's accrual by hand, the periods summing to their scheduled interest, the repayment
clearing 1132; past 90 days the receivables go off balance and come back when cured; the
sub-ledger and the ledger agree (per branch) on every day of those walks."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from collection.accrual_sql import accrual_params, accrual_sql
from collection.close import _accounts, close_day, close_policy
from collection.close_sql import close_sql
from microloan.business_date import business_date_set
from microloan.ledger import Acct, JournalEntry, JournalLine, trial_balance
from microloan.lending.money import money
from microloan.policy import policy
from servicing.accrual import accrued_to, day_accrual, non_accrual_due
from servicing.models import AccrualMove, Installment, Loan
from servicing.repayments import repayment_post

pytestmark = pytest.mark.django_db
D = Decimal
ON_BOOK, OFF_BOOK = Acct.INTEREST_RECEIVABLE, Acct.MEMO_INTEREST_RECEIVABLE


def close(day: date):
    business_date_set(value=day)
    return close_day(business_date=day)


def inst(loan, n) -> Installment:
    return Installment.objects.get(loan=loan, number=n, is_current=True)


def ledger_by_branch(code: str, as_of: date) -> dict:
    """Debits less credits of an account per branch, from the journal itself."""
    rows = (
        JournalLine.objects.filter(account__code=code, entry__business_date__lte=as_of)
        .values("branch_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    )
    return {r["branch_id"]: r["d"] - r["c"] for r in rows if r["d"] != r["c"]}


def subledger_by_branch(field: str) -> dict:
    rows = Loan.objects.values("branch_id").annotate(total=Sum(field))
    return {r["branch_id"]: r["total"] for r in rows if r["total"]}


def assert_books_agree(day: date) -> None:
    """The loans' interest sub-ledger equals 1132 (on balance) and memo 7011 (off balance) in
    every branch, and the trial balance says the same."""
    assert subledger_by_branch("interest_accrued") == ledger_by_branch(ON_BOOK, day), day
    assert subledger_by_branch("interest_suspended") == ledger_by_branch(OFF_BOOK, day), day
    tb = trial_balance(as_of=day)
    on = {r["code"]: r["balance"] for r in tb["rows"]}
    memo = {r["code"]: r["balance"] for r in tb["memo_rows"]}
    assert on.get(ON_BOOK, D(0)) == sum(subledger_by_branch("interest_accrued").values(), D(0))
    assert memo.get(OFF_BOOK, D(0)) == sum(subledger_by_branch("interest_suspended").values(), D(0))
    assert OFF_BOOK not in on and ON_BOOK not in memo
    assert tb["balanced"] and tb["memo_balanced"]


def accrual_of(day: date) -> D:
    """What the close of ``day`` booked on 1132 or 7011 (debits of its accrual entries)."""
    total = JournalLine.objects.filter(
        entry__kind="accrual", entry__business_date=day, account__code__in=[ON_BOOK, OFF_BOOK]
    ).aggregate(t=Sum("debit"))["t"]
    return total or D("0.00")


def walk(start: date, end: date) -> dict[date, D]:
    """Closes every day from ``start`` to ``end``, checking the books each day; each day's accrual."""
    out, day = {}, start
    while day <= end:
        close(day)
        assert_books_agree(day)
        out[day] = accrual_of(day)
        day += timedelta(days=1)
    return out


# --- the rule --------------------------------------------------------------------------------


def test_the_rule_by_hand():
    # 100.00 over 30 days: cumulative 3.33, 6.67, 10.00 -> 3.33, 3.34, 3.33; the 30th day takes
    # what is left of round(29 × 100 / 30) = 96.67: 3.33
    s, due = date(2026, 11, 20), date(2026, 12, 20)
    assert [day_accrual(D("100.00"), start=s, due=due, on=s + timedelta(days=n)) for n in (1, 2, 3)] == [
        D("3.33"),
        D("3.34"),
        D("3.33"),
    ]
    assert accrued_to(D("100.00"), start=s, due=due, on=date(2026, 12, 19)) == D("96.67")
    assert day_accrual(D("100.00"), start=s, due=due, on=due) == D("3.33")
    assert accrued_to(D("100.00"), start=s, due=due, on=s) == D("0.00")
    c = policy().collection
    assert not non_accrual_due(days_past_due=90, classification="special_mention", policy=c)
    assert non_accrual_due(days_past_due=91, classification="special_mention", policy=c)
    assert non_accrual_due(days_past_due=0, classification="substandard", policy=c)


@settings(max_examples=300, deadline=None)
@given(
    cents=st.integers(min_value=0, max_value=10**11),
    days=st.integers(min_value=1, max_value=400),
    offset=st.integers(min_value=0, max_value=3000),
)
def test_a_periods_accruals_sum_exactly_to_its_interest(cents, days, offset):
    interest = D(cents) / 100
    start = date(2026, 1, 1) + timedelta(days=offset)
    due = start + timedelta(days=days)
    parts = [day_accrual(interest, start=start, due=due, on=start + timedelta(days=n)) for n in range(1, days + 1)]
    assert sum(parts, D("0.00")) == interest
    assert all(p >= 0 for p in parts)
    # each day is the exact share to within a cent either way
    assert all(abs(p - interest / days) < D("0.01") for p in parts)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(min_value=1, max_value=62), st.integers(min_value=0, max_value=10**8)),
        min_size=1,
        max_size=12,
    )
)
def test_a_random_schedule_accrues_each_periods_interest_exactly(rows):
    # a schedule of periods of random lengths and interest, accrued day by day across it
    start = date(2026, 11, 20)
    periods, s = [], start
    for length, cents in rows:
        periods.append((s, s + timedelta(days=length), D(cents) / 100))
        s += timedelta(days=length)
    for p_start, p_due, interest in periods:
        total = sum(
            (
                day_accrual(interest, start=p_start, due=p_due, on=p_start + timedelta(days=n))
                for n in range(1, (p_due - p_start).days + 1)
            ),
            D("0.00"),
        )
        assert total == money(interest)


# --- the fixture loan through the close ----------------------------------------------------------


def test_two_periods_day_by_day_and_the_repayment_clears_1132(loan, officer):
    # given the fixture loan: 10,000.00 at 12% from 2026-11-20; period 1 to 2026-12-20 (30
    # days) is 100.00 of interest, period 2 to 2027-01-20 (31 days) 92.12
    assert (inst(loan, 1).interest_due, inst(loan, 2).interest_due) == (D("100.00"), D("92.12"))
    # when every day of period 1 is closed
    period1 = walk(date(2026, 11, 21), date(2026, 12, 20))
    # then each day's accrual is cumulative-to-date rounded less cumulative-to-yesterday:
    # 3.33, 3.34, 3.33, ...; the last day 100.00 - 96.67 = 3.33; and the 30 days sum to 100.00
    assert [period1[date(2026, 11, 20) + timedelta(days=n)] for n in (1, 2, 3, 4, 5, 6)] == [
        D(x) for x in ("3.33", "3.34", "3.33", "3.33", "3.34", "3.33")
    ]
    assert period1[date(2026, 12, 20)] == D("3.33")
    assert sum(period1.values()) == D("100.00")
    loan.refresh_from_db()
    assert (loan.interest_accrued, loan.accrual_status, inst(loan, 1).interest_accrued) == (
        D("100.00"),
        "accruing",
        D("100.00"),
    )
    # the general ledger got aggregated lines: one Dr 1132 / Cr 5011 pair a day, with the product
    lines = JournalLine.objects.filter(entry__kind="accrual", account__code=ON_BOOK)
    assert lines.count() == 30 and set(lines.values_list("product_id", flat=True)) == {loan.product_id}
    assert set(lines.values_list("loan_id", flat=True)) == {None}

    # when instalment 1 (888.49) is paid on 2026-12-21, after its interest was fully accrued
    business_date_set(value=date(2026, 12, 21))
    r = repayment_post(actor=officer, loan=loan, amount=D("888.49"), paid_on=date(2026, 12, 21), channel="cash")
    # then its 100.00 interest clears 1132 instead of crediting income
    entry = JournalEntry.objects.get(source_key=f"repayment:{r.pk}:v1")
    by_code = {code: (d, c) for code, d, c in entry.lines.values_list("account__code", "debit", "credit")}
    assert by_code[ON_BOOK] == (D("0.00"), D("100.00"))
    assert Acct.INTEREST_INCOME not in by_code
    loan.refresh_from_db()
    assert loan.interest_accrued == D("0.00")
    assert r.allocations.get().interest_cleared == D("100.00")

    # when every day of period 2 is closed: 92.12 over 31 days, 2.97, 2.97, 2.97, 2.98, ...
    period2 = walk(date(2026, 12, 21), date(2027, 1, 20))
    assert [period2[date(2026, 12, 20) + timedelta(days=n)] for n in (1, 2, 3, 4)] == [
        D("2.97"),
        D("2.97"),
        D("2.97"),
        D("2.98"),
    ]
    assert sum(period2.values()) == D("92.12")
    loan.refresh_from_db()
    assert loan.interest_accrued == D("92.12")

    # closing the same day twice does nothing
    before = list(JournalLine.objects.values_list("id", flat=True))
    assert close(date(2027, 1, 20)) == []
    assert list(JournalLine.objects.values_list("id", flat=True)) == before


def test_interest_paid_ahead_of_the_accrual_is_income_and_never_accrued_again(loan, officer):
    # given period 1 closed through 2026-12-19: 96.67 accrued
    walk(date(2026, 11, 21), date(2026, 12, 19))
    # when instalment 1 is paid on its due date, before that day's close
    business_date_set(value=date(2026, 12, 20))
    r = repayment_post(actor=officer, loan=loan, amount=D("888.49"), paid_on=date(2026, 12, 20), channel="cash")
    # then 96.67 clears 1132 and the 3.33 not yet accrued is income on receipt
    entry = JournalEntry.objects.get(source_key=f"repayment:{r.pk}:v1")
    by_code = {code: c for code, c in entry.lines.values_list("account__code", "credit")}
    assert (by_code[ON_BOOK], by_code[Acct.INTEREST_INCOME]) == (D("96.67"), D("3.33"))
    # and the day's close accrues nothing more on period 1 (it is recognised in full)
    walk(date(2026, 12, 20), date(2026, 12, 20))
    assert accrual_of(date(2026, 12, 20)) == D("0.00")
    loan.refresh_from_db()
    assert loan.interest_accrued == D("0.00") and inst(loan, 1).interest_accrued == D("100.00")


def test_past_90_days_off_balance_and_back_when_cured(loan, officer):
    # given nothing is paid: instalment 1 (due 2026-12-20) is 90 days past due on 2027-03-20
    walk(date(2026, 11, 21), date(2027, 3, 20))
    loan.refresh_from_db()
    # periods 1-4 in full: 100.00 + 92.12 + 84.15 + 76.11 = 352.38, all on balance
    assert (loan.days_past_due, loan.accrual_status, loan.interest_accrued) == (90, "accruing", D("352.38"))
    penalty_before = loan.penalty_outstanding
    assert penalty_before > 0

    # when 2027-03-21 is closed: 91 days past due (and substandard)
    walk(date(2027, 3, 21), date(2027, 3, 21))
    loan.refresh_from_db()
    # then the day's 2.19 (round(67.98 / 31)) is accrued, and 352.38 + 2.19 = 354.57 of interest
    # and the penalty outstanding go off balance: reversed out of income into memo accounts
    assert accrual_of(date(2027, 3, 21)) == D("2.19")
    assert (loan.accrual_status, loan.interest_accrued, loan.interest_suspended) == (
        "non_accrual",
        D("0.00"),
        D("354.57"),
    )
    move = AccrualMove.objects.get(loan=loan)
    assert (move.kind, move.interest_on, move.penalty) == ("non_accrual", D("354.57"), loan.penalty_outstanding)
    tb = trial_balance(as_of=date(2027, 3, 21))
    on = {r["code"]: r["balance"] for r in tb["rows"]}
    memo = {r["code"]: r["balance"] for r in tb["memo_rows"]}
    assert on[ON_BOOK] == D("0.00") and on[Acct.PENALTY_RECEIVABLE] == D("0.00")
    assert memo[OFF_BOOK] == D("354.57") and memo[Acct.MEMO_PENALTY_RECEIVABLE] == loan.penalty_outstanding
    assert on[Acct.INTEREST_INCOME] == D("0.00") and on[Acct.PENALTY_INCOME] == D("0.00")

    # when the next day is closed, its accrual goes off balance too: round(67.98 × 2 / 31) = 4.39
    walk(date(2027, 3, 22), date(2027, 3, 22))
    loan.refresh_from_db()
    assert (loan.interest_accrued, loan.interest_suspended) == (D("0.00"), D("356.77"))
    assert JournalLine.objects.filter(entry__business_date=date(2027, 3, 22), account__code=OFF_BOOK).exists()
    penalty = loan.penalty_outstanding

    # when everything overdue is paid on 2027-03-23 (instalments 1-4 and the penalty)
    business_date_set(value=date(2027, 3, 23))
    r = repayment_post(actor=officer, loan=loan, amount=loan.overdue_amount, paid_on=date(2027, 3, 23), channel="cash")
    # then, the loan being off balance, interest and penalty are income when received, and the
    # memo accounts fall by what was paid
    entry = JournalEntry.objects.get(source_key=f"repayment:{r.pk}:v1")
    credits = {code: c for code, c in entry.lines.values_list("account__code", "credit") if c}
    assert credits[Acct.INTEREST_INCOME] == D("352.38") and credits[Acct.PENALTY_INCOME] == penalty
    assert credits[OFF_BOOK] == D("352.38") and credits[Acct.MEMO_PENALTY_RECEIVABLE] == penalty
    assert ON_BOOK not in credits and Acct.PENALTY_RECEIVABLE not in credits
    loan.refresh_from_db()
    assert loan.interest_suspended == D("4.39")

    # when that day is closed: current again, so accruing again, the 4.39 + the day's 2.19 back
    # on balance (re-recognised as income)
    walk(date(2027, 3, 23), date(2027, 3, 23))
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.accrual_status) == (0, "accruing")
    assert (loan.interest_accrued, loan.interest_suspended) == (D("6.58"), D("0.00"))
    tb = trial_balance(as_of=date(2027, 3, 23))
    memo = {r["code"]: r["balance"] for r in tb["memo_rows"]}
    assert memo[OFF_BOOK] == memo[Acct.MEMO_PENALTY_RECEIVABLE] == memo[Acct.MEMO_CONTRA] == D("0.00")
    on = {r["code"]: r["balance"] for r in tb["rows"]}
    # income: periods 1-4 (received) + period 5 to date, round(67.98 × 3 / 31) = 6.58
    assert on[Acct.INTEREST_INCOME] == D("352.38") + D("6.58")
    assert on[Acct.PENALTY_INCOME] == penalty


def test_the_accrual_statement_run_again_finds_nothing_to_do(loan):
    # given a closed day
    walk(date(2026, 11, 21), date(2026, 11, 22))
    entry = JournalEntry.objects.filter(kind="accrual", business_date=date(2026, 11, 22)).get()
    params = {
        "d": date(2026, 11, 22),
        "lo": 0,
        "hi": 2**62,
        "entry": entry.pk,
        **_accounts(),
        **close_sql(connection.vendor).policy_params(close_policy()),
        **accrual_params(close_policy()),
    }
    before = (Loan.objects.get(pk=loan.pk).interest_accrued, inst(loan, 1).interest_accrued)
    # when its accrual statements run again (as a re-run chunk would, without the source key)
    with connection.cursor() as cur:
        for statement in accrual_sql(connection.vendor).accrue:
            cur.execute(statement, params)
            # then nothing is written: every instalment has reached its target
            assert cur.rowcount == 0
    assert (
        (Loan.objects.get(pk=loan.pk).interest_accrued, inst(loan, 1).interest_accrued)
        == before
        == (
            D("6.67"),
            D("6.67"),
        )
    )


def test_the_loan_api_and_page_show_the_accrual_figures(loan, officer, client):
    walk(date(2026, 11, 21), date(2026, 11, 22))
    client.force_login(officer)
    body = client.get(f"/api/v1/loans/{loan.pk}/").json()
    assert (body["accrual_status"], body["interest_accrued"], body["interest_suspended"]) == (
        "accruing",
        "6.67",
        "0.00",
    )
    assert body["business_date"] == "2026-11-22"
    html = client.get(f"/loans/{loan.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="accrual-status">Accruing<' in html and 'id="interest-accrued">6.67<' in html
