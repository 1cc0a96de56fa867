"""Reading the ledger: the trial balance (day totals plus the lines after the roll-up's
watermark), the loan sub-ledger and the balance check run after every test."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db import connection
from django.db.models import Count, F, Q, Sum

from ..lending.money import ZERO, money
from ..models import Branch
from ..scoping import branch_q
from .chart import AccountType, Side
from .models import Account, JournalEntry, JournalLine, LedgerDayTotal, LedgerRollup


def _db_money(value) -> Decimal:
    # PostgreSQL sums numeric exactly; SQLite (the demo database) stores and sums decimals as
    # floats, exact to the cent at any amount a demo book reaches.
    return money(Decimal(repr(value)) if isinstance(value, float) else value)


@dataclass(frozen=True)
class LedgerScope:
    """Whose books: the user's branch and its children (``microloan.scoping``), narrowed to one
    branch subtree when ``branch`` is given (a ``reporting.ReportScope`` reads the same)."""

    user: Any
    branch: Branch | None = None


def _branch_filter(scope, alias: str) -> tuple[str, list]:
    """The SQL condition (on ``alias.branch_id``) and parameters of a scope's branches.

    Staff see the lines of their branch's subtree, as everywhere (``branch_q``); the lines at
    the institution level (no branch) only those whose tree is the whole institution (a
    superuser without a branch, or a user of the branch every other descends from: the head
    office), and only without a branch filter. ``scope=None`` is the whole institution.
    """
    if scope is None:
        return "", []
    user, branch = scope.user, getattr(scope, "branch", None)
    column = f"{alias}.branch_id"
    branches = Branch._meta.db_table
    subtree = f"{column} IN (SELECT id FROM {branches} WHERE path LIKE %s)"
    conditions, params = [], []
    if branch_q(user) == Q():  # a superuser without a branch: everything
        pass
    elif user.branch_id:
        prefix = _like_prefix(user.branch.path)
        # The institution level too when no branch lies outside the user's tree (in the same
        # statement: the tree is read where the lines are).
        conditions.append(
            f"({subtree} OR ({column} IS NULL AND %s AND NOT EXISTS (SELECT 1 FROM {branches} WHERE path NOT LIKE %s)))"
        )
        params += [prefix, branch is None, prefix]
    else:
        return " AND 1 = 0", []  # no branch, no books
    if branch is not None:
        conditions.append(subtree)
        params.append(_like_prefix(branch.path))
    return "".join(f" AND {c}" for c in conditions), params


def _like_prefix(path: str) -> str:
    return path + "%"  # a path is digits and slashes: nothing LIKE would read as a wildcard


def trial_balance(*, as_of: date | None = None, scope=None) -> dict:
    """Every account's debit and credit totals and its balance, with grand totals and the
    totals of each branch; two queries.

    ``scope`` (a ``LedgerScope`` or anything with ``user`` and ``branch``) keeps the lines of
    the branches the user sees (``_branch_filter``); ``None`` is the whole institution.
    ``as_of`` keeps only entries with a business date on or before it. Each row holds
    ``debit``/``credit`` (totals), ``balance`` (signed, on the account's normal side) and
    ``debit_balance``/``credit_balance`` (the net amount in the column it falls in).
    Off-balance (memo) accounts are in ``memo_rows`` (the same shape), apart from ``rows`` and
    out of the totals, with totals of their own (``memo_total_debit``/``_credit``).
    ``branches`` lists each branch with postings in the scope (``id`` None: the institution
    level) with its debits, credits and whether they balance; they add up to the totals.

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
    total_where, total_params = _branch_filter(scope, "t")
    line_where, line_params = _branch_filter(scope, "l")
    if as_of is None:
        totals_part = f"SELECT t.account_id, t.branch_id, t.debit, t.credit FROM {total_table} t WHERE 1 = 1"
        lines_part = (
            f"SELECT l.account_id, l.branch_id, l.debit, l.credit FROM {line_table} l "
            f"WHERE l.id > %s AND l.id > (SELECT w FROM mark)"
        )
        params: list[date | int | str] = [*total_params, seen, *line_params]
    else:
        totals_part = (
            f"SELECT t.account_id, t.branch_id, t.debit, t.credit FROM {total_table} t WHERE t.business_date <= %s"
        )
        lines_part = (
            f"SELECT l.account_id, l.branch_id, l.debit, l.credit FROM {line_table} l "
            f"JOIN {entry_table} e ON e.id = l.entry_id "
            f"WHERE l.id > %s AND l.id > (SELECT w FROM mark) AND e.business_date <= %s"
        )
        params = [as_of, *total_params, seen, as_of, *line_params]
    sql = (
        f"WITH mark AS (SELECT COALESCE(MAX(last_line_id), 0) AS w FROM {mark_table}), "
        f"amounts AS ({totals_part}{total_where} UNION ALL {lines_part}{line_where}) "
        f"SELECT a.code, a.name, a.name_en, a.type, a.normal_side, x.branch_id, b.code, b.name, "
        f"COALESCE(SUM(x.debit), 0), COALESCE(SUM(x.credit), 0) "
        f"FROM {Account._meta.db_table} a LEFT JOIN amounts x ON x.account_id = a.id "
        f"LEFT JOIN {Branch._meta.db_table} b ON b.id = x.branch_id "
        f"GROUP BY a.id, a.code, a.name, a.name_en, a.type, a.normal_side, x.branch_id, b.code, b.name "
        f"ORDER BY a.code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        amounts = cursor.fetchall()
    accounts: dict[str, dict] = {}
    branches: dict[int | None, dict] = {}
    for code, name, name_en, type_, normal_side, branch_id, b_code, b_name, debit, credit in amounts:
        debit, credit = _db_money(debit), _db_money(credit)
        acc = accounts.setdefault(
            code,
            {"code": code, "name": name, "name_en": name_en, "type": type_, "normal_side": normal_side},
        )
        acc["debit"], acc["credit"] = acc.get("debit", ZERO) + debit, acc.get("credit", ZERO) + credit
        if (debit or credit) and type_ != AccountType.MEMO:  # memo lines balance apart
            one = branches.setdefault(
                branch_id, {"id": branch_id, "code": b_code or "", "name": b_name or "", "debit": ZERO, "credit": ZERO}
            )
            one["debit"] += debit
            one["credit"] += credit
    rows: list = []
    memo_rows: list = []
    totals = {"debit": ZERO, "credit": ZERO, "debit_balance": ZERO, "credit_balance": ZERO}
    memo_totals = dict(totals)
    for acc in accounts.values():
        net = acc["debit"] - acc["credit"]
        row = {
            **acc,
            "type_label": AccountType(acc["type"]).label,
            "balance": net if acc["normal_side"] == Side.DEBIT else -net,
            "debit_balance": net if net > 0 else ZERO,
            "credit_balance": -net if net < 0 else ZERO,
        }
        # Off-balance (memo) accounts are listed apart and kept out of the totals: they are a
        # record of what is off the books, balancing among themselves.
        memo = acc["type"] == AccountType.MEMO
        for key in totals:
            (memo_totals if memo else totals)[key] += row[key]
        (memo_rows if memo else rows).append(row)
    for one in branches.values():
        one["balanced"] = one["debit"] == one["credit"]
    return {
        "as_of": as_of,
        "rows": rows,
        "branches": sorted(branches.values(), key=lambda b: (b["id"] is not None, b["code"])),
        "total_debit": totals["debit"],
        "total_credit": totals["credit"],
        "total_debit_balance": totals["debit_balance"],
        "total_credit_balance": totals["credit_balance"],
        "balanced": totals["debit"] == totals["credit"] and totals["debit_balance"] == totals["credit_balance"],
        "memo_rows": memo_rows,
        "memo_total_debit": memo_totals["debit"],
        "memo_total_credit": memo_totals["credit"],
        "memo_balanced": memo_totals["debit"] == memo_totals["credit"],
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
    """Raises AssertionError when any entry has fewer than two lines or debits != credits, in
    total or in any one branch (the institution level counting as one).

    Two GROUP BY ... HAVING queries. Every line belongs to an entry, so when every entry
    balances in every branch the sums over all lines balance too, and so do each branch's.
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
    by_branch = list(
        JournalLine.objects.order_by("entry_id", "branch_id")
        .values("entry_id", "branch_id")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .filter(Q(d__lt=F("c")) | Q(d__gt=F("c")))
        .values_list("entry_id", "branch_id", "d", "c")[:20]
    )
    if by_branch:
        detail = ", ".join(f"#{pk} branch {b}: Dr {d} Cr {c}" for pk, b, d, c in by_branch)
        raise AssertionError(f"The ledger is unbalanced in a branch: {detail}")
