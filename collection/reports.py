"""Reports: portfolio at risk, classification and provisions, disbursements and collections,
officer performance, approval turnaround. Plain selectors: each takes a ``ReportScope`` (who
asks and which part of the book) and returns dicts of Decimals that the views show, chart and
export. Every figure is an aggregate computed by the database (GROUP BY, conditional
``Sum``/``Count``); Python only adds up the groups (branches × buckets and the like), so a
report costs the same few queries for ten loans or a hundred thousand.

Stock figures (PAR, classes, provisions, active portfolios) are as of the latest closed business
date ``D``. The close stamps each open loan with its bucket and class for ``D`` and holds its
provision (``LoanProvision``); postings keep ``outstanding_principal`` and the provision in step
with the ledger as they happen, so after the close they may have moved on. The snapshot undoes,
per loan, what the journal lines dated after ``D`` changed, which gives the balances of 1131 and
1231 as of ``D``: the report of a day does not change when the next day's payments come in.

Days past due are read through the buckets, which only the close writes (a repayment refreshes
``days_past_due`` at once, not the bucket): PAR1 is one day or more past due, PAR30 more than 30
and PAR90 more than 90, the convention of the PAR ratios (CGAP, MIX) and of the buckets and
classes (over 90 days is substandard), so the ratios add up from the bucket table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Round, RowNumber, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationStatus
from microloan.ledger import Acct, JournalLine
from microloan.lending.money import ZERO
from microloan.models import AuditEvent, Branch, BusinessCalendar, Role, User
from microloan.money import MoneyField, RateField
from microloan.scoping import branch_q, require_role
from servicing.models import Bucket, Classification, Loan, LoanStatus, Repayment, RepaymentAllocation, RepaymentStatus
from underwriting.policy import policy as underwriting_policy

from .case_models import Recovery, WriteOff, WriteOffStatus
from .models import CloseRun, CloseStatus
from .policy import CLASS_ORDER
from .policy import policy as collection_policy

# Who reads which report: managers, administrators and auditors everything; loan officers
# the portfolio at risk of their own branch.
REPORT_ROLES = (Role.MANAGER, Role.ADMIN, Role.AUDITOR)
PAR_ROLES = (*REPORT_ROLES, Role.OFFICER)

BUCKETS = [b.value for b in Bucket]  # current, 1-30, 31-60, 61-90, 91-180, 180+
# The buckets at risk for each ratio: 1 day or more, more than 30 days, more than 90 days.
PAR_LEVELS = {"par1": BUCKETS[1:], "par30": BUCKETS[2:], "par90": BUCKETS[4:]}
PERIODS = ("day", "month")
DECISION_ACTIONS = ("approve", "reject", "return")

MONEY = MoneyField()
HOUR = Decimal(3600)


@dataclass(frozen=True)
class ReportScope:
    """Whose figures: the user's branch and its children (``branch_q``), narrowed to one branch
    subtree, a product and a loan officer where the report is asked for them."""

    user: Any
    branch: Branch | None = None
    product: Any = None
    officer: User | None = None

    def q(self, prefix: str = "") -> Q:
        """The scope for a model with ``branch``, ``product`` and ``officer`` (a loan, an
        application), or one reached through ``prefix`` (``"loan__"``)."""
        q = branch_q(self.user, f"{prefix}branch")
        if self.branch is not None:
            q &= Q(**{f"{prefix}branch__path__startswith": self.branch.path})
        if self.product is not None:
            q &= Q(**{f"{prefix}product": self.product})
        if self.officer is not None:
            q &= Q(**{f"{prefix}officer": self.officer})
        return q


def report_date() -> dict:
    """The date stock reports are as of (the last closed business date, None before the first
    close) and whether a later close is running (its loans would show the newer day)."""
    as_of = BusinessCalendar.objects.filter(pk=1).values_list("last_closed_date", flat=True).first()
    running = as_of is not None and CloseRun.objects.filter(status=CloseStatus.RUNNING,
                                                            business_date__gt=as_of).exists()
    return {"as_of": as_of, "close_running": running}


def ratio(part, whole) -> Decimal | None:
    """``part / whole`` as a fraction (shown as a percentage), None when there is no whole."""
    if not whole:
        return None
    return Decimal(part or 0) / Decimal(whole)


def hours(value: timedelta | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(str(value.total_seconds())) / HOUR).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _name(row: dict, prefix: str) -> str:
    """A product's name in the active language (the Chinese name is its legal name)."""
    english = row.get(f"{prefix}name_en")
    if english and (get_language() or "").startswith("en"):
        return english
    return row.get(f"{prefix}name") or ""


@contextmanager
def _without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiles the per-loan expressions of the snapshot queries for far longer
    than they run (1.5 s against 0.2 s a query at 100,000 loans): off for this transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
        yield


# --- the snapshot of the book at the close ----------------------------------------------


def _undo_after(as_of: date, code: str, *, debit_normal: bool):
    """Per loan, the change that journal lines on ``code`` dated after ``as_of`` made, with the
    sign that undoes it. Only the loans with such lines (one business day's postings, as a
    rule) run the correlated sum: the ``IN`` is one hashed pass over those lines."""
    lines = JournalLine.objects.filter(account__code=code, entry__business_date__gt=as_of, loan_id__isnull=False)
    undo = Sum("credit") - Sum("debit") if debit_normal else Sum("debit") - Sum("credit")
    per_loan = lines.filter(loan_id=OuterRef("pk")).order_by().values("loan_id").annotate(u=undo).values("u")
    return Case(When(pk__in=lines.values("loan_id"), then=Coalesce(Subquery(per_loan, output_field=MONEY),
                                                                    Value(ZERO), output_field=MONEY)),
                default=Value(ZERO), output_field=MONEY)


def _as_of(as_of: date) -> dict:
    """``principal_asof`` and ``held_asof``: a loan's balances of 1131 and 1231 as of the date."""
    # A write-off leaves outstanding_principal on the loan row; in the books the principal is gone.
    principal_now = Case(When(status=LoanStatus.WRITTEN_OFF, then=Value(ZERO)), default=F("outstanding_principal"),
                         output_field=MONEY)
    held_now = Coalesce(F("provision__amount"), Value(ZERO), output_field=MONEY)
    return {"principal_asof": ExpressionWrapper(
                principal_now + _undo_after(as_of, Acct.LOAN_PRINCIPAL, debit_normal=True), output_field=MONEY),
            "held_asof": ExpressionWrapper(
                held_now + _undo_after(as_of, Acct.LOAN_LOSS_PROVISION, debit_normal=False), output_field=MONEY)}


def portfolio_snapshot(*, scope: ReportScope, as_of: date) -> QuerySet[Loan]:
    """The loans the close of ``as_of`` figured that had principal outstanding, annotated with
    ``principal_asof`` and ``held_asof``. (``business_date`` is later than ``as_of`` only for the
    loans a close now running has done already.)"""
    return (Loan.objects.filter(scope.q(), business_date__gte=as_of).order_by().annotate(**_as_of(as_of))
            .filter(principal_asof__gt=0))


# --- 1. portfolio at risk ----------------------------------------------------------------


def _par_cube(loans: QuerySet, *dims: str) -> QuerySet:
    """Loans and principal per ``dims`` and bucket: one GROUP BY, in which the per-loan balance
    as of the close is computed once, whatever the report makes of it."""
    return loans.values(*dims, "bucket").annotate(loans=Count("pk"), principal=Sum("principal_asof")).order_by()


def _par_row(**extra) -> dict:
    row = {"loans": 0, "principal": ZERO, **extra}
    for level in PAR_LEVELS:
        row[f"{level}_loans"], row[f"{level}_principal"], row[level] = 0, ZERO, None
    return row


def _add(row: dict, cell: dict) -> None:
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
    their counts) in total, by branch and by product, and the bucket distribution. Two
    queries: the book by branch and bucket, and by product and bucket; the rest adds up their
    cells (at most branches × 6 and products × 6 of them)."""
    require_role(scope.user, PAR_ROLES, _("see the portfolio at risk"))
    total = _par_row()
    by_bucket = {code: {"bucket": code, "label": Bucket(code).label, "loans": 0, "principal": ZERO}
                 for code in BUCKETS}
    branches: dict = {}
    products: dict = {}
    if as_of is not None:
        with _without_jit():
            loans = portfolio_snapshot(scope=scope, as_of=as_of)
            by_branch = list(_par_cube(loans, "branch", "branch__code", "branch__name", "branch__path"))
            by_product_cells = list(_par_cube(loans, "product", "product__code", "product__name", "product__name_en"))
        for cell in by_branch:
            row = branches.setdefault(cell["branch"], _par_row(
                key=cell["branch"], code=cell["branch__code"], name=cell["branch__name"], path=cell["branch__path"]))
            _add(row, cell)
            _add(total, cell)
            by_bucket[cell["bucket"]]["loans"] += cell["loans"]
            by_bucket[cell["bucket"]]["principal"] += cell["principal"] or ZERO
        for cell in by_product_cells:
            row = products.setdefault(cell["product"], _par_row(
                key=cell["product"], code=cell["product__code"], name=_name(cell, "product__")))
            _add(row, cell)
    buckets = [{**b, "share": ratio(b["principal"], total["principal"])} for b in by_bucket.values()]
    return {"as_of": as_of, "total": _ratios(total), "buckets": buckets,
            "by_branch": sorted((_ratios(r) for r in branches.values()), key=lambda r: r["path"]),
            "by_product": sorted((_ratios(r) for r in products.values()), key=lambda r: r["code"])}


# --- 2. classification and provisions ----------------------------------------------------


def classification_provisions(*, scope: ReportScope, as_of: date | None) -> dict:
    """The five tiers: loans, outstanding principal, share, provision rate, provision required
    (rate × principal, to the cent per loan, as the close computes it) and provision held; the
    totals; and the balance of the provision account (1231) for the same loans as of the date,
    which the provisions held must equal. Two queries."""
    require_role(scope.user, REPORT_ROLES, _("see reports"))
    rates = collection_policy("PROVISION_RATES")
    rows = []
    if as_of is None:
        per_class, ledger = {}, ZERO
    else:
        rate = Case(*[When(classification=k, then=Value(r)) for k, r in rates.items()],
                    default=Value(rates["loss"]), output_field=RateField())
        loans = portfolio_snapshot(scope=scope, as_of=as_of).annotate(
            required=Round(ExpressionWrapper(F("principal_asof") * rate, output_field=MONEY), 2, output_field=MONEY))
        with _without_jit():
            per_class = {r["classification"]: r for r in loans.values("classification").annotate(
                loans=Count("pk"), principal=Sum("principal_asof"), required=Sum("required"), held=Sum("held_asof"))}
        # The same loans' provision in the books: every line on 1231 names its loan.
        sums = JournalLine.objects.filter(
            account__code=Acct.LOAN_LOSS_PROVISION, entry__business_date__lte=as_of,
            loan_id__in=Loan.objects.filter(scope.q()).values("pk")).aggregate(c=Sum("credit"), d=Sum("debit"))
        ledger = (sums["c"] or ZERO) - (sums["d"] or ZERO)
    total = {"loans": 0, "principal": ZERO, "required": ZERO, "held": ZERO}
    for code in CLASS_ORDER:
        r = per_class.get(code, {})
        row = {"classification": code, "label": Classification(code).label, "rate": rates[code],
               "loans": r.get("loans") or 0, "principal": r.get("principal") or ZERO,
               "required": r.get("required") or ZERO, "held": r.get("held") or ZERO}
        for key in total:
            total[key] += row[key]
        rows.append(row)
    for row in rows:
        row["share"] = ratio(row["principal"], total["principal"])
        row["shortfall"] = row["required"] - row["held"]
    total["share"] = ratio(total["principal"], total["principal"])
    total["shortfall"] = total["required"] - total["held"]
    total["coverage"] = ratio(total["held"], total["principal"])
    return {"as_of": as_of, "rows": rows, "total": total, "ledger_balance": ledger,
            "ledger_difference": total["held"] - ledger}


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
    require_role(scope.user, REPORT_ROLES, _("see reports"))
    if period not in PERIODS:
        period = "day"
    span = {"date_from": date_from, "date_to": date_to, "period": period}
    disbursed = _by_period(
        Loan.objects.filter(scope.q(), disbursed_on__range=(date_from, date_to)), "disbursed_on", period,
        loans=Count("pk"), principal=Sum("principal"), paid_out=Sum("disbursed_amount"), fees=Sum("fee"))
    posted = Q(status=RepaymentStatus.POSTED)
    repaid = _by_period(
        Repayment.objects.filter(scope.q("loan__"), paid_on__range=(date_from, date_to)), "paid_on", period,
        repayments=Count("pk", filter=posted), collected=Sum("amount", filter=posted),
        credit=Sum("unapplied", filter=posted), reversed=Count("pk", filter=~posted),
        reversed_amount=Sum("amount", filter=~posted))
    # Allocations of reversed postings are deleted with the reversal; the filter says so anyway.
    split = _by_period(
        RepaymentAllocation.objects.filter(scope.q("repayment__loan__"), repayment__status=RepaymentStatus.POSTED,
                                           repayment__paid_on__range=(date_from, date_to)),
        "repayment__paid_on", period,
        principal=Sum("principal"), interest=Sum("interest"), penalty=Sum("penalty"), fee=Sum("fee"))
    recovered = _by_period(
        Recovery.objects.filter(scope.q("loan__"), received_on__range=(date_from, date_to)), "received_on", period,
        recoveries=Count("pk"), recovered=Sum("amount"))
    written_off = WriteOff.objects.filter(scope.q("loan__"), status=WriteOffStatus.APPROVED,
                                          business_date__range=(date_from, date_to)).aggregate(
        loans=Count("pk"), principal=Sum("principal"))
    counts = ("loans", "repayments", "reversed", "recoveries")
    amounts = ("principal", "paid_out", "fees", "collected", "collected_principal", "interest", "penalty", "fee",
               "credit", "reversed_amount", "recovered")
    rows, total = [], {**dict.fromkeys(counts, 0), **dict.fromkeys(amounts, ZERO)}
    for start in periods(date_from, date_to, period):
        d, r, s, c = (disbursed.get(start, {}), repaid.get(start, {}), split.get(start, {}),
                      recovered.get(start, {}))
        row = {"period": start,
               "loans": d.get("loans") or 0, "principal": d.get("principal") or ZERO,
               "paid_out": d.get("paid_out") or ZERO, "fees": d.get("fees") or ZERO,
               "repayments": r.get("repayments") or 0, "collected": r.get("collected") or ZERO,
               "collected_principal": s.get("principal") or ZERO, "interest": s.get("interest") or ZERO,
               "penalty": s.get("penalty") or ZERO, "fee": s.get("fee") or ZERO, "credit": r.get("credit") or ZERO,
               "reversed": r.get("reversed") or 0, "reversed_amount": r.get("reversed_amount") or ZERO,
               "recoveries": c.get("recoveries") or 0, "recovered": c.get("recovered") or ZERO}
        for key in total:
            total[key] += row[key]
        rows.append(row)
    return {**span, "rows": rows, "total": total,
            "written_off": {"loans": written_off["loans"] or 0, "principal": written_off["principal"] or ZERO}}


# --- 4. officer performance --------------------------------------------------------------


def officer_performance(*, scope: ReportScope, as_of: date | None, date_from: date, date_to: date) -> dict:
    """Per loan officer (the officer on the loan): loans disbursed in the range (count,
    principal), the active portfolio and its PAR30 as of the last close, and what was collected
    on their loans in the range (posted repayments). Four queries."""
    require_role(scope.user, REPORT_ROLES, _("see reports"))
    portfolio: dict = {}
    if as_of is not None:
        with _without_jit():
            cells = list(_par_cube(portfolio_snapshot(scope=scope, as_of=as_of), "officer"))
        for cell in cells:
            _add(portfolio.setdefault(cell["officer"], _par_row()), cell)
    disbursed = {r["officer"]: r for r in Loan.objects.filter(scope.q(), disbursed_on__range=(date_from, date_to))
                 .order_by().values("officer").annotate(loans=Count("pk"), principal=Sum("principal"))}
    collected = {r["loan__officer"]: r for r in Repayment.objects.filter(
        scope.q("loan__"), status=RepaymentStatus.POSTED, paid_on__range=(date_from, date_to))
        .order_by().values("loan__officer").annotate(repayments=Count("pk"), collected=Sum("amount"))}
    ids = set(portfolio) | set(disbursed) | set(collected)
    people = {u["pk"]: u for u in User.objects.filter(pk__in=[i for i in ids if i is not None]).values(
        "pk", "username", "first_name", "last_name", "branch__name")}
    rows = []
    total = {"disbursed_loans": 0, "disbursed": ZERO, "active_loans": 0, "portfolio": ZERO, "par30_principal": ZERO,
             "repayments": 0, "collected": ZERO}
    for officer_id in ids:
        p, d = portfolio.get(officer_id) or _par_row(), disbursed.get(officer_id, {})
        c, u = collected.get(officer_id, {}), people.get(officer_id, {})
        full = f"{u.get('last_name', '')}{u.get('first_name', '')}".strip()
        row = {"officer": officer_id, "username": u.get("username", ""),
               "name": full or u.get("username") or _("(no officer)"), "branch": u.get("branch__name") or "",
               "disbursed_loans": d.get("loans") or 0, "disbursed": d.get("principal") or ZERO,
               "active_loans": p["loans"], "portfolio": p["principal"], "par30_principal": p["par30_principal"],
               "repayments": c.get("repayments") or 0, "collected": c.get("collected") or ZERO}
        row["par30"] = ratio(row["par30_principal"], row["portfolio"])
        for key in total:
            total[key] += row[key]
        rows.append(row)
    rows.sort(key=lambda r: (-r["portfolio"], -r["disbursed"], r["name"]))
    total["par30"] = ratio(total["par30_principal"], total["portfolio"])
    return {"as_of": as_of, "date_from": date_from, "date_to": date_to, "rows": rows, "total": total}


# --- 5. approval turnaround --------------------------------------------------------------


def _latest(action: str):
    """The time of the application's latest ``action`` event at or before the decision."""
    return Subquery(AuditEvent.objects.filter(entity="application", entity_id=OuterRef("entity_id"), action=action,
                                              at__lte=OuterRef("at")).order_by("-at", "-id").values("at")[:1])


def decision_events(*, scope: ReportScope, date_from: date, date_to: date) -> QuerySet[AuditEvent]:
    """The approval decisions (approve, reject, return) made in the range on the scope's
    applications, from the audit trail, with ``turnaround`` (from the latest submission before
    the decision: a returned and resubmitted case counts from its resubmission) and ``queue``
    (from the latest review, when the case entered the approval queue, which the SLA measures)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    apps = Application.objects.filter(scope.q()).values("pk")
    return (AuditEvent.objects.filter(entity="application", action__in=DECISION_ACTIONS, at__gte=start, at__lt=end,
                                      entity_id__in=apps).order_by()
            .annotate(submitted=_latest("submit"), queued=_latest("review"),
                      branch_id=Subquery(Application.objects.filter(pk=OuterRef("entity_id")).values("branch_id")[:1]))
            .annotate(turnaround=ExpressionWrapper(F("at") - F("submitted"), output_field=DurationField()),
                      queue=ExpressionWrapper(F("at") - F("queued"), output_field=DurationField())))


def _turnaround_measures(sla: timedelta) -> dict:
    return {"decisions": Count("pk"), "approved": Count("pk", filter=Q(action="approve")),
            "rejected": Count("pk", filter=Q(action="reject")), "returned": Count("pk", filter=Q(action="return")),
            "avg_turnaround": Avg("turnaround"), "avg_queue": Avg("queue"),
            "breaches": Count("pk", filter=Q(queue__gt=sla))}


def _medians(events: QuerySet, group: str | None) -> dict:
    """The median turnaround per group: the middle decision, or the mean of the middle two,
    picked by the database with window functions (so SQLite, the demo's, runs it too)."""
    partition = [F(group)] if group else []
    rows = (events.filter(turnaround__isnull=False)
            .annotate(rn=Window(RowNumber(), partition_by=partition, order_by=[F("turnaround").asc(), F("pk").asc()]),
                      n=Window(Count("pk"), partition_by=partition))
            .annotate(twice=F("rn") * 2)
            .filter(twice__gte=F("n"), twice__lte=F("n") + 2))
    middle: dict = {}
    if group:
        for key, value in rows.values_list(group, "turnaround"):
            middle.setdefault(key, []).append(value)
    else:
        middle[None] = list(rows.values_list("turnaround", flat=True))
    return {key: sum(values, timedelta()) / len(values) for key, values in middle.items() if values}


def _turnaround_row(row: dict, median: timedelta | None, sla: timedelta, **extra) -> dict:
    return {**extra, "decisions": row.get("decisions") or 0, "approved": row.get("approved") or 0,
            "rejected": row.get("rejected") or 0, "returned": row.get("returned") or 0,
            "median_hours": hours(median), "avg_hours": hours(row.get("avg_turnaround")),
            "avg_queue_hours": hours(row.get("avg_queue")), "breaches": row.get("breaches") or 0,
            "breach_share": ratio(row.get("breaches") or 0, row.get("decisions") or 0)}


def approval_turnaround(*, scope: ReportScope, date_from: date, date_to: date) -> dict:
    """Per branch and per approver, the decisions made in the range: how many (approved,
    rejected, returned), the median and average hours from submission to decision, the average
    hours in the approval queue and how many took longer there than the SLA; and the cases
    waiting now, with those already over it. Nine queries."""
    require_role(scope.user, REPORT_ROLES, _("see reports"))
    sla_hours = underwriting_policy("APPROVAL_SLA_HOURS")
    sla = timedelta(hours=sla_hours)
    events = decision_events(scope=scope, date_from=date_from, date_to=date_to)
    measures = _turnaround_measures(sla)
    branch_rows = list(events.values("branch_id").annotate(**measures))
    approver_rows = list(events.values("actor", "actor__username", "actor__first_name", "actor__last_name")
                         .annotate(**measures))
    total = events.aggregate(**measures)
    by_branch_median, by_approver_median = _medians(events, "branch_id"), _medians(events, "actor")
    overall_median = _medians(events, None).get(None)
    names = {b["pk"]: b for b in Branch.objects.filter(pk__in=[r["branch_id"] for r in branch_rows])
             .values("pk", "code", "name", "path")}
    by_branch = sorted((_turnaround_row(r, by_branch_median.get(r["branch_id"]), sla, key=r["branch_id"],
                                        code=names.get(r["branch_id"], {}).get("code", ""),
                                        name=names.get(r["branch_id"], {}).get("name", ""),
                                        path=names.get(r["branch_id"], {}).get("path", ""))
                        for r in branch_rows), key=lambda r: r["path"])
    by_approver = []
    for r in approver_rows:
        full = f"{r['actor__last_name'] or ''}{r['actor__first_name'] or ''}".strip()
        by_approver.append(_turnaround_row(r, by_approver_median.get(r["actor"]), sla, key=r["actor"],
                                           username=r["actor__username"] or "",
                                           name=full or r["actor__username"] or _("(system)")))
    by_approver.sort(key=lambda r: (-r["decisions"], r["name"]))
    waiting = Application.objects.filter(scope.q(), status=ApplicationStatus.PENDING_APPROVAL).aggregate(
        waiting=Count("pk"), over_sla=Count("pk", filter=Q(pending_since__lt=timezone.now() - sla)))
    return {"date_from": date_from, "date_to": date_to, "sla_hours": sla_hours, "by_branch": by_branch,
            "by_approver": by_approver, "total": _turnaround_row(total, overall_median, sla),
            "waiting": waiting["waiting"], "waiting_over_sla": waiting["over_sla"]}
