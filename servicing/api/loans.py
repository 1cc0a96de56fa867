"""Loans and their schedules; the loan's repayments, restructurings and documents come from
the mixins of their modules."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from applications.models import Frequency, Method
from microloan import fields
from microloan.api import ScopedQueryset
from microloan.fast_read import FastRead

from .. import read_cache, selectors
from ..models import InstallmentStatus, Loan
from .charges import LoanChargesMixin
from .documents import LoanDocumentsMixin
from .quotes import InstallmentOut
from .repayments import LoanRepaymentsMixin
from .restructurings import LoanRestructuringMixin


class LoanSerializer(FastRead, fields.ModelSerializer):
    # Copied from the application as plain columns: typed with the application's choices.
    frequency = serializers.ChoiceField(choices=Frequency.choices, read_only=True)
    method = serializers.ChoiceField(choices=Method.choices, read_only=True)

    class Meta:
        model = Loan
        fields = [
            "id",
            "application",
            "borrower",
            "product",
            "status",
            "principal",
            "outstanding_principal",
            "fee",
            "disbursed_amount",
            "annual_rate",
            "apr",
            "penalty_rate",
            "term",
            "frequency",
            "method",
            "disbursed_on",
            "maturity_date",
            "channel",
            "reference",
            "days_past_due",
            "overdue_amount",
            "penalty_outstanding",
            "bucket",
            "classification",
            "accrual_status",
            "interest_accrued",
            "interest_suspended",
            "business_date",
            "schedule_version",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for f in ("annual_rate", "apr", "penalty_rate"):
            data[f] = f"{getattr(instance, f):.4f}"
        return data


class ScheduleRowOut(InstallmentOut):
    # A quote's instalment (API.md: "each as in the quote") plus the paid parts and the status.
    fee = fields.DecimalString()
    penalty = fields.DecimalString()
    paid_principal = fields.DecimalString()
    paid_interest = fields.DecimalString()
    paid_fee = fields.DecimalString()
    paid_penalty = fields.DecimalString()
    paid_total = fields.DecimalString()
    status = serializers.ChoiceField(choices=InstallmentStatus.choices)


def schedule_rows(installments) -> list[dict]:
    def m(v):
        return f"{v:.2f}"

    return [
        {
            "number": i.number,
            "due_date": i.due_date,
            "principal": m(i.principal_due),
            "interest": m(i.interest_due),
            "total": m(i.principal_due + i.interest_due + i.fee_due),
            "balance_after": m(i.balance_after),
            "fee": m(i.fee_due),
            "penalty": m(i.penalty_due),
            "paid_principal": m(i.principal_paid),
            "paid_interest": m(i.interest_paid),
            "paid_fee": m(i.fee_paid),
            "paid_penalty": m(i.penalty_paid),
            "paid_total": m(i.total_paid),
            "status": i.status,
        }
        for i in installments
    ]


def _an_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) <= 2**63 - 1


@extend_schema(tags=["loans"])
class LoanViewSet(
    LoanChargesMixin,
    LoanRepaymentsMixin,
    LoanRestructuringMixin,
    LoanDocumentsMixin,
    ScopedQueryset,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Loans: staff see their branch tree, borrowers their own."""

    permissions = {
        "list": "loan.view",
        "retrieve": "loan.view",
        "payoff_quote": "loan.view",
        "receipt": "loan.view",
        "schedule": "loan.view",
        "statement": "loan.view",
        "repayments": {"GET": "repayment.view", "POST": "repayment.post"},
        "restructurings": "restructuring.request",
        "restructuring_decision": "restructuring.approve",
        "reverse_repayment": "repayment.reverse",
        "charges": "loan.view",
        "charge_waiver": "charge.request_waiver",
        "charge_waiver_decision": "charge.approve_waiver",
    }

    serializer_class = LoanSerializer
    queryset = Loan.objects.none()
    filterset_fields = ["status", "bucket", "classification", "borrower"]

    def get_object(self):
        # The detail and the schedule without a query string (no filter to apply): the loan by
        # the same scoping, its query compiled once (servicing/read_cache.py).
        pk = self.kwargs.get("pk", "")
        if self.action in ("retrieve", "schedule") and not self.request.query_params and _an_id(pk):
            loan = read_cache.loan_for_read(user=self.request.user, pk=int(pk))
            if loan is None:
                raise Http404
            self.check_object_permissions(self.request, loan)
            return loan
        return super().get_object()

    def scoped_queryset(self):
        qs = selectors.loan_list(user=self.request.user)
        if self.action in ("list", "retrieve", "schedule"):
            # These show the related rows by id only: joining and building them is wasted.
            qs = qs.select_related(None)
        return qs

    @extend_schema(
        responses=inline_serializer(
            "LoanSchedule",
            {
                "loan": fields.IntegerField(),
                "schedule_version": fields.IntegerField(),
                "installments": ScheduleRowOut(many=True),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def schedule(self, request, pk=None):
        """The current schedule with what has been paid of each part and each instalment's status."""
        loan = self.get_object()
        return Response(
            {
                "loan": loan.pk,
                "schedule_version": loan.schedule_version,
                "installments": schedule_rows(read_cache.current_installments(loan)),
            }
        )
