"""The close's SQL against the Python rules, on PostgreSQL.

A property test builds random small books (a few loans with random schedules, penalty rates
and grace days, on random policy settings), walks them through random business dates with
random repayments (partial, tiny, full payoffs) and reversals, so that loans become overdue,
cure, are paid off and reopen, and after every closed day checks on every loan that what the
close wrote is what the Python rules say: ``installment_status`` for each instalment,
``refresh_loan_figures`` for days past due, overdue amount, penalty outstanding and
outstanding principal, and ``servicing.figures`` for the bucket, the class, the day's penalty
(amount, instalment, overdue principal) and the provision held.

Then: the text has no status, table or threshold typed into it, and it rounds half-up to the
cent exactly as ``money()`` does, ties included.
"""

import copy
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from collection import accrual_sql as accrual_sql_module
from collection import close_sql as close_sql_module
from collection.accrual_sql import accrual_sql
from collection.close import close_day, close_policy
from collection.close_sql import CLOSABLE, close_sql
from collection.models import LoanProvision, PenaltyAccrual
from microloan.business_date import business_date_set
from microloan.ledger import Acct, trial_balance
from microloan.lending.money import ZERO, money
from microloan.models import BusinessCalendar
from servicing.accrual import accrued_to, non_accrual_due
from servicing.earned import period_start
from servicing.figures import (
    GRADED,
    bucket_for,
    classification_for,
    day_penalty,
    installment_status,
    provision_required,
    refresh_loan_figures,
)
from servicing.models import (
    AccrualMoveKind,
    AccrualStatus,
    Bucket,
    Classification,
    Installment,
    InstallmentStatus,
    Loan,
    LoanStatus,
)
from servicing.repayments import payoff_quote, repayment_post, repayment_reverse

from .conftest import clone_loan

pytestmark = pytest.mark.django_db
START = date(2026, 12, 1)


def cents(lo: int, hi: int):
    return st.integers(lo, hi).map(lambda c: Decimal(c).scaleb(-2))


def places(hi: int, exp: int):
    return st.integers(0, hi).map(lambda n: Decimal(n).scaleb(-exp))


# --- the books -------------------------------------------------------------------------------


@dataclass
class Row:
    due: int  # days from START
    principal: Decimal
    interest: Decimal
    fee: Decimal


@st.composite
def schedules(draw) -> list[Row]:
    n = draw(st.integers(1, 5))
    # From deep in arrears (past every class threshold) to not yet due.
    day = draw(st.integers(-420, 40))
    rows = []
    for _ in range(n):
        # (every row owes something: a schedule has no empty instalment)
        rows.append(
            Row(
                due=day,
                principal=draw(cents(0, 300_000)),
                interest=draw(cents(1, 30_000)),
                fee=draw(st.sampled_from([ZERO, ZERO, Decimal("15.00")])),
            )
        )
        day += draw(st.sampled_from([7, 14, 30, 31]) | st.integers(1, 120))
    if all(r.principal == 0 for r in rows):
        rows[-1].principal = Decimal("100.00")
    return rows


loan_specs = st.fixed_dictionaries(
    {
        "rows": schedules(),
        "penalty_rate": places(360_000, 6),  # up to 36% a year, six places as stored
        "grace_days": st.integers(0, 5),
        "status": st.sampled_from([LoanStatus.ACTIVE, LoanStatus.RESTRUCTURED]),
    }
)

policies = st.fixed_dictionaries(
    {
        "CLASSIFICATION_OVER_DAYS": st.lists(st.integers(0, 400), min_size=4, max_size=4).map(
            lambda days: dict(zip([k.value for k in GRADED], sorted(days), strict=True))
        ),
        "PROVISION_RATES": st.fixed_dictionaries({k.value: places(10_000, 4).map(str) for k in Classification}),
        "PENALTY_DAY_BASIS": st.sampled_from([360, 365]),
    }
)

payments = st.tuples(
    st.integers(0, 3), st.sampled_from(["part", "tiny", "payoff", "reverse"]), st.integers(1, 99), cents(1, 500)
)

# A step: how many days on (several days are closed one by one; a long gap is a book whose
# earlier days were closed before it came to us), and the payments of its last day.
steps = st.tuples(st.sampled_from([1, 1, 1, 2, 3]) | st.integers(4, 150), st.lists(payments, max_size=3))


def build_loan(loan: Loan, spec: dict) -> Loan:
    """``loan`` (a disbursed loan nothing was paid on) on the spec's terms and schedule."""
    Installment.objects.filter(loan=loan).delete()
    rows, balance = [], sum((r.principal for r in spec["rows"]), start=ZERO)
    for number, r in enumerate(spec["rows"], start=1):
        balance -= r.principal
        rows.append(
            Installment(
                loan=loan,
                number=number,
                due_date=START + timedelta(days=r.due),
                principal_due=r.principal,
                interest_due=r.interest,
                fee_due=r.fee,
                balance_after=balance,
            )
        )
    Installment.objects.bulk_create(rows)
    first, last = rows[0].due_date, rows[-1].due_date
    Loan.objects.filter(pk=loan.pk).update(
        status=spec["status"],
        penalty_rate=spec["penalty_rate"],
        grace_days=spec["grace_days"],
        principal=sum((r.principal_due for r in rows), start=ZERO),
        term=len(rows),
        outstanding_principal=sum((r.principal_due for r in rows), start=ZERO),
        disbursed_on=min(first, START) - timedelta(days=30),
        maturity_date=last,
    )
    return Loan.objects.get(pk=loan.pk)


def current_rows(loan: Loan) -> list[Installment]:
    return list(
        Installment.objects.filter(loan=loan, is_current=True, schedule_version=loan.schedule_version).order_by(
            "number"
        )
    )


def pay(kind: str, loan: Loan, day: date, percent: int, small: Decimal, officer, manager) -> None:
    loan.refresh_from_db()
    if kind == "reverse":
        last = loan.repayments.filter(status="posted").order_by("-id").first()
        if last is not None:
            repayment_reverse(actor=manager, repayment=last, reason="posted to the wrong loan")
        return
    if not loan.is_live:
        return
    owed = payoff_quote(loan=loan, on=day).amount
    amount = {"payoff": owed, "part": money(owed * percent / 100), "tiny": small}[kind]
    if amount > 0:
        repayment_post(actor=officer, loan=loan, amount=amount, paid_on=day, channel="cash")


# --- what the Python rules expect of a close -------------------------------------------------


def expected_close(loan: Loan, day: date) -> dict:
    """Loan ``loan``'s state after the close of ``day``, by the Python rules alone."""
    pol = close_policy()
    loan = Loan.objects.get(pk=loan.pk)
    rows = current_rows(loan)
    open_ = loan.is_live
    penalty = None
    if open_:
        penalty = day_penalty(
            installments=rows,
            as_of=day,
            penalty_rate=loan.penalty_rate,
            grace_days=loan.grace_days,
            day_basis=pol.penalty_day_basis,
        )
        if penalty:
            next(i for i in rows if i.pk == penalty.installment.pk).penalty_due += penalty.amount
    if open_:
        figures = copy.copy(loan)
        refresh_loan_figures(figures, rows, day)
        dpd = figures.days_past_due
        bucket, klass = bucket_for(dpd), classification_for(dpd, over=pol.classification_over_days)
        provision = provision_required(
            outstanding_principal=loan.outstanding_principal, classification=klass, rates=pol.provision_rates
        )
        statuses = [installment_status(i, day) for i in rows]
    else:
        # A closed loan is the postings' business: the close leaves its figures and instalments
        # as they are and releases its provision.
        figures, bucket, klass = loan, loan.bucket, loan.classification
        provision = ZERO
        statuses = [i.status for i in rows]
    if open_:
        # Interest (servicing.accrual): each instalment recognises what it earned to date (not
        # beyond what is not waived) or what was paid, whichever is more; the loan's sub-ledger
        # is what is recognised and unpaid, on balance or off it by the non-accrual rule.
        marks = [
            max(
                min(
                    accrued_to(
                        i.interest_due,
                        start=period_start(i, rows, disbursed_on=loan.disbursed_on),
                        due=i.due_date,
                        on=day,
                    ),
                    i.interest_due - i.interest_waived,
                ),
                i.interest_accrued,
            )
            for i in rows
        ]
        due = non_accrual_due(days_past_due=dpd, classification=klass, policy=pol)
        status = loan.accrual_status
        if status == "accruing" and due:
            status = "non_accrual"
        elif status == "non_accrual" and not due and dpd == 0:
            status = "accruing"
        unpaid_interest = sum((m - i.interest_paid for m, i in zip(marks, rows, strict=True)), ZERO)
    else:
        marks, status, unpaid_interest = [i.interest_accrued for i in rows], loan.accrual_status, ZERO
    return {
        "figures": (
            figures.days_past_due,
            figures.overdue_amount,
            figures.penalty_outstanding,
            figures.outstanding_principal,
            bucket,
            klass,
        ),
        "interest": (status, marks, unpaid_interest),
        "installments": [(i.number, status, i.penalty_due) for i, status in zip(rows, statuses, strict=True)],
        "penalty": penalty
        and (penalty.installment.pk, penalty.days_past_due, penalty.overdue_principal, penalty.amount),
        "provision": provision,
    }


def actual_close(loan: Loan, day: date) -> dict:
    loan = Loan.objects.get(pk=loan.pk)
    accrual = PenaltyAccrual.objects.filter(loan=loan, business_date=day).first()
    held = LoanProvision.objects.filter(loan=loan).first()
    return {
        "figures": (
            loan.days_past_due,
            loan.overdue_amount,
            loan.penalty_outstanding,
            loan.outstanding_principal,
            loan.bucket,
            loan.classification,
        ),
        "interest": (
            loan.accrual_status,
            [i.interest_accrued for i in current_rows(loan)],
            loan.interest_accrued + loan.interest_suspended,
        ),
        "installments": [(i.number, i.status, i.penalty_due) for i in current_rows(loan)],
        "penalty": accrual
        and (accrual.installment_id, accrual.days_past_due, accrual.overdue_principal, accrual.amount),
        "provision": held.amount if held else ZERO,
    }


# --- the property ------------------------------------------------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    specs=st.lists(loan_specs, min_size=1, max_size=4), policy=policies, walk=st.lists(steps, min_size=1, max_size=4)
)
def test_the_close_agrees_with_the_python_rules_on_every_loan(loan, officer, manager, specs, policy, walk):
    with transaction.atomic(), override_settings(COLLECTION=policy):
        # given a random book on random settings
        book = [build_loan(loan if n == 0 else clone_loan(loan), spec) for n, spec in enumerate(specs)]
        day, first = START, True
        for gap, paid in walk:
            if first or gap > 3:
                if not first:
                    BusinessCalendar.objects.filter(pk=1).update(last_closed_date=day + timedelta(days=gap - 1))
                days = [day + timedelta(days=gap)]
            else:
                days = [day + timedelta(days=n) for n in range(1, gap + 1)]
            for d in days:
                business_date_set(value=d)
                if d == days[-1]:
                    for who, kind, percent, small in paid:
                        pay(kind, book[who % len(book)], d, percent, small, officer, manager)
                expected = {ln.pk: expected_close(ln, d) for ln in book}
                # when the day is closed
                assert [r.business_date for r in close_day(business_date=d)] == [d]
                # then every loan is as the Python rules say
                for ln in book:
                    assert actual_close(ln, d) == expected[ln.pk], (ln.pk, d)
                    event(
                        "loan {} {} {}".format(
                            *Loan.objects.values_list("status", "bucket", "classification").get(pk=ln.pk)
                        )
                    )
                # and the loans' interest sub-ledger is the ledger's, on and off balance
                on_off = Loan.objects.filter(pk__in=[ln.pk for ln in book]).aggregate(
                    on=Sum("interest_accrued"), off=Sum("interest_suspended")
                )
                assert not Loan.objects.filter(accrual_status="non_accrual").exclude(interest_accrued=0).exists()
                assert not Loan.objects.filter(accrual_status="accruing").exclude(interest_suspended=0).exists()
                balances = trial_balance()
                rows = {r["code"]: r["balance"] for r in balances["rows"] + balances["memo_rows"]}
                assert (rows[Acct.INTEREST_RECEIVABLE], rows[Acct.MEMO_INTEREST_RECEIVABLE]) == (
                    on_off["on"],
                    on_off["off"],
                ), d
            day, first = days[-1], False
        transaction.set_rollback(True)


# --- the text -----------------------------------------------------------------------------------


def test_the_text_has_no_status_table_or_threshold_typed_into_it():
    enums = (LoanStatus, InstallmentStatus, Bucket, Classification, AccrualStatus, AccrualMoveKind)
    statuses = {str(v) for enum in enums for v in enum.values}
    for vendor in ("postgresql", "sqlite"):
        for built, numbers in ((close_sql, r"\b(270|360)\b"), (accrual_sql, r"\b(90|270|360)\b")):
            sql = built(vendor)
            assert built(vendor) is sql  # built once per process, not per chunk
            for name, value in vars(sql).items():
                for text in value if isinstance(value, list) else [value]:
                    if not isinstance(text, str):
                        continue
                    # every literal string in the text is an enum's value, put there from the enum
                    assert set(re.findall(r"'([^']*)'", text)) <= statuses, name
                    assert not re.search(numbers, text), name  # thresholds are parameters
    for module in (close_sql_module, accrual_sql_module):
        with open(module.__file__, encoding="utf-8") as source:
            assert not re.findall(r"'[a-z_0-9+-]+'", source.read())  # and none is typed into the module
    assert CLOSABLE == "('active', 'restructured')"


# --- rounding -----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    amounts=st.lists(
        st.tuples(cents(0, 10**9), places(1_000_000, 6), st.sampled_from([1, 360, 365])), min_size=1, max_size=20
    )
)
def test_the_close_rounds_half_up_to_the_cent_as_money_does(amounts):
    # ties at the cent included: 250.00 × 0.18 / 360 = 0.125, 1000.25 × 0.02 = 20.005
    amounts = [*amounts, (Decimal("250.00"), Decimal("0.180000"), 360), (Decimal("1000.25"), Decimal("0.020000"), 1)]
    expr = close_sql("postgresql").dialect.round_half_up("CAST(a AS numeric) * CAST(r AS numeric) / CAST(b AS numeric)")
    values = ", ".join(["(%s, %s, %s, %s)"] * len(amounts))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {expr} FROM (VALUES {values}) v(n, a, r, b) ORDER BY n",
            [x for n, row in enumerate(amounts) for x in (n, *row)],
        )
        rounded = [row[0] for row in cur.fetchall()]
    assert rounded == [money(a * r / b) for a, r, b in amounts]
    assert rounded[-2:] == [Decimal("0.13"), Decimal("20.01")]
