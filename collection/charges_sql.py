"""The daily close's charges step (the rules of ``servicing.charges``), set-based per chunk.

For the chunk's live loans, on their current schedule, it charges once per instalment:

- the service and the insurance fee of the product, from the day the instalment's period
  starts (its previous due date, or the disbursement);
- the late fee of the product (its fixed fee + its rate × the principal and interest unpaid,
  half-up to the cent), the first day the instalment is overdue past the loan's grace days.

One journal entry per (date, chunk) (``charges:<date>:<chunk>``) holds the day's charges:
Dr fee receivable per loan, Cr fee income per branch. ON CONFLICT on the charge's unique
(instalment, kind) makes a re-run, or a later day, charge nothing twice. The charges go onto
their instalments' fee due (a paid instalment charged again is paid no more) before the loan
figures are computed, so the day's overdue amount includes them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache

from django.db import connection

from applications.models import Product
from microloan.ledger import Account, Acct, EntryKind, JournalLine, ensure_chart
from servicing.models import Charge, ChargeKind, ChargeStatus, Installment, InstallmentStatus, Loan

from .close_sql import CLOSABLE, DIALECTS, PAID, PostgresDialect, Table, lit

LOAN, INST, PRODUCT, CHARGE, LINE = Table(Loan), Table(Installment), Table(Product), Table(Charge), Table(JournalLine)


def _insert_charges(db: PostgresDialect) -> str:
    i, p, l, pr, c = INST.alias("i"), INST.alias("p"), LOAN.alias("l"), PRODUCT.alias("pr"), CHARGE  # noqa: E741
    overdue = f"({i.principal_due} - {i.principal_paid} + {i.interest_due} - {i.interest_paid} - {i.interest_waived})"
    late = db.round_half_up(f"{pr.late_fee_fixed} + {pr.late_fee_rate} * s.overdue")
    late_days = db.days_since("s.due_date")
    return f"""
    WITH s AS (
        SELECT {i.id} AS id, {i.loan} AS loan_id, {i.due_date} AS due_date, {l.product} AS product_id,
               {l.grace_days} AS grace_days, {overdue} AS overdue,
               COALESCE((SELECT MAX({p.due_date}) FROM {INST} p
                         WHERE {p.loan} = {i.loan} AND {p.is_current} AND {p.schedule_version} = {l.schedule_version}
                           AND {p.due_date} < {i.due_date}), {l.disbursed_on}) AS period_start
        FROM {INST} i JOIN {LOAN} l ON {l.id} = {i.loan}
        WHERE {l.id} BETWEEN %(lo)s AND %(hi)s AND {l.status} IN {CLOSABLE}
          AND {i.loan} BETWEEN %(lo)s AND %(hi)s AND {i.is_current} AND {i.schedule_version} = {l.schedule_version}
    ), due AS (
        SELECT s.id, s.loan_id, {lit(ChargeKind.SERVICE_FEE)} AS kind, {pr.service_fee} AS amount
        FROM s JOIN {PRODUCT} pr ON {pr.id} = s.product_id
        WHERE {pr.service_fee} > 0 AND s.period_start <= %(d)s
        UNION ALL
        SELECT s.id, s.loan_id, {lit(ChargeKind.INSURANCE_FEE)}, {pr.insurance_fee}
        FROM s JOIN {PRODUCT} pr ON {pr.id} = s.product_id
        WHERE {pr.insurance_fee} > 0 AND s.period_start <= %(d)s
        UNION ALL
        SELECT s.id, s.loan_id, {lit(ChargeKind.LATE_FEE)}, {late}
        FROM s JOIN {PRODUCT} pr ON {pr.id} = s.product_id
        WHERE ({pr.late_fee_fixed} > 0 OR {pr.late_fee_rate} > 0) AND {db.positive("s.overdue")}
          AND {late_days} > s.grace_days
    )
    INSERT INTO {CHARGE} ({c.loan}, {c.installment}, {c.kind}, {c.amount}, {c.charged_on}, {c.status}, {c.waived},
                          {c.waiver_reason}, {c.entry})
    SELECT loan_id, id, kind, amount, %(d)s, {lit(ChargeStatus.OPEN)}, 0, '', %(entry)s
    FROM due WHERE amount > 0
    ON CONFLICT DO NOTHING
    """


def _apply_charges(db: PostgresDialect) -> str:
    """Adds the entry's charges to their instalments' fee due; a row that was paid is paid no more."""
    i, c = INST.alias("i"), CHARGE
    reopened = f"CASE WHEN {i.status} = {PAID} THEN {lit(InstallmentStatus.PARTIALLY_PAID)} ELSE {i.status} END"
    return f"""
    UPDATE {INST} AS i
    SET {INST.fee_due} = {db.cents(f"{i.fee_due} + t.amount")}, {INST.status} = {reopened}, {INST.paid_on} = NULL
    FROM (SELECT {c.installment} AS installment_id, SUM({c.amount}) AS amount FROM {CHARGE}
          WHERE {c.entry} = %(entry)s GROUP BY {c.installment}) AS t
    WHERE {i.id} = t.installment_id
    """


def _charge_lines(db: PostgresDialect) -> str:
    """Dr 1134 fee receivable per loan, Cr 5021 fee income per branch: balanced in each branch."""
    c, l, j = CHARGE.alias("c"), LOAN.alias("l"), LINE  # noqa: E741
    rows = f"{CHARGE} c JOIN {LOAN} l ON {l.id} = {c.loan} WHERE {c.entry} = %(entry)s"
    return f"""
    INSERT INTO {LINE} ({j.entry}, {j.account}, {j.debit}, {j.credit}, {j.loan_id}, {j.branch})
    SELECT %(entry)s, %(fee_receivable)s, {db.cents(f"SUM({c.amount})")}, 0, {c.loan}, {l.branch}
    FROM {rows} GROUP BY {c.loan}, {l.branch}
    UNION ALL
    SELECT %(entry)s, %(fee_income)s, 0, {db.cents(f"SUM({c.amount})")}, NULL, {l.branch}
    FROM {rows} GROUP BY {l.branch}
    """


@cache
def charges_sql(vendor: str) -> tuple[str, str, str]:
    db = DIALECTS[vendor]
    return _insert_charges(db), _apply_charges(db), _charge_lines(db)


def _accounts() -> dict[str, int]:
    codes = {Acct.FEE_RECEIVABLE, Acct.FEE_INCOME}
    ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    if len(ids) < len(codes):
        ensure_chart()
        ids = dict(Account.objects.filter(code__in=codes).values_list("code", "id"))
    return ids


def charges_close_step(cur, *, open_entry: Callable[..., int | None], day: date, chunk_key: str, params: dict) -> int:
    """Charges the chunk's fees for ``day`` (``open_entry``: the close's, which makes the entry
    only when the insert wrote a row and only once per key); returns the entry's id or 0."""
    insert, apply, lines = charges_sql(connection.vendor)
    accounts = _accounts()
    step = {**params, "fee_receivable": accounts[Acct.FEE_RECEIVABLE], "fee_income": accounts[Acct.FEE_INCOME]}
    entry = open_entry(
        cur,
        kind=EntryKind.FEE,
        key=f"charges:{day.isoformat()}:{chunk_key}",
        business_date=day,
        memo=f"Charges {day.isoformat()}, loans {chunk_key}",
        insert_sql=insert,
        params=step,
    )
    if not entry:
        return 0
    step["entry"] = entry
    cur.execute(apply, step)
    cur.execute(lines, step)
    return entry
