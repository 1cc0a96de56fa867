"""Reads for servicing, scoped like everything else: staff by branch tree, borrowers to their own."""

from django.db.models import Prefetch, QuerySet

from microloan.models import Role
from microloan.scoping import branch_q

from .models import Disbursement, DisbursementStatus, Installment, Loan


def loan_list(*, user) -> QuerySet[Loan]:
    qs = Loan.objects.select_related("borrower", "product", "branch")
    if user.role == Role.BORROWER:
        return qs.filter(borrower__user=user)
    return qs.filter(branch_q(user))


def current_installments(loan) -> QuerySet[Installment]:
    return loan.installments.filter(is_current=True, schedule_version=loan.schedule_version).order_by("number")


def loans_with_schedule(*, user) -> QuerySet[Loan]:
    return loan_list(user=user).prefetch_related(
        Prefetch(
            "installments",
            queryset=Installment.objects.filter(is_current=True).order_by("number"),
            to_attr="current_schedule",
        )
    )


def borrower_outstanding_principal(borrower):
    """Outstanding principal on the borrower's live loans (for underwriting's exposure cap)."""
    from decimal import Decimal

    from django.db.models import Sum

    total = Loan.objects.live().filter(borrower=borrower).aggregate(t=Sum("outstanding_principal"))["t"]
    return total or Decimal("0.00")


def loan_history(*, loan, repayments=None, restructurings=None):
    """The loan's audit trail with its repayments' and restructurings' (each entity audits
    its own moves), oldest first."""
    from django.db.models import Q

    from microloan.models import AuditEvent

    repayments = [r.pk for r in repayments] if repayments is not None else loan.repayments.values("pk")
    restructurings = [r.pk for r in restructurings] if restructurings is not None else loan.restructurings.values("pk")
    return (
        AuditEvent.objects.filter(
            Q(entity="loan", entity_id=loan.pk)
            | Q(entity="repayment", entity_id__in=repayments)
            | Q(entity="restructuring", entity_id__in=restructurings)
        )
        .select_related("actor")
        .order_by("at", "id")
    )


def disbursement_list(*, user) -> QuerySet[Disbursement]:
    """The disbursements of the user's branch tree, oldest first (none for a borrower)."""
    if user.role == Role.BORROWER:
        return Disbursement.objects.none()
    return (
        Disbursement.objects.filter(branch_q(user, "application__branch"))
        .prefetch_related("conditions")
        .order_by("prepared_at", "id")
    )


def disbursements_pending(*, user) -> QuerySet[Disbursement]:
    """The disbursements waiting for release in the user's branch tree, oldest first."""
    return (
        disbursement_list(user=user)
        .filter(status=DisbursementStatus.PENDING_RELEASE)
        .select_related("application__borrower", "application__branch", "application__product", "prepared_by")
    )


def borrower_export_loans(borrower) -> list[dict]:
    """The borrower's loans for their data export (applications.export): each with its
    current schedule and its repayments (reversed ones too, marked), in three queries."""
    from applications.export import columns, rows

    from .models import Repayment

    loans = rows(Loan.objects.filter(borrower=borrower).order_by("id"), columns(Loan, exclude=["officer"]))
    ids = [loan["id"] for loan in loans]
    schedule: dict[int, list] = {i: [] for i in ids}
    for row in rows(
        Installment.objects.filter(loan_id__in=ids, is_current=True).order_by("loan_id", "number"),
        columns(Installment),
    ):
        schedule[row["loan_id"]].append(row)
    paid: dict[int, list] = {i: [] for i in ids}
    for row in rows(
        Repayment.objects.filter(loan_id__in=ids).order_by("loan_id", "id"),
        columns(Repayment, exclude=["posted_by", "reversed_by"]),
    ):
        paid[row["loan_id"]].append(row)
    return [{**loan, "schedule": schedule[loan["id"]], "repayments": paid[loan["id"]]} for loan in loans]
