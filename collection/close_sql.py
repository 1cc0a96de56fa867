"""The SQL of the daily close: a few set-based statements per chunk of loans.

Every statement works on one loan-id range (``%(lo)s``..``%(hi)s``) and one business date
(``%(d)s``), and writes only rows whose values change, so the cost of a day follows what
happened that day (new arrears, payments, reclassifications), not the size of the book. The
one exception: every open loan's ``business_date`` moves to the closed date, because the API
shows it as the date its figures are as of (a HOT update, see migration 0003).

The instalments a day can touch are found through the partial index
``collection_inst_unpaid_due`` (current, not paid; by loan and due date): paid rows, which are
most of a seasoned book, are never read.

Written for PostgreSQL; a few fragments differ on SQLite (the demo database), where Django
keeps decimals as floating point, so amounts are rounded explicitly there.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicing.models import Installment, LoanStatus

LOAN = "servicing_loan"
INST = "servicing_installment"
ACCRUAL = "collection_penaltyaccrual"
HELD = "collection_loanprovision"
CHANGE = "collection_provisionchange"
LINE = "microloan_journalline"

# Loans the close works on. A loan with nothing outstanding (and no stale figures to clear) is
# left alone: no business date stamp, no penalty, no provision.
CLOSABLE = LoanStatus.live_sql()

# An instalment's unpaid total: the rule shared with repayments (servicing.models.Installment.unpaid),
# interest forgiven at an early payoff included.
UNPAID = Installment.unpaid_sql("i")

# The current schedule's rows of the chunk's closable loans that fell due before the business
# date and are not paid: the overdue rows. ``i.is_current AND i.status <> 'paid'`` is the
# partial index's predicate, written the same way so the planner uses it; the unpaid total is
# checked too, so a row paid off but not yet marked 'paid' never counts.
OVERDUE_ROWS = f"""
    FROM {INST} i JOIN {LOAN} l ON l.id = i.loan_id
    WHERE l.id BETWEEN %(lo)s AND %(hi)s AND l.status IN {CLOSABLE}
      AND i.loan_id BETWEEN %(lo)s AND %(hi)s AND i.is_current AND i.status <> 'paid'
      AND i.due_date < %(d)s AND i.schedule_version = l.schedule_version AND {{unpaid_positive}}
"""


@dataclass(frozen=True)
class CloseSQL:
    vendor: str

    # --- dialect ------------------------------------------------------------------------

    @property
    def pg(self) -> bool:
        return self.vendor == "postgresql"

    def days_since(self, column: str) -> str:
        """Whole days from ``column`` (a date) to the business date."""
        if self.pg:
            return f"(CAST(%(d)s AS date) - {column})"
        return f"CAST(julianday(%(d)s) - julianday({column}) AS INTEGER)"

    def round_half_up(self, expr: str) -> str:
        """Rounds a non-negative amount to the cent, half-up. PostgreSQL's numeric ROUND rounds
        ties away from zero; on SQLite the amount is a float, nudged so 0.125 stays 0.13."""
        if self.pg:
            return f"ROUND({expr}, 2)"
        return f"(CAST(({expr}) * 100 + 0.5 + 1e-9 AS INTEGER) / 100.0)"

    def cents(self, expr: str) -> str:
        """A sum of two-place amounts: exact on PostgreSQL, re-rounded on SQLite."""
        return expr if self.pg else f"ROUND({expr}, 2)"

    def positive(self, expr: str) -> str:
        return f"{expr} > 0" if self.pg else f"ROUND({expr}, 2) > 0"

    def overdue_rows(self) -> str:
        return OVERDUE_ROWS.format(unpaid_positive=self.positive(UNPAID))

    # --- step 0: lock -------------------------------------------------------------------------

    @property
    def lock_loans(self) -> str | None:
        """Locks the chunk's loans before anything is read, in id order. A repayment posting
        locks its loan first too, so it either finishes before the close reads that loan or
        waits for the chunk to commit: the close never computes from instalments a posting is
        changing (its UPDATEs would otherwise write figures computed from the state before the
        posting), and the two cannot deadlock. SQLite has one writer at a time anyway."""
        if not self.pg:
            return None
        return f"""
        SELECT COUNT(*) FROM (
            SELECT id FROM {LOAN} WHERE id BETWEEN %(lo)s AND %(hi)s ORDER BY id FOR NO KEY UPDATE
        ) locked
        """

    # --- step 1: penalty interest -----------------------------------------------------------

    @property
    def accrue_penalty(self) -> str:
        """One accrual per loan past its grace days: the overdue principal at the end of the
        day × the penalty rate / the day basis, to the cent, for the oldest overdue instalment.
        ON CONFLICT: a loan's day is accrued once, whoever runs it and however often."""
        dpd = self.days_since("p.oldest_due")
        amount = self.round_half_up("p.principal * l.penalty_rate / %(basis)s")
        return f"""
        WITH od AS (
            SELECT i.loan_id, i.id, i.due_date, i.principal_due - i.principal_paid AS principal,
                   ROW_NUMBER() OVER (PARTITION BY i.loan_id ORDER BY i.due_date, i.number) AS rn
            {self.overdue_rows()}
        ), p AS (
            SELECT loan_id, MIN(due_date) AS oldest_due, SUM(principal) AS principal,
                   MAX(CASE WHEN rn = 1 THEN id END) AS oldest_id
            FROM od GROUP BY loan_id
        ), a AS (
            SELECT p.loan_id, p.oldest_id, {dpd} AS dpd, {self.cents("p.principal")} AS principal,
                   l.penalty_rate, {amount} AS amount
            FROM p JOIN {LOAN} l ON l.id = p.loan_id
            WHERE l.id BETWEEN %(lo)s AND %(hi)s AND {dpd} > l.grace_days
        )
        INSERT INTO {ACCRUAL} (loan_id, business_date, installment_id, days_past_due, overdue_principal,
                               penalty_rate, amount, entry_id)
        SELECT loan_id, %(d)s, oldest_id, dpd, principal, penalty_rate, amount, %(entry)s
        FROM a WHERE amount > 0
        ON CONFLICT (business_date, loan_id) DO NOTHING
        """

    # --- step 2: the loan's figures -----------------------------------------------------------

    def loan_figures(self, *, over: dict[str, int]) -> str:
        """Stamps the business date on the chunk's loans with something outstanding and sets
        their days past due, overdue amount, penalty outstanding (both with the day's accrual,
        ``%(entry)s``), bucket and class; a loan is written once, and only if something changes."""
        dpd = f"COALESCE({self.days_since('agg.oldest_due')}, 0)"
        return f"""
        WITH agg AS (
            SELECT i.loan_id, MIN(i.due_date) AS oldest_due, SUM({UNPAID}) AS overdue_amount,
                   SUM(i.penalty_due - i.penalty_paid - i.penalty_waived) AS penalty_out
            {self.overdue_rows()}
            GROUP BY i.loan_id
        ), fig AS (
            SELECT l.id, {dpd} AS dpd,
                   {self.cents("COALESCE(agg.overdue_amount, 0) + COALESCE(a.amount, 0)")} AS overdue_amount,
                   {self.cents("COALESCE(agg.penalty_out, 0) + COALESCE(a.amount, 0)")} AS penalty_out
            FROM {LOAN} l
            LEFT JOIN agg ON agg.loan_id = l.id
            LEFT JOIN {ACCRUAL} a ON a.business_date = %(d)s AND a.loan_id = l.id AND a.entry_id = %(entry)s
            WHERE l.id BETWEEN %(lo)s AND %(hi)s AND l.status IN {CLOSABLE}
              AND (l.outstanding_principal > 0 OR agg.loan_id IS NOT NULL OR l.days_past_due > 0
                   OR l.overdue_amount > 0 OR l.penalty_outstanding > 0 OR l.bucket <> 'current'
                   OR l.classification <> 'normal')
        ), new AS (
            SELECT id, dpd, overdue_amount, penalty_out,
                   CASE WHEN dpd <= 0 THEN 'current' WHEN dpd <= 30 THEN '1-30' WHEN dpd <= 60 THEN '31-60'
                        WHEN dpd <= 90 THEN '61-90' WHEN dpd <= 180 THEN '91-180' ELSE '180+' END AS bucket,
                   CASE WHEN dpd > {int(over["loss"])} THEN 'loss'
                        WHEN dpd > {int(over["doubtful"])} THEN 'doubtful'
                        WHEN dpd > {int(over["substandard"])} THEN 'substandard'
                        WHEN dpd > {int(over["special_mention"])} THEN 'special_mention'
                        ELSE 'normal' END AS classification
            FROM fig
        )
        UPDATE {LOAN} AS l
        SET business_date = %(d)s, days_past_due = n.dpd, overdue_amount = n.overdue_amount,
            penalty_outstanding = n.penalty_out, bucket = n.bucket, classification = n.classification
        FROM new AS n
        WHERE l.id = n.id AND l.id BETWEEN %(lo)s AND %(hi)s
          AND (l.business_date IS DISTINCT FROM %(d)s OR l.days_past_due <> n.dpd
               OR l.overdue_amount <> n.overdue_amount OR l.penalty_outstanding <> n.penalty_out
               OR l.bucket <> n.bucket OR l.classification <> n.classification)
        """

    # --- step 3: the instalments -----------------------------------------------------------

    @property
    def apply_penalty(self) -> str:
        """Adds the accruals just inserted (and only those) to their instalments' penalty due."""
        return f"""
        UPDATE {INST} AS i SET penalty_due = {self.cents("i.penalty_due + a.amount")}
        FROM {ACCRUAL} AS a
        WHERE a.entry_id = %(entry)s AND i.id = a.installment_id
        """

    @property
    def penalty_lines(self) -> str:
        """Dr 1133 penalty receivable per loan, Cr 5012 penalty income for the chunk."""
        return f"""
        INSERT INTO {LINE} (entry_id, account_id, debit, credit, loan_id)
        SELECT %(entry)s, %(receivable)s, a.amount, 0, a.loan_id
        FROM {ACCRUAL} a WHERE a.entry_id = %(entry)s
        UNION ALL
        SELECT %(entry)s, %(income)s, 0, {self.cents("SUM(a.amount)")}, NULL
        FROM {ACCRUAL} a WHERE a.entry_id = %(entry)s
        HAVING COUNT(*) > 0
        """

    @property
    def entry_totals(self) -> str:
        return f"SELECT COUNT(*), {self.cents('SUM(amount)')} FROM {ACCRUAL} WHERE entry_id = %(entry)s"

    @property
    def refresh_status(self) -> str:
        """Rows that fell due before the business date and are not paid become 'overdue' (or
        'paid' if nothing is left unpaid); rows already right are not written."""
        new = f"CASE WHEN {self.positive(UNPAID)} THEN 'overdue' ELSE 'paid' END"
        return f"""
        UPDATE {INST} AS i SET status = {new}
        FROM {LOAN} AS l
        WHERE l.id = i.loan_id AND l.id BETWEEN %(lo)s AND %(hi)s AND l.status IN {CLOSABLE}
          AND i.loan_id BETWEEN %(lo)s AND %(hi)s AND i.is_current AND i.status <> 'paid'
          AND i.due_date < %(d)s AND i.schedule_version = l.schedule_version
          AND i.status <> {new}
        """

    # --- step 4: provisions ---------------------------------------------------------------------

    @property
    def provision_changes(self) -> str:
        """Records, per loan whose required provision differs from the one held, the change:
        closable loans need rate(class) × outstanding principal; a closed loan needs none (its
        provision is released). Written-off loans are the write-off's business."""
        required = self.round_half_up(
            "l.outstanding_principal * CASE l.classification"
            " WHEN 'normal' THEN %(r_normal)s WHEN 'special_mention' THEN %(r_special_mention)s"
            " WHEN 'substandard' THEN %(r_substandard)s WHEN 'doubtful' THEN %(r_doubtful)s"
            " ELSE %(r_loss)s END")
        return f"""
        WITH req AS (
            SELECT l.id AS loan_id, l.classification,
                   CASE WHEN l.status IN {CLOSABLE} THEN {required} ELSE 0 END AS required,
                   COALESCE(h.amount, 0) AS held
            FROM {LOAN} l LEFT JOIN {HELD} h ON h.loan_id = l.id AND h.loan_id BETWEEN %(lo)s AND %(hi)s
            WHERE l.id BETWEEN %(lo)s AND %(hi)s
              AND (l.status IN {CLOSABLE} OR (l.status = 'closed' AND h.amount > 0))
        )
        INSERT INTO {CHANGE} (loan_id, business_date, classification, amount_before, amount_after, entry_id)
        SELECT loan_id, %(d)s, classification, held, required, %(entry)s
        FROM req WHERE required <> held
        ON CONFLICT (business_date, loan_id) DO NOTHING
        """

    @property
    def provision_lines(self) -> str:
        """Per loan on 1231 (credit when the provision grows, debit when it shrinks), and the
        chunk's gross charge (Dr 6701) and release (Cr 6701)."""
        return f"""
        INSERT INTO {LINE} (entry_id, account_id, debit, credit, loan_id)
        SELECT %(entry)s, %(provision)s,
               CASE WHEN c.amount_after < c.amount_before THEN {self.cents("c.amount_before - c.amount_after")}
                    ELSE 0 END,
               CASE WHEN c.amount_after > c.amount_before THEN {self.cents("c.amount_after - c.amount_before")}
                    ELSE 0 END,
               c.loan_id
        FROM {CHANGE} c WHERE c.entry_id = %(entry)s
        UNION ALL
        SELECT %(entry)s, %(expense)s, {self.cents("SUM(c.amount_after - c.amount_before)")}, 0, NULL
        FROM {CHANGE} c WHERE c.entry_id = %(entry)s AND c.amount_after > c.amount_before
        HAVING COUNT(*) > 0
        UNION ALL
        SELECT %(entry)s, %(expense)s, 0, {self.cents("SUM(c.amount_before - c.amount_after)")}, NULL
        FROM {CHANGE} c WHERE c.entry_id = %(entry)s AND c.amount_after < c.amount_before
        HAVING COUNT(*) > 0
        """

    @property
    def provision_totals(self) -> str:
        return f"""
        SELECT {self.cents("COALESCE(SUM(CASE WHEN amount_after > amount_before"
                           " THEN amount_after - amount_before ELSE 0 END), 0)")},
               {self.cents("COALESCE(SUM(CASE WHEN amount_after < amount_before"
                           " THEN amount_before - amount_after ELSE 0 END), 0)")}
        FROM {CHANGE} WHERE entry_id = %(entry)s
        """

    @property
    def hold_provisions(self) -> str:
        return f"""
        INSERT INTO {HELD} (loan_id, amount, classification, business_date)
        SELECT loan_id, amount_after, classification, business_date FROM {CHANGE} WHERE entry_id = %(entry)s
        ON CONFLICT (loan_id) DO UPDATE
        SET amount = excluded.amount, classification = excluded.classification,
            business_date = excluded.business_date
        """

    # --- step 5: escalation ---------------------------------------------------------------------

    @property
    def overdue_loans(self) -> str:
        return f"""
        SELECT id FROM {LOAN}
        WHERE id BETWEEN %(lo)s AND %(hi)s AND status IN {CLOSABLE} AND days_past_due > 0
        ORDER BY id
        """

    # --- planning -------------------------------------------------------------------------------

    @property
    def plan_chunks(self) -> str:
        """Consecutive id ranges of about ``size`` closable loans each."""
        return f"""
        SELECT MIN(id), MAX(id), COUNT(*) FROM (
            SELECT id, (ROW_NUMBER() OVER (ORDER BY id) - 1) / %(size)s AS g
            FROM {LOAN} WHERE status IN {CLOSABLE}
        ) t GROUP BY g ORDER BY g
        """
