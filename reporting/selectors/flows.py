"""Flow reports over a date range: disbursements and collections per day or month, and the
loan officers' performance (their book as of the close beside what they disbursed and
collected)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    Count,
    F,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from collection.case_models import Recovery, RecoveryStatus, WriteOff, WriteOffStatus
from microloan.lending.money import ZERO
from microloan.models import User
from microloan.permissions import require
from servicing.models import Loan, Repayment, RepaymentAllocation, RepaymentStatus

from .scope import (
    PERIODS,
    ReportScope,
    ratio,
    without_jit,
)
from .stock import add_cell, par_cube, par_row, portfolio_snapshot

# --- 3. disbursements and collections ----------------------------------------------------


def periods(date_from: date, date_to: date, period: str) -> list[date]:
    """The first day of every day or month from ``date_from`` to ``date_to``."""
    if period == "month":
        out, day = [], date_from.replace(day=1)
        while day <= date_to:
            out.append(day)
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out
    return [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def _by_period(qs: QuerySet, field: str, period: str, **measures) -> dict[date, dict]:
    bucket = TruncMonth(field) if period == "month" else F(field)
    return {r["period"]: r for r in qs.order_by().annotate(period=bucket).values("period").annotate(**measures)}


def disbursements_collections(*, scope: ReportScope, date_from: date, date_to: date, period: str = "day") -> dict:
    """Per day or month of the range: loans disbursed (count, principal, cash paid out, fees
    kept), repayments collected split into principal, interest, penalty and fees from their
    allocations (the order penalty → fees → interest → principal decided the split) plus the
    overpayment held as the borrower's credit, reversed postings left out (and counted apart),
    and recoveries on written-off loans. Five queries."""
    require(scope.user, "report.view")
    if period not in PERIODS:
        period = "day"
    span = {"date_from": date_from, "date_to": date_to, "period": period}
    disbursed = _by_period(
        Loan.objects.filter(scope.q(), disbursed_on__range=(date_from, date_to)),
        "disbursed_on",
        period,
        loans=Count("pk"),
        principal=Sum("principal"),
        paid_out=Sum("disbursed_amount"),
        fees=Sum("fee"),
    )
    posted = Q(status=RepaymentStatus.POSTED)
    repaid = _by_period(
        Repayment.objects.filter(scope.q("loan__"), paid_on__range=(date_from, date_to)),
        "paid_on",
        period,
        repayments=Count("pk", filter=posted),
        collected=Sum("amount", filter=posted),
        credit=Sum("unapplied", filter=posted),
        reversed=Count("pk", filter=~posted),
        reversed_amount=Sum("amount", filter=~posted),
    )
    # Allocations of reversed postings are deleted with the reversal; the filter says so anyway.
    split = _by_period(
        RepaymentAllocation.objects.filter(
            scope.q("repayment__loan__"),
            repayment__status=RepaymentStatus.POSTED,
            repayment__paid_on__range=(date_from, date_to),
        ),
        "repayment__paid_on",
        period,
        principal=Sum("principal"),
        interest=Sum("interest"),
        penalty=Sum("penalty"),
        fee=Sum("fee"),
    )
    recovered = _by_period(
        # Confirmed ones only: a recorded recovery is not money on the books until a second
        # person confirms it (and one returned never is).
        Recovery.objects.filter(
            scope.q("loan__"), status=RecoveryStatus.CONFIRMED, received_on__range=(date_from, date_to)
        ),
        "received_on",
        period,
        recoveries=Count("pk"),
        recovered=Sum("amount"),
    )
    written_off = WriteOff.objects.filter(
        scope.q("loan__"), status=WriteOffStatus.APPROVED, business_date__range=(date_from, date_to)
    ).aggregate(loans=Count("pk"), principal=Sum("principal"))
    counts = ("loans", "repayments", "reversed", "recoveries")
    amounts = (
        "principal",
        "paid_out",
        "fees",
        "collected",
        "collected_principal",
        "interest",
        "penalty",
        "fee",
        "credit",
        "reversed_amount",
        "recovered",
    )
    rows, total = [], {**dict.fromkeys(counts, 0), **dict.fromkeys(amounts, ZERO)}
    for start in periods(date_from, date_to, period):
        d, r, s, c = (disbursed.get(start, {}), repaid.get(start, {}), split.get(start, {}), recovered.get(start, {}))
        row = {
            "period": start,
            "loans": d.get("loans") or 0,
            "principal": d.get("principal") or ZERO,
            "paid_out": d.get("paid_out") or ZERO,
            "fees": d.get("fees") or ZERO,
            "repayments": r.get("repayments") or 0,
            "collected": r.get("collected") or ZERO,
            "collected_principal": s.get("principal") or ZERO,
            "interest": s.get("interest") or ZERO,
            "penalty": s.get("penalty") or ZERO,
            "fee": s.get("fee") or ZERO,
            "credit": r.get("credit") or ZERO,
            "reversed": r.get("reversed") or 0,
            "reversed_amount": r.get("reversed_amount") or ZERO,
            "recoveries": c.get("recoveries") or 0,
            "recovered": c.get("recovered") or ZERO,
        }
        for key in total:
            total[key] += row[key]
        rows.append(row)
    return {
        **span,
        "rows": rows,
        "total": total,
        "written_off": {"loans": written_off["loans"] or 0, "principal": written_off["principal"] or ZERO},
    }


# --- 4. officer performance --------------------------------------------------------------


def officer_performance(*, scope: ReportScope, as_of: date | None, date_from: date, date_to: date) -> dict:
    """Per loan officer (the officer on the loan): loans disbursed in the range (count,
    principal), the active portfolio and its PAR30 as of the last close, and what was collected
    on their loans in the range (posted repayments). Four queries."""
    require(scope.user, "report.view")
    portfolio: dict = {}
    if as_of is not None:
        with without_jit():
            cells = list(par_cube(portfolio_snapshot(scope=scope, as_of=as_of, held=False), "officer"))
        for cell in cells:
            add_cell(portfolio.setdefault(cell["officer"], par_row()), cell)
    disbursed = {
        r["officer"]: r
        for r in Loan.objects.filter(scope.q(), disbursed_on__range=(date_from, date_to))
        .order_by()
        .values("officer")
        .annotate(loans=Count("pk"), principal=Sum("principal"))
    }
    collected = {
        r["loan__officer"]: r
        for r in Repayment.objects.filter(
            scope.q("loan__"), status=RepaymentStatus.POSTED, paid_on__range=(date_from, date_to)
        )
        .order_by()
        .values("loan__officer")
        .annotate(repayments=Count("pk"), collected=Sum("amount"))
    }
    ids = set(portfolio) | set(disbursed) | set(collected)
    people = {
        u["pk"]: u
        for u in User.objects.filter(pk__in=[i for i in ids if i is not None]).values(
            "pk", "username", "first_name", "last_name", "branch__name"
        )
    }
    rows = []
    total = {
        "disbursed_loans": 0,
        "disbursed": ZERO,
        "active_loans": 0,
        "portfolio": ZERO,
        "par30_principal": ZERO,
        "repayments": 0,
        "collected": ZERO,
    }
    for officer_id in ids:
        p, d = portfolio.get(officer_id) or par_row(), disbursed.get(officer_id, {})
        c, u = collected.get(officer_id, {}), people.get(officer_id, {})
        full = f"{u.get('last_name', '')}{u.get('first_name', '')}".strip()
        row = {
            "officer": officer_id,
            "username": u.get("username", ""),
            "name": full or u.get("username") or _("(no officer)"),
            "branch": u.get("branch__name") or "",
            "disbursed_loans": d.get("loans") or 0,
            "disbursed": d.get("principal") or ZERO,
            "active_loans": p["loans"],
            "portfolio": p["principal"],
            "par30_principal": p["par30_principal"],
            "repayments": c.get("repayments") or 0,
            "collected": c.get("collected") or ZERO,
        }
        row["par30"] = ratio(row["par30_principal"], row["portfolio"])
        for key in total:
            total[key] += row[key]
        rows.append(row)
    rows.sort(key=lambda r: (-r["portfolio"], -r["disbursed"], r["name"]))
    total["par30"] = ratio(total["par30_principal"], total["portfolio"])
    return {"as_of": as_of, "date_from": date_from, "date_to": date_to, "rows": rows, "total": total}
