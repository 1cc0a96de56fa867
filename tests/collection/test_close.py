"""The daily close, synchronously: days past due, penalty to the cent, buckets, classes and
provisions day by day; payments stopping the penalty; idempotency; resuming a killed close;
refusing an earlier date; catching up skipped days. The ledger balances after every test."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import F
from django.utils import translation

from collection.close import close_chunk_process, close_day
from collection.models import CloseChunk, CloseRun, CloseStatus, LoanProvision, PenaltyAccrual, ProvisionChange
from microloan.business_date import business_date_set
from microloan.errors import InvalidInput
from microloan.ledger import Acct, JournalEntry, balances_by_loan, trial_balance
from microloan.models import BusinessCalendar
from microloan.policy import policy
from servicing.models import Installment, Loan
from servicing.repayments import repayment_post

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)
D = Decimal


def close(day: date, **kwargs):
    """Closes ``day`` on its own business date, as the nightly job does."""
    business_date_set(value=day)
    return close_day(business_date=day, **kwargs)


def inst(loan, n) -> Installment:
    return Installment.objects.get(loan=loan, number=n, is_current=True)


def held(loan) -> Decimal:
    row = LoanProvision.objects.filter(loan=loan).first()
    return row.amount if row else D("0.00")


def snapshot() -> dict:
    """Every row the close can touch, by natural keys (surrogate ids of new rows differ
    between two runs that reach the same state)."""
    queries = {
        "loans": "SELECT id, status, business_date, days_past_due, overdue_amount, penalty_outstanding, bucket, "
        "classification, outstanding_principal FROM servicing_loan ORDER BY id",
        "installments": "SELECT id, loan_id, number, status, penalty_due, penalty_paid, principal_paid, "
        "interest_paid FROM servicing_installment ORDER BY id",
        "accruals": "SELECT a.business_date, a.loan_id, a.installment_id, a.days_past_due, a.overdue_principal, "
        "a.penalty_rate, a.amount, e.source_key FROM collection_penaltyaccrual a "
        "JOIN microloan_journalentry e ON e.id = a.entry_id ORDER BY 1, 2",
        "provision_changes": "SELECT c.business_date, c.loan_id, c.classification, c.amount_before, "
        "c.amount_after, e.source_key FROM collection_provisionchange c "
        "JOIN microloan_journalentry e ON e.id = c.entry_id ORDER BY 1, 2",
        "provisions_held": "SELECT loan_id, amount, classification, business_date FROM collection_loanprovision "
        "ORDER BY loan_id",
        "journal": "SELECT e.source_key, e.kind, e.business_date, a.code, l.debit, l.credit, l.loan_id "
        "FROM microloan_journalline l JOIN microloan_journalentry e ON e.id = l.entry_id "
        "JOIN microloan_account a ON a.id = l.account_id "
        "ORDER BY 1, 4, 7 NULLS FIRST, 5, 6",
        "calendar": "SELECT current_date, last_closed_date FROM microloan_businesscalendar",
        "runs": "SELECT business_date, status, chunks_total FROM collection_closerun ORDER BY 1",
    }
    out = {}
    with connection.cursor() as cur:
        for name, sql in queries.items():
            cur.execute(sql)
            out[name] = cur.fetchall()
    return out


# --- one loan, day by day ----------------------------------------------------------------


def test_a_missed_instalment_day_by_day_then_paid(loan, officer):
    # given the fixture loan: instalment 1 due 2026-12-20 is 788.49 principal + 100.00 interest
    # (888.49), penalty rate 18% a year (12% × 1.5), 3 grace days; nothing is paid
    # when each day is closed, then: (DPD, bucket, class, penalty of the day, penalty
    # outstanding, overdue amount, provision held)
    expected = {
        # first close: normal, 1% of 10,000.00
        date(2026, 12, 19): (0, "current", "normal", None, "0.00", "0.00", "100.00"),
        # due today, not yet past due
        date(2026, 12, 20): (0, "current", "normal", None, "0.00", "0.00", "100.00"),
        # unpaid at the end of its due date: 1 day past due; special mention, 2% = 200.00
        date(2026, 12, 21): (1, "1-30", "special_mention", None, "0.00", "888.49", "200.00"),
        date(2026, 12, 22): (2, "1-30", "special_mention", None, "0.00", "888.49", "200.00"),
        # DPD 3 = the grace days: still no penalty
        date(2026, 12, 23): (3, "1-30", "special_mention", None, "0.00", "888.49", "200.00"),
        # DPD 4 > 3: round(788.49 × 0.18 / 360) = round(0.394245) = 0.39
        date(2026, 12, 24): (4, "1-30", "special_mention", "0.39", "0.39", "888.88", "200.00"),
        date(2026, 12, 25): (5, "1-30", "special_mention", "0.39", "0.78", "889.27", "200.00"),
    }
    for day, (dpd, bucket, klass, penalty, pen_out, overdue, provision) in expected.items():
        [result] = close(day)
        loan.refresh_from_db()
        assert (loan.business_date, loan.days_past_due, loan.bucket, loan.classification) == (
            day,
            dpd,
            bucket,
            klass,
        ), day
        assert (loan.penalty_outstanding, loan.overdue_amount, held(loan)) == (D(pen_out), D(overdue), D(provision)), (
            day
        )
        accrued = PenaltyAccrual.objects.filter(loan=loan, business_date=day).first()
        assert (accrued.amount if accrued else None) == (D(penalty) if penalty else None), day
        assert result.penalty_total == (D(penalty) if penalty else D("0.00"))
    assert inst(loan, 1).status == "overdue" and inst(loan, 1).penalty_due == D("0.78")
    assert inst(loan, 2).status == "due"

    # when 500.00 is paid on day 6: penalty 0.78, interest 100.00, principal 399.22
    business_date_set(value=date(2026, 12, 26))
    repayment_post(actor=officer, loan=loan, amount=D("500.00"), paid_on=date(2026, 12, 26), channel="cash")
    close(date(2026, 12, 26))
    # then the day's penalty is on the principal still overdue: 788.49 − 399.22 = 389.27;
    # round(389.27 × 0.18 / 360) = round(0.194635) = 0.19; overdue 389.27 + 0.19 = 389.46;
    # provision 2% of 9,600.78 = 192.0156 → 192.02 (7.98 released)
    loan.refresh_from_db()
    assert PenaltyAccrual.objects.get(loan=loan, business_date=date(2026, 12, 26)).overdue_principal == D("389.27")
    assert (loan.days_past_due, loan.penalty_outstanding, loan.overdue_amount, held(loan)) == (
        6,
        D("0.19"),
        D("389.46"),
        D("192.02"),
    )

    # when the rest (389.46) is paid on day 7
    business_date_set(value=date(2026, 12, 27))
    repayment_post(actor=officer, loan=loan, amount=D("389.46"), paid_on=date(2026, 12, 27), channel="cash")
    [result] = close(date(2026, 12, 27))
    # then no penalty from that day on, current and normal again, 1% of 9,211.51 = 92.12
    loan.refresh_from_db()
    assert not PenaltyAccrual.objects.filter(business_date=date(2026, 12, 27)).exists()
    assert (loan.days_past_due, loan.bucket, loan.classification, loan.overdue_amount, loan.penalty_outstanding) == (
        0,
        "current",
        "normal",
        D("0.00"),
        D("0.00"),
    )
    assert inst(loan, 1).status == "paid" and held(loan) == D("92.12")
    assert result.provision_delta == D("-99.90") and result.provision_release == D("99.90")

    # and the books agree: 0.97 of penalty income, all of it paid; the provision held is the
    # balance of 1231 for the loan and of 6701 overall (+100 +100 −7.98 −99.90)
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.PENALTY_RECEIVABLE, Acct.LOAN_LOSS_PROVISION])
    assert bal[loan.pk] == {Acct.PENALTY_RECEIVABLE: D("0.00"), Acct.LOAN_LOSS_PROVISION: D("92.12")}
    tb = {row["code"]: row["balance"] for row in trial_balance()["rows"]}
    assert tb[Acct.PENALTY_INCOME] == D("0.97") and tb[Acct.PROVISION_EXPENSE] == D("92.12")
    penalty = JournalEntry.objects.get(source_key__startswith="penalty:2026-12-24:")
    assert penalty.kind == "penalty" and [
        (ln.account.code, ln.debit, ln.credit, ln.loan_id) for ln in penalty.lines.select_related("account")
    ] == [(Acct.PENALTY_RECEIVABLE, D("0.39"), D("0.00"), loan.pk), (Acct.PENALTY_INCOME, D("0.00"), D("0.39"), None)]


@pytest.mark.parametrize("threshold", [30, 60, 90, 180, 270, 360])
def test_buckets_and_classes_either_side_of_each_threshold(loan, threshold):
    # given instalment 1 moved back so that it is `threshold` days past due on the close date
    day = date(2026, 12, 1)
    Installment.objects.filter(pk=inst(loan, 1).pk).update(due_date=day - timedelta(days=threshold))
    rates = {
        "special_mention": D("200.00"),
        "substandard": D("2500.00"),
        "doubtful": D("5000.00"),
        "loss": D("10000.00"),
    }
    expected = {  # threshold -> (bucket, class) on that day, then on the next
        30: (("1-30", "special_mention"), ("31-60", "special_mention")),
        60: (("31-60", "special_mention"), ("61-90", "special_mention")),
        90: (("61-90", "special_mention"), ("91-180", "substandard")),
        180: (("91-180", "substandard"), ("180+", "substandard")),
        270: (("180+", "substandard"), ("180+", "doubtful")),
        360: (("180+", "doubtful"), ("180+", "loss")),
    }[threshold]
    for offset, (bucket, klass) in enumerate(expected):
        # when the day is closed
        close(day + timedelta(days=offset))
        # then
        loan.refresh_from_db()
        assert (loan.days_past_due, loan.bucket, loan.classification) == (threshold + offset, bucket, klass)
        assert held(loan) == rates[klass]
        # round(788.49 × 0.18 / 360) = 0.39 on every day past the grace days
        assert loan.penalty_outstanding == D("0.39") * (offset + 1)


def test_classification_thresholds_and_rates_are_settings(loan, settings):
    # given an installation that calls 61+ days substandard and provides 30% for it
    settings.COLLECTION = {"CLASSIFICATION_OVER_DAYS": {"substandard": 60}, "PROVISION_RATES": {"substandard": "0.30"}}
    assert policy().collection.classification_over_days["doubtful"] == 270  # the rest keep their defaults
    day = date(2026, 12, 1)
    Installment.objects.filter(pk=inst(loan, 1).pk).update(due_date=day - timedelta(days=61))
    close(day)
    loan.refresh_from_db()
    assert (loan.classification, held(loan)) == ("substandard", D("3000.00"))


def test_every_overdue_instalment_counts_and_penalty_goes_on_the_oldest(loan):
    # given instalments 1 and 2 both overdue (moved back), 2 partly paid
    day = date(2026, 12, 10)
    Installment.objects.filter(pk=inst(loan, 1).pk).update(due_date=date(2026, 11, 1))
    Installment.objects.filter(pk=inst(loan, 2).pk).update(due_date=date(2026, 12, 1), principal_paid=D("100.00"))
    i2 = inst(loan, 2)
    # when
    close(day)
    # then DPD is from the oldest (Nov 1 → 39 days); overdue principal 788.49 + (i2 − 100.00)
    loan.refresh_from_db()
    overdue_principal = D("788.49") + i2.principal_due - D("100.00")
    amount = (overdue_principal * D("0.18") / 360).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    accrual = PenaltyAccrual.objects.get(loan=loan)
    assert (loan.days_past_due, accrual.overdue_principal, accrual.amount) == (39, overdue_principal, amount)
    assert accrual.installment_id == inst(loan, 1).pk and inst(loan, 1).penalty_due == amount
    assert inst(loan, 2).status == "overdue" and inst(loan, 2).penalty_due == D("0.00")
    assert loan.overdue_amount == D("888.49") + i2.principal_due + i2.interest_due - D("100.00") + amount


# --- which loans ---------------------------------------------------------------------------


def test_only_open_loans_are_closed_and_a_closed_loan_gets_its_provision_released(portfolio):
    # given four overdue loans: one restructured, one written off, one with nothing outstanding
    open_loan, restructured, written_off, nothing = portfolio
    Loan.objects.filter(pk=restructured.pk).update(status="restructured")
    Installment.objects.filter(loan=nothing).update(
        principal_paid=F("principal_due"), interest_paid=F("interest_due"), status="paid"
    )
    Loan.objects.filter(pk=nothing.pk).update(outstanding_principal=0)
    close(date(2026, 12, 19))
    Loan.objects.filter(pk=written_off.pk).update(status="written_off")
    # when
    close(date(2026, 12, 21))
    # then the open and the restructured loans are 1 day past due; the others are untouched
    figures = dict(Loan.objects.values_list("pk", "days_past_due"))
    assert (figures[open_loan.pk], figures[restructured.pk], figures[written_off.pk], figures[nothing.pk]) == (
        1,
        1,
        0,
        0,
    )
    assert (
        Loan.objects.get(pk=nothing.pk).business_date is None
        and not LoanProvision.objects.filter(loan=nothing).exists()
    )
    assert held(written_off) == D("100.00")  # the write-off, not the close, deals with its provision

    # when the open loan is paid off and closed (as repayments does), then its provision goes
    Loan.objects.filter(pk=open_loan.pk).update(status="closed", outstanding_principal=0)
    [result] = close(date(2026, 12, 22))
    assert held(open_loan) == D("0.00") and result.provision_release == D("200.00")
    bal = balances_by_loan(loan_ids=[open_loan.pk], account_codes=[Acct.LOAN_LOSS_PROVISION])
    assert bal[open_loan.pk][Acct.LOAN_LOSS_PROVISION] == D("0.00")


# --- idempotency, resuming, order ----------------------------------------------------------


def test_rerunning_any_day_changes_nothing(portfolio, officer):
    # given a few closed days with a payment in between
    for day in (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 25)):
        close(day)
    repayment_post(actor=officer, loan=portfolio[1], amount=D("300.00"), paid_on=date(2026, 12, 25), channel="cash")
    close(date(2026, 12, 26))
    before = snapshot()
    # when each day is closed again: the last is closed already, the earlier ones are refused
    assert close_day(business_date=date(2026, 12, 26)) == []
    for day in (date(2026, 12, 23), date(2026, 12, 24), date(2026, 12, 25)):
        with pytest.raises(InvalidInput):
            close_day(business_date=day)
    # and even with the run's "done" marks lost, every chunk run again (two workers on one chunk)
    run = CloseRun.objects.get(business_date=date(2026, 12, 26))
    CloseChunk.objects.filter(run=run).update(status=CloseStatus.RUNNING)
    for chunk in CloseChunk.objects.filter(run=run):
        assert close_chunk_process(chunk_id=chunk.pk) is not None
        assert close_chunk_process(chunk_id=chunk.pk) is None
    # then nothing changed
    assert snapshot() == before


def test_a_killed_close_resumes_to_the_same_result(portfolio, monkeypatch):
    # given four loans in one-loan chunks, closed up to Dec 24
    for day in (date(2026, 12, 21), date(2026, 12, 24)):
        close(day, chunk_size=1)
    target = date(2026, 12, 25)
    # the result of an uninterrupted close, then undone
    savepoint = transaction.savepoint()
    close(target, chunk_size=1)
    expected = snapshot()
    transaction.savepoint_rollback(savepoint)

    # when the close dies in its third chunk (after the penalty and provision steps)
    calls = []

    def dies_on_the_third_chunk(business_date, loan_ids, **chunk_range):
        calls.append(loan_ids)
        if len(calls) == 3:
            raise RuntimeError("worker killed")

    monkeypatch.setattr("collection.escalation.escalation_step_hook", dies_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        close(target, chunk_size=1)
    # then two chunks are done, the third left no trace, the date is not closed
    run = CloseRun.objects.get(business_date=target)
    assert run.status == "running" and run.chunks.filter(status="done").count() == 2 and run.chunks_total == 4
    assert PenaltyAccrual.objects.filter(business_date=target).count() == 2
    assert BusinessCalendar.objects.get(pk=1).last_closed_date == date(2026, 12, 24)

    # when the close runs again
    monkeypatch.undo()
    [result] = close(target, chunk_size=1)
    # then it did only the rest and reached the same state
    assert result.resumed and (result.chunks_run, result.chunks_total) == (2, 4)
    assert snapshot() == expected


@translation.override("en")
def test_an_earlier_date_is_refused_and_a_future_one_too(loan):
    close(date(2026, 12, 22))
    before = snapshot()
    with pytest.raises(InvalidInput) as exc:
        close_day(business_date=date(2026, 12, 21))
    assert list(exc.value.errors) == ["business_date"]
    assert "before the last closed date 2026-12-22" in str(exc.value)
    with pytest.raises(CommandError, match="before the last closed date"):
        call_command("close_day", "--date", "2026-12-21")
    with pytest.raises(InvalidInput, match="after the business date"):
        close_day(business_date=date(2026, 12, 23))
    assert snapshot() == before


def test_skipped_days_are_caught_up_in_order(loan):
    # given Dec 21 closed
    close(date(2026, 12, 21))
    # when Dec 26 is closed
    results = close(date(2026, 12, 26))
    # then Dec 22..26 were closed one after another, each with its own penalty
    assert [r.business_date for r in results] == [date(2026, 12, d) for d in range(22, 27)]
    assert list(
        PenaltyAccrual.objects.order_by("business_date").values_list("business_date", "days_past_due", "amount")
    ) == [(date(2026, 12, 24), 4, D("0.39")), (date(2026, 12, 25), 5, D("0.39")), (date(2026, 12, 26), 6, D("0.39"))]
    assert BusinessCalendar.objects.get(pk=1).last_closed_date == date(2026, 12, 26)
    assert list(CloseRun.objects.order_by("business_date").values_list("status", flat=True)) == ["done"] * 6
    loan.refresh_from_db()
    assert (loan.days_past_due, loan.penalty_outstanding) == (6, D("1.17"))


def test_many_loans_in_many_chunks_give_the_same_figures_as_one_chunk(portfolio):
    # given the same four loans, closed once in one chunk and once in one-loan chunks
    savepoint = transaction.savepoint()
    close(date(2026, 12, 24), chunk_size=100)
    one_chunk = snapshot()
    transaction.savepoint_rollback(savepoint)
    close(date(2026, 12, 24), chunk_size=1)
    many = snapshot()
    # then the loans, instalments, accruals and provisions agree (the journal is per chunk)
    for table in ("loans", "installments", "provisions_held"):
        assert many[table] == one_chunk[table]
    assert [row[:7] for row in many["accruals"]] == [row[:7] for row in one_chunk["accruals"]]
    assert ProvisionChange.objects.count() == 4


# --- the command -----------------------------------------------------------------------------


def test_close_day_command_prints_progress_and_a_summary(portfolio, capsys):
    business_date_set(value=date(2026, 12, 25))
    call_command("close_day", "--date", "2026-12-24", "--chunk-size", "2")
    out = capsys.readouterr().out
    assert "2026-12-24 [" in out and " 1/2 " in out and " 2/2 " in out
    assert "Closed 2026-12-24: 4 loans" in out and "penalty accrued 1.56 on 4 loans" in out
    assert "provision delta +800.00" in out
    call_command("close_day", "--date", "2026-12-24")
    assert "closed already" in capsys.readouterr().out
    # the sandbox flag moves the business date first
    call_command("close_day", "--date", "2026-12-26", "--advance-business-date")
    assert "Closed 2026-12-26" in capsys.readouterr().out


def test_each_close_rolls_the_days_postings_into_the_ledger_day_totals(loan):
    from microloan.ledger import JournalLine, LedgerDayTotal, LedgerRollup

    close(date(2026, 12, 24))  # catches up to the first penalty day
    close(date(2026, 12, 25))

    # every line the closes posted is behind the watermark, summed per account and day
    assert LedgerRollup.objects.get().last_line_id == JournalLine.objects.order_by("-id").first().pk
    penalty = LedgerDayTotal.objects.filter(account__code=Acct.PENALTY_RECEIVABLE).order_by("business_date")
    assert [(t.business_date, t.debit) for t in penalty] == [
        (date(2026, 12, 24), D("0.39")),
        (date(2026, 12, 25), D("0.39")),
    ]
    assert {r["code"]: r["balance"] for r in trial_balance()["rows"]}[Acct.PENALTY_RECEIVABLE] == D("0.78")


def test_a_failing_ledger_rollup_does_not_fail_the_close(loan, monkeypatch, caplog):
    from django.db import OperationalError

    import collection.close as close_module

    def refuse():
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(close_module, "ledger_rollup", refuse)
    results = close(date(2026, 12, 22))

    # the days are closed (and the next catch-up can go on); the hourly roll-up catches up
    assert [r.business_date for r in results][-1] == date(2026, 12, 22)
    assert BusinessCalendar.objects.get(pk=1).last_closed_date == date(2026, 12, 22)
    assert "ledger roll-up after the close" in caplog.text
