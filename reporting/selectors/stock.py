"""Stock reports as of the last close: the book's snapshot, portfolio at risk, classification
and provisions (checked against the ledger)."""

from __future__ import annotations

from datetime import date

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round

from microloan.ledger import Acct, JournalLine
from microloan.lending.money import ZERO
from microloan.money import RateField
from microloan.permissions import require
from microloan.policy import CLASS_ORDER, policy
from servicing.models import Bucket, Classification, Loan, LoanStatus

from .scope import (
    BUCKETS,
    MONEY,
    PAR_LEVELS,
    ReportScope,
    display_name,
    ratio,
    without_jit,
)

# --- the snapshot of the book at the close ----------------------------------------------


def _undo_after(as_of: date, code: str, *, debit_normal: bool):
    """Per loan, the change that journal lines on ``code`` dated after ``as_of`` made, with the
    sign that undoes it. Only the loans with such lines (one business day's postings, as a
    rule) run the correlated sum: the ``IN`` is one hashed pass over those lines."""
    lines = JournalLine.objects.filter(account__code=code, entry__business_date__gt=as_of, loan_id__isnull=False)
    undo = Sum("credit") - Sum("debit") if debit_normal else Sum("debit") - Sum("credit")
    per_loan = lines.filter(loan_id=OuterRef("pk")).order_by().values("loan_id").annotate(u=undo).values("u")
    return Case(
        When(
            pk__in=lines.values("loan_id"),
            then=Coalesce(Subquery(per_loan, output_field=MONEY), Value(ZERO), output_field=MONEY),
        ),
        default=Value(ZERO),
        output_field=MONEY,
    )


def _as_of(as_of: date, *, held: bool = True) -> dict:
    """``principal_asof`` and (with ``held``) ``held_asof``: a loan's balances of 1131 and 1231
    as of the date. Without ``held`` the query does not join the provisions (a 1,000,000-row
    hash join the portfolio at risk has no use for)."""
    # A write-off leaves outstanding_principal on the loan row; in the books the principal is gone.
    principal_now = Case(
        When(status=LoanStatus.WRITTEN_OFF, then=Value(ZERO)), default=F("outstanding_principal"), output_field=MONEY
    )
    out = {
        "principal_asof": ExpressionWrapper(
            principal_now + _undo_after(as_of, Acct.LOAN_PRINCIPAL, debit_normal=True), output_field=MONEY
        ),
    }
    if held:
        held_now = Coalesce(F("provision__amount"), Value(ZERO), output_field=MONEY)
        out["held_asof"] = ExpressionWrapper(
            held_now + _undo_after(as_of, Acct.LOAN_LOSS_PROVISION, debit_normal=False), output_field=MONEY
        )
    return out


def portfolio_snapshot(*, scope: ReportScope, as_of: date, held: bool = True) -> QuerySet[Loan]:
    """The loans the close of ``as_of`` figured that had principal outstanding, annotated with
    ``principal_asof`` and ``held_asof``. (``business_date`` is later than ``as_of`` only for the
    loans a close now running has done already.)"""
    return (
        Loan.objects.filter(scope.q(), business_date__gte=as_of)
        .order_by()
        .annotate(**_as_of(as_of, held=held))
        .filter(principal_asof__gt=0)
    )


# --- 1. portfolio at risk ----------------------------------------------------------------


def par_cube(loans: QuerySet, *dims: str) -> QuerySet:
    """Loans and principal per ``dims`` and bucket: one GROUP BY, in which the per-loan balance
    as of the close is computed once, whatever the report makes of it."""
    return loans.values(*dims, "bucket").annotate(loans=Count("pk"), principal=Sum("principal_asof")).order_by()


def par_row(**extra) -> dict:
    row = {"loans": 0, "principal": ZERO, **extra}
    for level in PAR_LEVELS:
        row[f"{level}_loans"], row[f"{level}_principal"], row[level] = 0, ZERO, None
    return row


def add_cell(row: dict, cell: dict) -> None:
    """Adds one (group, bucket) cell of the cube to a row: to its total and to every PAR level
    whose buckets include the cell's."""
    row["loans"] += cell["loans"]
    row["principal"] += cell["principal"] or ZERO
    for level, buckets in PAR_LEVELS.items():
        if cell["bucket"] in buckets:
            row[f"{level}_loans"] += cell["loans"]
            row[f"{level}_principal"] += cell["principal"] or ZERO


def _ratios(row: dict) -> dict:
    for level in PAR_LEVELS:
        row[level] = ratio(row[f"{level}_principal"], row["principal"])
    return row


def portfolio_at_risk(*, scope: ReportScope, as_of: date | None) -> dict:
    """PAR1/PAR30/PAR90 (principal of the loans at risk over all outstanding principal, and
    their counts) in total, by branch and by product, and the bucket distribution. One
    query, one pass over the book: loans and principal by branch, product and bucket; the
    rest adds up its cells (at most branches × products × 6 of them)."""
    require(scope.user, "report.par")
    total = par_row()
    by_bucket = {code: {"bucket": code, "label": Bucket(code).label, "loans": 0, "principal": ZERO} for code in BUCKETS}
    branches: dict = {}
    products: dict = {}
    if as_of is not None:
        with without_jit():
            loans = portfolio_snapshot(scope=scope, as_of=as_of, held=False)
            cells = list(
                par_cube(
                    loans,
                    "branch",
                    "branch__code",
                    "branch__name",
                    "branch__path",
                    "product",
                    "product__code",
                    "product__name",
                    "product__name_en",
                )
            )
        for cell in cells:
            row = branches.setdefault(
                cell["branch"],
                par_row(
                    key=cell["branch"], code=cell["branch__code"], name=cell["branch__name"], path=cell["branch__path"]
                ),
            )
            add_cell(row, cell)
            add_cell(total, cell)
            by_bucket[cell["bucket"]]["loans"] += cell["loans"]
            by_bucket[cell["bucket"]]["principal"] += cell["principal"] or ZERO
        for cell in cells:
            row = products.setdefault(
                cell["product"],
                par_row(key=cell["product"], code=cell["product__code"], name=display_name(cell, "product__")),
            )
            add_cell(row, cell)
    buckets = [{**b, "share": ratio(b["principal"], total["principal"])} for b in by_bucket.values()]
    return {
        "as_of": as_of,
        "total": _ratios(total),
        "buckets": buckets,
        "by_branch": sorted((_ratios(r) for r in branches.values()), key=lambda r: r["path"]),
        "by_product": sorted((_ratios(r) for r in products.values()), key=lambda r: r["code"]),
    }


# --- 2. classification and provisions ----------------------------------------------------


def classification_provisions(*, scope: ReportScope, as_of: date | None) -> dict:
    """The five tiers: loans, outstanding principal, share, provision rate, provision required
    (rate × principal, to the cent per loan, as the close computes it) and provision held; the
    totals; and the balance of the provision account (1231) for the same loans as of the date,
    which the provisions held must equal. Two queries."""
    require(scope.user, "report.view")
    rates = policy().collection.provision_rates
    rows = []
    if as_of is None:
        per_class, ledger = {}, ZERO
    else:
        rate = Case(
            *[When(classification=k, then=Value(r)) for k, r in rates.items()],
            default=Value(rates["loss"]),
            output_field=RateField(),
        )
        loans = portfolio_snapshot(scope=scope, as_of=as_of).annotate(
            required=Round(ExpressionWrapper(F("principal_asof") * rate, output_field=MONEY), 2, output_field=MONEY)
        )
        with without_jit():
            per_class = {
                r["classification"]: r
                for r in loans.values("classification").annotate(
                    loans=Count("pk"), principal=Sum("principal_asof"), required=Sum("required"), held=Sum("held_asof")
                )
            }
        # The same loans' provision in the books: every line on 1231 names its loan.
        sums = JournalLine.objects.filter(
            account__code=Acct.LOAN_LOSS_PROVISION,
            entry__business_date__lte=as_of,
            loan_id__in=Loan.objects.filter(scope.q()).values("pk"),
        ).aggregate(c=Sum("credit"), d=Sum("debit"))
        ledger = (sums["c"] or ZERO) - (sums["d"] or ZERO)
    total = {"loans": 0, "principal": ZERO, "required": ZERO, "held": ZERO}
    for code in CLASS_ORDER:
        r = per_class.get(code, {})
        row = {
            "classification": code,
            "label": Classification(code).label,
            "rate": rates[code],
            "loans": r.get("loans") or 0,
            "principal": r.get("principal") or ZERO,
            "required": r.get("required") or ZERO,
            "held": r.get("held") or ZERO,
        }
        for key in total:
            total[key] += row[key]
        rows.append(row)
    for row in rows:
        row["share"] = ratio(row["principal"], total["principal"])
        row["shortfall"] = row["required"] - row["held"]
    total["share"] = ratio(total["principal"], total["principal"])
    total["shortfall"] = total["required"] - total["held"]
    total["coverage"] = ratio(total["held"], total["principal"])
    return {
        "as_of": as_of,
        "rows": rows,
        "total": total,
        "ledger_balance": ledger,
        "ledger_difference": total["held"] - ledger,
    }
