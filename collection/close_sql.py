# Long module: one statement per step of a chunk, in the order a chunk runs them, each beside
# the Python rule it must agree with.
"""The SQL of the daily close: a few set-based statements per chunk of loans.

Every statement works on one loan-id range (``%(lo)s``..``%(hi)s``) and one business date
(``%(d)s``), and writes only rows whose values change, so the cost of a day follows what
happened that day (new arrears, payments, reclassifications), not the size of the book. The
one exception: every open loan's ``business_date`` moves to the closed date, because the API
shows it as the date its figures are as of (a HOT update, see migration 0003).

The instalments a day can touch are found through the partial index
``collection_inst_unpaid_due`` (current, not paid; by loan and due date): paid rows, which are
most of a seasoned book, are never read.

Nothing in the text is typed by hand that the code says elsewhere: table and column names
come from the models (``Table``), statuses from the enums, the bucket bounds and the class
order from ``servicing.figures`` (the Python rules these statements must agree with, checked
on random books by tests/collection/test_close_sql.py), and the policy (class thresholds,
provision rates, the penalty day basis) arrives as bind parameters (``CloseSQL.policy_params``).
So the text is built once per database vendor (``close_sql``), not per chunk.

Written for PostgreSQL, where amounts are exact ``numeric`` and ``ROUND(x, 2)`` rounds ties
away from zero: exactly ``microloan.money.money()``'s half-up. The demo runs on SQLite; all
that differs there is in one place, ``SQLiteDialect``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.db import models

from microloan.ledger import JournalLine
from servicing.figures import BUCKET_BEYOND, BUCKET_BOUNDS, CLASSES, GRADED, bucket_for
from servicing.models import AccrualStatus, Classification, Installment, InstallmentStatus, Loan, LoanStatus

from .models import LoanProvision, PenaltyAccrual, ProvisionChange

if TYPE_CHECKING:
    from microloan.policy import CollectionPolicy


# --- names and literals ------------------------------------------------------------------------


class Table:
    """A model's table in SQL text: ``str(t)`` is the table's name, ``t.field`` the column of a
    field (a foreign key ``loan`` gives ``loan_id``), qualified by the alias if the table has
    one (``t.alias("l").status`` is ``l.status``). A field that does not exist fails when the
    text is built, not when it runs."""

    def __init__(self, model: type[models.Model], alias: str = "") -> None:
        self._model, self._alias = model, alias

    def alias(self, alias: str) -> Table:
        return Table(self._model, alias)

    def __str__(self) -> str:
        return self._model._meta.db_table

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        field = self._model._meta.get_field(name)
        if not isinstance(field, models.Field) or not field.column:
            raise AttributeError(f"{self._model.__name__}.{name} has no column")
        return f"{self._alias}.{field.column}" if self._alias else field.column


def lit(value: str) -> str:
    """A string constant (an enum's value) as an SQL literal."""
    return "'" + str(value).replace("'", "''") + "'"


def lits(values: Iterable[str]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


LOAN, INST = Table(Loan), Table(Installment)
ACCRUAL, HELD, CHANGE, LINE = Table(PenaltyAccrual), Table(LoanProvision), Table(ProvisionChange), Table(JournalLine)

# An instalment's unpaid total: the rule of servicing.models.Installment.unpaid (interest forgiven
# at an early payoff included), from the same field list: the fields added and those taken away.
UNPAID_PLUS, UNPAID_MINUS = Installment._unpaid_terms()


def overdue_from(i: Table) -> str:
    """The date after which an instalment is overdue: its grace date (the first working day on
    or after the due date, microloan.holidays), the due date for a row made without one
    (servicing.models.Installment.overdue_from)."""
    return f"COALESCE({i.grace_date}, {i.due_date})"


def unpaid(i: Table) -> str:
    return (
        "("
        + " + ".join(getattr(i, f) for f in UNPAID_PLUS)
        + " - "
        + " - ".join(getattr(i, f) for f in UNPAID_MINUS)
        + ")"
    )


def over_param(klass: str) -> str:
    return f"over_{klass}"


def rate_param(klass: str) -> str:
    return f"rate_{klass}"


# --- dialects --------------------------------------------------------------------------------


class PostgresDialect:
    """The production database: exact numerics, so amounts need no help."""

    vendor = "postgresql"
    locks_rows = True

    def days_since(self, column: str) -> str:
        """Whole days from ``column`` (a date) to the business date."""
        return f"(CAST(%(d)s AS date) - {column})"

    def round_half_up(self, expr: str) -> str:
        """Rounds to the cent as ``money()`` does: numeric ROUND rounds ties away from zero,
        which is ROUND_HALF_UP."""
        return f"ROUND({expr}, 2)"

    def cents(self, expr: str) -> str:
        """A sum or difference of two-place amounts: exact as it is."""
        return expr

    def positive(self, expr: str) -> str:
        return f"{expr} > 0"

    def number(self, value: Decimal) -> Decimal | float:
        """A decimal bind parameter."""
        return value

    def rows_written(self, cur) -> int:
        """Rows the last statement wrote."""
        return max(cur.rowcount, 0)


class SQLiteDialect(PostgresDialect):
    """The demo database (microloan.settings.local without a DATABASE_URL), and only that.

    Django keeps decimals on SQLite as floating point, so 0.125 may be stored as 0.12499999...
    and a sum of cents may come out as 888.4899999... Here, and nowhere else, amounts are
    therefore nudged and re-rounded: a rounding adds a tiny epsilon before it truncates (so
    ties still go up), sums are re-rounded to the cent, an unpaid amount counts only if it is
    positive to the cent, and decimal parameters are sent as floats. None of this runs on
    PostgreSQL, whose figures are the ones the tests check against the Python rules."""

    vendor = "sqlite"
    locks_rows = False  # one writer at a time anyway

    def days_since(self, column: str) -> str:
        return f"CAST(julianday(%(d)s) - julianday({column}) AS INTEGER)"

    def round_half_up(self, expr: str) -> str:
        return f"(CAST(({expr}) * 100 + 0.5 + 1e-9 AS INTEGER) / 100.0)"  # non-negative amounts only

    def cents(self, expr: str) -> str:
        return f"ROUND({expr}, 2)"

    def positive(self, expr: str) -> str:
        return f"ROUND({expr}, 2) > 0"

    def number(self, value: Decimal) -> Decimal | float:
        return float(value)

    def rows_written(self, cur) -> int:
        # Python's sqlite3 reports no rowcount for a statement that starts with WITH.
        cur.execute("SELECT changes()")
        return cur.fetchone()[0]


DIALECTS = {d.vendor: d for d in (PostgresDialect(), SQLiteDialect())}


# --- the statements --------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseSQL:
    """The close's statements for one database, in the order a chunk runs them."""

    dialect: PostgresDialect
    lock_loans: str | None
    accrue_penalty: str
    loan_figures: str
    apply_penalty: str
    penalty_lines: str
    entry_totals: str
    refresh_status: str
    provision_changes: str
    provision_lines: str
    provision_totals: str
    hold_provisions: str
    overdue_loans: str
    plan_chunks: str

    def policy_params(self, policy: CollectionPolicy) -> dict:
        """The bind parameters the statements take from the policy."""
        return {
            "basis": self.dialect.number(Decimal(policy.penalty_day_basis)),
            **{over_param(k): int(policy.classification_over_days[k]) for k in GRADED},
            **{rate_param(k): self.dialect.number(policy.provision_rates[k]) for k in CLASSES},
        }


@cache
def close_sql(vendor: str) -> CloseSQL:
    """The statements for ``vendor`` (``connection.vendor``), built once per process."""
    db = DIALECTS[vendor]
    return CloseSQL(
        dialect=db,
        lock_loans=_lock_loans(db),
        accrue_penalty=_accrue_penalty(db),
        loan_figures=_loan_figures(db),
        apply_penalty=_apply_penalty(db),
        penalty_lines=_penalty_lines(db),
        entry_totals=_entry_totals(db),
        refresh_status=_refresh_status(db),
        provision_changes=_provision_changes(db),
        provision_lines=_provision_lines(db),
        provision_totals=_provision_totals(db),
        hold_provisions=_hold_provisions(),
        overdue_loans=_overdue_loans(),
        plan_chunks=_plan_chunks(),
    )


# Loans the close works on. A loan with nothing outstanding (and no stale figures to clear) is
# left alone: no business date stamp, no penalty, no provision.
CLOSABLE = lits(sorted(LoanStatus.LIVE))
PAID = lit(InstallmentStatus.PAID)


def _overdue_rows(db: PostgresDialect) -> str:
    """The current schedule's rows (``i``) of the chunk's closable loans (``l``) that fell due
    before the business date and are not paid: the overdue rows. The first two conditions on
    ``i`` are the partial index's predicate (current, status not paid), written the same way so
    the planner uses it; the unpaid total is checked too, so a row paid off but not yet marked
    paid never counts."""
    i, l = INST.alias("i"), LOAN.alias("l")  # noqa: E741 - l is the loan, as in the SQL
    return f"""
    FROM {INST} i JOIN {LOAN} l ON {l.id} = {i.loan}
    WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND {l.status} IN {CLOSABLE}
      AND {i.loan} BETWEEN %(lo)s AND %(hi)s AND {i.is_current} AND {i.status} <> {PAID}
      AND {overdue_from(i)} < %(d)s AND {i.schedule_version} = {l.schedule_version} AND {db.positive(unpaid(i))}
    """


# --- step 0: lock ------------------------------------------------------------------------------


def _lock_loans(db: PostgresDialect) -> str | None:
    """Locks the chunk's loans before anything is read, in id order. A repayment posting locks
    its loan first too, so it either finishes before the close reads that loan or waits for the
    chunk to commit: the close never computes from instalments a posting is changing (its
    UPDATEs would otherwise write figures computed from the state before the posting), and the
    two cannot deadlock. SQLite has one writer at a time anyway."""
    if not db.locks_rows:
        return None
    return f"""
    SELECT COUNT(*) FROM (
        SELECT {LOAN.id} FROM {LOAN} WHERE {LOAN.id} BETWEEN %(lo)s AND %(hi)s ORDER BY {LOAN.id} FOR NO KEY UPDATE
    ) locked
    """


# --- step 1: penalty interest (servicing.figures.day_penalty) ------------------------------------


def _accrue_penalty(db: PostgresDialect) -> str:
    """One accrual per loan past its grace days: the overdue principal at the end of the day ×
    the penalty rate / the day basis, to the cent half-up, for the oldest overdue instalment.
    ON CONFLICT: a loan's day is accrued once, whoever runs it and however often."""
    i, l, a = INST.alias("i"), LOAN.alias("l"), ACCRUAL  # noqa: E741
    dpd = db.days_since("p.oldest_due")
    amount = db.round_half_up(f"p.principal * {l.penalty_rate} / %(basis)s")
    return f"""
    WITH od AS (
        SELECT {i.loan} AS loan_id, {i.id} AS id, {overdue_from(i)} AS due_date,
               {i.principal_due} - {i.principal_paid} AS principal,
               ROW_NUMBER() OVER (PARTITION BY {i.loan} ORDER BY {i.due_date}, {i.number}) AS rn
        {_overdue_rows(db)}
    ), p AS (
        SELECT loan_id, MIN(due_date) AS oldest_due, SUM(principal) AS principal,
               MAX(CASE WHEN rn = 1 THEN id END) AS oldest_id
        FROM od GROUP BY loan_id
    ), acc AS (
        SELECT p.loan_id, p.oldest_id, {dpd} AS dpd, {db.cents("p.principal")} AS principal,
               {l.penalty_rate} AS penalty_rate, {amount} AS amount
        FROM p JOIN {LOAN} l ON {l.id} = p.loan_id
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND {dpd} > {l.grace_days}
    )
    INSERT INTO {ACCRUAL} ({a.loan}, {a.business_date}, {a.installment}, {a.days_past_due}, {a.overdue_principal},
                           {a.penalty_rate}, {a.amount}, {a.entry})
    SELECT loan_id, %(d)s, oldest_id, dpd, principal, penalty_rate, amount, %(entry)s
    FROM acc WHERE amount > 0
    ON CONFLICT ({a.business_date}, {a.loan}) DO NOTHING
    """


# --- step 2: the loan's figures (refresh_loan_figures, days_past_due, bucket_for, classification_for)


def _bucket_case(dpd: str) -> str:
    whens = " ".join(f"WHEN {dpd} <= {int(bound)} THEN {lit(bucket)}" for bound, bucket in BUCKET_BOUNDS)
    return f"CASE {whens} ELSE {lit(BUCKET_BEYOND)} END"


def _classification_case(dpd: str) -> str:
    whens = " ".join(f"WHEN {dpd} > %({over_param(k)})s THEN {lit(k)}" for k in reversed(GRADED))
    return f"CASE {whens} ELSE {lit(Classification.NORMAL)} END"


def _loan_figures(db: PostgresDialect) -> str:
    """Stamps the business date on the chunk's loans with something outstanding and sets their
    days past due, overdue amount, penalty outstanding (both with the day's accrual,
    ``%(entry)s``), bucket and class; a loan is written once, and only if something changes."""
    i, l, a = INST.alias("i"), LOAN.alias("l"), ACCRUAL.alias("a")  # noqa: E741
    dpd = f"COALESCE({db.days_since('agg.oldest_due')}, 0)"
    return f"""
    WITH agg AS (
        SELECT {i.loan} AS loan_id, MIN({overdue_from(i)}) AS oldest_due, SUM({unpaid(i)}) AS overdue_amount,
               SUM({i.penalty_due} - {i.penalty_paid} - {i.penalty_waived}) AS penalty_out
        {_overdue_rows(db)}
        GROUP BY {i.loan}
    ), fig AS (
        SELECT {l.id} AS id, {dpd} AS dpd,
               {db.cents(f"COALESCE(agg.overdue_amount, 0) + COALESCE({a.amount}, 0)")} AS overdue_amount,
               {db.cents(f"COALESCE(agg.penalty_out, 0) + COALESCE({a.amount}, 0)")} AS penalty_out
        FROM {LOAN} l
        LEFT JOIN agg ON agg.loan_id = {l.id}
        LEFT JOIN {ACCRUAL} a ON {a.business_date} = %(d)s AND {a.loan} = {l.id} AND {a.entry} = %(entry)s
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND {l.status} IN {CLOSABLE}
          AND ({l.outstanding_principal} > 0 OR agg.loan_id IS NOT NULL OR {l.days_past_due} > 0
               OR {l.overdue_amount} > 0 OR {l.penalty_outstanding} > 0 OR {l.bucket} <> {lit(bucket_for(0))}
               OR {l.classification} <> {lit(Classification.NORMAL)})
    ), new AS (
        SELECT id, dpd, overdue_amount, penalty_out, {_bucket_case("dpd")} AS bucket,
               {_classification_case("dpd")} AS classification
        FROM fig
    )
    UPDATE {LOAN} AS l
    SET {LOAN.business_date} = %(d)s, {LOAN.days_past_due} = n.dpd, {LOAN.overdue_amount} = n.overdue_amount,
        {LOAN.penalty_outstanding} = n.penalty_out, {LOAN.bucket} = n.bucket,
        {LOAN.classification} = n.classification
    FROM new AS n
    WHERE {l.id} = n.id AND {l.id} BETWEEN %(lo)s AND %(hi)s
      AND ({l.business_date} IS DISTINCT FROM %(d)s OR {l.days_past_due} <> n.dpd
           OR {l.overdue_amount} <> n.overdue_amount OR {l.penalty_outstanding} <> n.penalty_out
           OR {l.bucket} <> n.bucket OR {l.classification} <> n.classification)
    """


# --- step 3: the instalments ------------------------------------------------------------------


def _apply_penalty(db: PostgresDialect) -> str:
    """Adds the accruals just inserted (and only those) to their instalments' penalty due."""
    i, a = INST.alias("i"), ACCRUAL.alias("a")
    return f"""
    UPDATE {INST} AS i SET {INST.penalty_due} = {db.cents(f"{i.penalty_due} + {a.amount}")}
    FROM {ACCRUAL} AS a
    WHERE {a.entry} = %(entry)s AND {i.id} = {a.installment}
    """


def _accruals_by_loan() -> str:
    """The entry's accruals with their loans' branches (the chunk's loans only)."""
    a, l = ACCRUAL.alias("a"), LOAN.alias("l")  # noqa: E741
    return (
        f"{ACCRUAL} a JOIN {LOAN} l ON {l.id} = {a.loan} AND {l.id} BETWEEN %(lo)s AND %(hi)s "
        f"WHERE {a.entry} = %(entry)s"
    )


def _penalty_lines(db: PostgresDialect) -> str:
    """Dr 1133 penalty receivable per loan, Cr 5012 penalty income per branch of the chunk: each
    line in its loan's branch, so the entry balances in every branch. A loan in non-accrual
    books its penalty off balance instead: Dr memo 7012, Cr memo 7099."""
    a, l, j = ACCRUAL.alias("a"), LOAN.alias("l"), LINE  # noqa: E741
    off = f"{l.accrual_status} = {lit(AccrualStatus.NON_ACCRUAL)}"
    return f"""
    INSERT INTO {LINE} ({j.entry}, {j.account}, {j.debit}, {j.credit}, {j.loan_id}, {j.branch})
    SELECT %(entry)s, CASE WHEN {off} THEN %(memo_penalty)s ELSE %(receivable)s END, {a.amount}, 0, {a.loan},
           {l.branch}
    FROM {_accruals_by_loan()}
    UNION ALL
    SELECT %(entry)s, CASE WHEN {off} THEN %(memo_contra)s ELSE %(income)s END, 0, {db.cents(f"SUM({a.amount})")},
           NULL, {l.branch}
    FROM {_accruals_by_loan()}
    GROUP BY {l.branch}, {off}
    """


def _entry_totals(db: PostgresDialect) -> str:
    a = ACCRUAL
    return f"SELECT COUNT(*), {db.cents(f'SUM({a.amount})')} FROM {ACCRUAL} WHERE {a.entry} = %(entry)s"


def _refresh_status(db: PostgresDialect) -> str:
    """Rows that fell due before the business date and are not paid become overdue (or paid if
    nothing is left unpaid), as ``installment_status`` says; rows already right are not written."""
    i, l = INST.alias("i"), LOAN.alias("l")  # noqa: E741
    new = f"CASE WHEN {db.positive(unpaid(i))} THEN {lit(InstallmentStatus.OVERDUE)} ELSE {PAID} END"
    return f"""
    UPDATE {INST} AS i SET {INST.status} = {new}
    FROM {LOAN} AS l
    WHERE {l.id} = {i.loan} AND {l.id} BETWEEN %(lo)s AND %(hi)s AND {l.status} IN {CLOSABLE}
      AND {i.loan} BETWEEN %(lo)s AND %(hi)s AND {i.is_current} AND {i.status} <> {PAID}
      AND {overdue_from(i)} < %(d)s AND {i.schedule_version} = {l.schedule_version}
      AND {i.status} <> {new}
    """


# --- step 4: provisions (servicing.figures.provision_required) ----------------------------------


def _provision_changes(db: PostgresDialect) -> str:
    """Records, per loan whose required provision differs from the one held, the change:
    closable loans need rate(class) × outstanding principal; a closed loan needs none (its
    provision is released). Written-off loans are the write-off's business."""
    l, h, c = LOAN.alias("l"), HELD.alias("h"), CHANGE  # noqa: E741
    *graded, last = CLASSES
    rate = " ".join(f"WHEN {lit(k)} THEN %({rate_param(k)})s" for k in graded)
    required = db.round_half_up(
        f"{l.outstanding_principal} * CASE {l.classification} {rate} ELSE %({rate_param(last)})s END"
    )
    return f"""
    WITH req AS (
        SELECT {l.id} AS loan_id, {l.classification} AS classification,
               CASE WHEN {l.status} IN {CLOSABLE} THEN {required} ELSE 0 END AS required,
               COALESCE({h.amount}, 0) AS held
        FROM {LOAN} l LEFT JOIN {HELD} h ON {h.loan} = {l.id} AND {h.loan} BETWEEN %(lo)s AND %(hi)s
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s
          AND ({l.status} IN {CLOSABLE} OR ({l.status} = {lit(LoanStatus.CLOSED)} AND {h.amount} > 0))
    )
    INSERT INTO {CHANGE} ({c.loan}, {c.business_date}, {c.classification}, {c.amount_before}, {c.amount_after},
                          {c.entry})
    SELECT loan_id, %(d)s, classification, held, required, %(entry)s
    FROM req WHERE required <> held
    ON CONFLICT ({c.business_date}, {c.loan}) DO NOTHING
    """


def _provision_lines(db: PostgresDialect) -> str:
    """Per loan on 1231 (credit when the provision grows, debit when it shrinks), and per branch
    of the chunk the gross charge (Dr 6701) and release (Cr 6701): each line in its loan's
    branch, so the entry balances in every branch."""
    c, l, j = CHANGE.alias("c"), LOAN.alias("l"), LINE  # noqa: E741
    after, before = c.amount_after, c.amount_before
    changes = (
        f"{CHANGE} c JOIN {LOAN} l ON {l.id} = {c.loan} AND {l.id} BETWEEN %(lo)s AND %(hi)s "
        f"WHERE {c.entry} = %(entry)s"
    )
    return f"""
    INSERT INTO {LINE} ({j.entry}, {j.account}, {j.debit}, {j.credit}, {j.loan_id}, {j.branch})
    SELECT %(entry)s, %(provision)s,
           CASE WHEN {after} < {before} THEN {db.cents(f"{before} - {after}")} ELSE 0 END,
           CASE WHEN {after} > {before} THEN {db.cents(f"{after} - {before}")} ELSE 0 END,
           {c.loan}, {l.branch}
    FROM {changes}
    UNION ALL
    SELECT %(entry)s, %(expense)s, {db.cents(f"SUM({after} - {before})")}, 0, NULL, {l.branch}
    FROM {changes} AND {after} > {before}
    GROUP BY {l.branch}
    UNION ALL
    SELECT %(entry)s, %(expense)s, 0, {db.cents(f"SUM({before} - {after})")}, NULL, {l.branch}
    FROM {changes} AND {after} < {before}
    GROUP BY {l.branch}
    """


def _provision_totals(db: PostgresDialect) -> str:
    c = CHANGE
    after, before = c.amount_after, c.amount_before
    increase = db.cents(f"COALESCE(SUM(CASE WHEN {after} > {before} THEN {after} - {before} ELSE 0 END), 0)")
    release = db.cents(f"COALESCE(SUM(CASE WHEN {after} < {before} THEN {before} - {after} ELSE 0 END), 0)")
    return f"SELECT {increase}, {release} FROM {CHANGE} WHERE {c.entry} = %(entry)s"


def _hold_provisions() -> str:
    h, c = HELD, CHANGE
    return f"""
    INSERT INTO {HELD} ({h.loan}, {h.amount}, {h.classification}, {h.business_date})
    SELECT {c.loan}, {c.amount_after}, {c.classification}, {c.business_date} FROM {CHANGE} WHERE {c.entry} = %(entry)s
    ON CONFLICT ({h.loan}) DO UPDATE
    SET {h.amount} = excluded.{h.amount}, {h.classification} = excluded.{h.classification},
        {h.business_date} = excluded.{h.business_date}
    """


# --- step 5: escalation -------------------------------------------------------------------------


def _overdue_loans() -> str:
    return f"""
    SELECT {LOAN.id} FROM {LOAN}
    WHERE {LOAN.id} BETWEEN %(lo)s AND %(hi)s AND {LOAN.status} IN {CLOSABLE} AND {LOAN.days_past_due} > 0
    ORDER BY {LOAN.id}
    """


# --- planning -----------------------------------------------------------------------------------


def _plan_chunks() -> str:
    """Consecutive id ranges of about ``size`` closable loans each."""
    return f"""
    SELECT MIN(id), MAX(id), COUNT(*) FROM (
        SELECT {LOAN.id} AS id, (ROW_NUMBER() OVER (ORDER BY {LOAN.id}) - 1) / %(size)s AS g
        FROM {LOAN} WHERE {LOAN.status} IN {CLOSABLE}
    ) t GROUP BY g ORDER BY g
    """
