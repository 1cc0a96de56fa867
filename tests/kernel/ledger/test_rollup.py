"""The roll-up behind the trial balance: day totals that change no figure, safe beside postings in flight."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microloan.ledger import (
    Acct,
    EntryKind,
    JournalLine,
    LedgerDayTotal,
    LedgerRollup,
    Line,
    ensure_chart,
    journal_post,
    ledger_rollup,
    trial_balance,
)

from .helpers import JAN_10, JAN_15, JAN_20, D, balanced_posting, disburse, journal_totals, tb_totals

pytestmark = pytest.mark.django_db


def test_the_rollup_folds_lines_into_day_totals_and_changes_no_figure():
    disburse("1000.00", day=JAN_10)
    disburse("300.00", day=JAN_20, loan_id=2)
    journal_post(
        kind=EntryKind.REPAYMENT,
        business_date=JAN_15,
        lines=[
            Line(Acct.CASH, debit=D("120.00")),
            Line(Acct.INTEREST_INCOME, credit=D("20.00"), loan_id=1),
            Line(Acct.LOAN_PRINCIPAL, credit=D("100.00"), loan_id=1),
        ],
    )
    before = {day: tb_totals(day) for day in (None, JAN_10, JAN_15, JAN_20)}

    assert ledger_rollup() == JournalLine.objects.order_by("-id").first().pk
    assert ledger_rollup() == 0  # nothing new: idempotent

    # one row per account and day, and the same trial balance on every date
    assert LedgerDayTotal.objects.count() == 2 + 3 + 2
    assert LedgerDayTotal.objects.get(account__code=Acct.CASH, business_date=JAN_10).credit == D("1000.00")
    assert {day: tb_totals(day) for day in before} == before

    # lines after the watermark are read from the journal until the next roll-up adds them
    disburse("50.00", day=JAN_20, loan_id=3)
    assert tb_totals() == journal_totals()
    assert tb_totals()[Acct.LOAN_PRINCIPAL] == (D("1350.00"), D("100.00"))
    ledger_rollup()
    assert LedgerDayTotal.objects.get(account__code=Acct.CASH, business_date=JAN_20).credit == D("350.00")
    assert tb_totals() == journal_totals() and tb_totals(JAN_15) == journal_totals(JAN_15)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    postings=st.lists(
        st.tuples(balanced_posting(), st.integers(min_value=0, max_value=3), st.booleans()), min_size=1, max_size=8
    ),
    chunk=st.integers(min_value=1, max_value=5),
)
def test_the_trial_balance_is_the_journal_whenever_the_rollup_runs(postings, chunk):
    days = [JAN_10, JAN_15, JAN_20, date(2026, 2, 1)]
    with transaction.atomic():
        for (lines, _total), day, roll in postings:
            journal_post(kind=EntryKind.ADJUSTMENT, business_date=days[day], lines=lines)
            if roll:
                ledger_rollup(chunk=chunk)
        for as_of in (None, *days):
            assert tb_totals(as_of) == journal_totals(as_of)
        assert trial_balance()["balanced"]
        transaction.set_rollback(True)


@pytest.mark.django_db(transaction=True)
def test_the_rollup_waits_for_a_posting_in_flight_and_never_skips_its_lines():
    # given a posting in flight (uncommitted) while a later one has committed with higher ids
    ensure_chart()
    later_committed, rolled = threading.Event(), {}

    def post_and_commit():
        disburse("7.00", loan_id=8, day=JAN_15)
        connection.close()
        later_committed.set()

    def roll():
        try:
            rolled["covered"] = ledger_rollup(lock_timeout_ms=20_000)
        finally:
            connection.close()

    with transaction.atomic():
        disburse("500.00", loan_id=7, day=JAN_10)
        other = threading.Thread(target=post_and_commit)
        other.start()
        assert later_committed.wait(timeout=20)
        roller = threading.Thread(target=roll)
        roller.start()
        time.sleep(0.5)
        # the roll-up cannot take the max id yet: it would step over this transaction's lines
        assert roller.is_alive()
    roller.join(timeout=20)

    # then, once this transaction commits, it rolls up both postings, nothing lost or doubled
    assert rolled["covered"] >= 4
    assert LedgerRollup.objects.get().last_line_id == JournalLine.objects.order_by("-id").first().pk
    assert tb_totals() == journal_totals()
    assert tb_totals()[Acct.LOAN_PRINCIPAL] == (D("507.00"), D("0.00"))
    assert sum(t.debit for t in LedgerDayTotal.objects.filter(account__code=Acct.LOAN_PRINCIPAL)) == D("507.00")


@pytest.mark.django_db(transaction=True)
def test_the_rollup_gives_up_within_its_lock_timeout_and_catches_up_later():
    ensure_chart()
    result = {}

    def roll():
        try:
            result["covered"] = ledger_rollup(lock_timeout_ms=100)
        finally:
            connection.close()

    with transaction.atomic():
        disburse("500.00", day=JAN_10)
        roller = threading.Thread(target=roll)
        roller.start()
        roller.join(timeout=20)
        assert not roller.is_alive()
    assert result["covered"] == 0 and not LedgerDayTotal.objects.exists()
    assert ledger_rollup() == JournalLine.objects.order_by("-id").first().pk
    assert tb_totals() == journal_totals()


@pytest.mark.django_db(transaction=True)
def test_a_rollup_finding_another_one_running_gives_up_instead_of_failing():
    # given one roll-up holding the watermark (as a long step of the hourly job would)
    ensure_chart()
    disburse("500.00", day=JAN_10)
    result = {}

    def roll():
        try:
            result["covered"] = ledger_rollup(lock_timeout_ms=100)
        except Exception as exc:  # reported by the assertion below
            result["error"] = exc
        finally:
            connection.close()

    with transaction.atomic():
        LedgerRollup.objects.select_for_update().get_or_create(pk=1)
        roller = threading.Thread(target=roll)
        roller.start()
        roller.join(timeout=20)
    # then the second one returns having done nothing, and a later call rolls everything up
    assert "error" not in result, result.get("error")
    assert result["covered"] == 0
    assert ledger_rollup() > 0 and tb_totals() == journal_totals()
