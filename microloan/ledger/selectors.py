"""Reading the ledger: the trial balance (day totals plus the lines after the roll-up's
watermark), the loan sub-ledger and the balance check run after every test."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import cast

from django.db import connection
from django.db.models import Count, F, Q, Sum

from ..lending.money import ZERO, money
from .chart import AccountType, Side
from .models import Account, JournalEntry, JournalLine, LedgerDayTotal, LedgerRollup


def _db_money(value) -> Decimal:
    # PostgreSQL sums numeric exactly; SQLite (the demo database) stores and sums decimals as
    # floats, exact to the cent at any amount a demo book reaches.
    return money(Decimal(repr(value)) if isinstance(value, float) else value)


def trial_balance(*, as_of: date | None = None) -> dict:
    """Every account's debit and credit totals and its balance, with grand totals; two queries.

    ``as_of`` keeps only entries with a business date on or before it. Each row holds
    ``debit``/``credit`` (totals), ``balance`` (signed, on the account's normal side) and
    ``debit_balance``/``credit_balance`` (the net amount in the column it falls in).

    The totals are the rolled-up day totals plus the journal lines after the roll-up's
    watermark, read in one statement so that a roll-up committing meanwhile cannot make a
    line count twice or not at all.
    """
    line_table, entry_table = JournalLine._meta.db_table, JournalEntry._meta.db_table
    total_table, mark_table = LedgerDayTotal._meta.db_table, LedgerRollup._meta.db_table
    # The watermark as read just before is a literal the planner can use (an index range of
    # the few lines after it); the one read inside the statement keeps it consistent if a
    # roll-up commits in between (the watermark only grows).
    seen = LedgerRollup.objects.filter(pk=1).values_list("last_line_id", flat=True).first() or 0
    if as_of is None:
        totals_part = f"SELECT t.account_id, t.debit, t.credit FROM {total_table} t"
        lines_part = (
            f"SELECT l.account_id, l.debit, l.credit FROM {line_table} l "
            f"WHERE l.id > %s AND l.id > (SELECT w FROM mark)"
        )
        params: list[date | int] = [seen]
    else:
        totals_part = f"SELECT t.account_id, t.debit, t.credit FROM {total_table} t WHERE t.business_date <= %s"
        lines_part = (
            f"SELECT l.account_id, l.debit, l.credit FROM {line_table} l "
            f"JOIN {entry_table} e ON e.id = l.entry_id "
            f"WHERE l.id > %s AND l.id > (SELECT w FROM mark) AND e.business_date <= %s"
        )
        params = [as_of, seen, as_of]
    sql = (
        f"WITH mark AS (SELECT COALESCE(MAX(last_line_id), 0) AS w FROM {mark_table}), "
        f"amounts AS ({totals_part} UNION ALL {lines_part}) "
        f"SELECT a.code, a.name, a.name_en, a.type, a.normal_side, "
        f"COALESCE(SUM(x.debit), 0), COALESCE(SUM(x.credit), 0) "
        f"FROM {Account._meta.db_table} a LEFT JOIN amounts x ON x.account_id = a.id "
        f"GROUP BY a.id, a.code, a.name, a.name_en, a.type, a.normal_side ORDER BY a.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        accounts = cursor.fetchall()
    rows = []
    totals = {"debit": ZERO, "credit": ZERO, "debit_balance": ZERO, "credit_balance": ZERO}
    for code, name, name_en, type_, normal_side, debit, credit in accounts:
        debit, credit = _db_money(debit), _db_money(credit)
        net = debit - credit
        row = {
            "code": code,
            "name": name,
            "name_en": name_en,
            "type": type_,
            "normal_side": normal_side,
            "type_label": AccountType(type_).label,
            "debit": debit,
            "credit": credit,
            "balance": net if normal_side == Side.DEBIT else -net,
            "debit_balance": net if net > 0 else ZERO,
            "credit_balance": -net if net < 0 else ZERO,
        }
        for key in totals:
            totals[key] += row[key]
        rows.append(row)
    return {
        "as_of": as_of,
        "rows": rows,
        "total_debit": totals["debit"],
        "total_credit": totals["credit"],
        "total_debit_balance": totals["debit_balance"],
        "total_credit_balance": totals["credit_balance"],
        "balanced": totals["debit"] == totals["credit"] and totals["debit_balance"] == totals["credit_balance"],
    }


def balances_by_loan(
    *, loan_ids: Iterable[int], account_codes: Iterable[str], as_of: date | None = None
) -> dict[int, dict[str, Decimal]]:
    """``{loan_id: {account_code: balance}}`` on each account's normal side; one query.

    Every requested loan and code is present (zero when nothing was posted).
    """
    loan_ids, account_codes = list(loan_ids), list(account_codes)
    result = {loan_id: dict.fromkeys(account_codes, ZERO) for loan_id in loan_ids}
    if not loan_ids or not account_codes:
        return result
    qs = JournalLine.objects.filter(loan_id__in=loan_ids, account__code__in=account_codes)
    if as_of is not None:
        qs = qs.filter(entry__business_date__lte=as_of)
    rows = (
        qs.order_by()
        .values("loan_id", "account__code", "account__normal_side")
        .annotate(d=Sum("debit"), c=Sum("credit"))
    )
    for row in rows:
        net = row["d"] - row["c"]
        balances = result[cast(int, row["loan_id"])]  # loan_id__in: never None here
        balances[row["account__code"]] = net if row["account__normal_side"] == Side.DEBIT else -net
    return result


def assert_ledger_balanced() -> None:
    """Raises AssertionError when any entry has fewer than two lines or debits != credits.

    One GROUP BY ... HAVING query. Every line belongs to an entry, so when every entry
    balances the sums over all lines balance too.
    """
    bad = list(
        JournalEntry.objects.order_by("id")
        .annotate(n=Count("lines"), d=Sum("lines__debit"), c=Sum("lines__credit"))
        .filter(Q(n__lt=2) | Q(d__lt=F("c")) | Q(d__gt=F("c")))
        .values_list("id", "n", "d", "c")[:20]
    )
    if bad:
        detail = ", ".join(f"#{pk}: {n} lines, Dr {d} Cr {c}" for pk, n, d, c in bad)
        raise AssertionError(f"The ledger is unbalanced: {detail}")
