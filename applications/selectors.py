"""Reads for intake, always scoped to what the user may see."""

from django.db.models import Prefetch, QuerySet

from microloan.models import Role
from microloan.scoping import branch_q

from .models import Application, Borrower, Document, Lead, Product


def borrower_list(*, user) -> QuerySet[Borrower]:
    qs = Borrower.objects.select_related("branch", "officer")
    if user.role == Role.BORROWER:
        return qs.filter(user=user)
    return qs.filter(branch_q(user))


def lead_list(*, user) -> QuerySet[Lead]:
    if user.role == Role.BORROWER:
        return Lead.objects.none()
    return Lead.objects.select_related("officer", "borrower").filter(branch_q(user))


def product_list(*, user) -> QuerySet[Product]:
    qs = Product.objects.all()
    if user is None or not user.is_authenticated or user.role == Role.BORROWER:
        qs = qs.filter(is_active=True)
    return qs


def application_list(*, user) -> QuerySet[Application]:
    qs = Application.objects.select_related("borrower", "product", "branch", "officer").prefetch_related(
        Prefetch("documents", queryset=Document.objects.order_by("id"))
    )
    if user.role == Role.BORROWER:
        return qs.filter(borrower__user=user)
    return qs.filter(branch_q(user))
