"""A loan's charges (late, service, insurance and prepayment fees) and their waivers, four
eyes: one person requests a waiver with a reason, another approves or rejects it."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from microloan import fields

from .. import selectors
from ..charges import charge_rows, charge_waiver_decide, charge_waiver_request


class WaiverIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class WaiverDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ChargeOut(serializers.Serializer):
    id = fields.IntegerField()
    kind = serializers.CharField()
    installment = fields.IntegerField()
    charged_on = fields.DateField()
    amount = serializers.CharField()
    paid = serializers.CharField()
    waived = serializers.CharField()
    unpaid = serializers.CharField()
    status = serializers.CharField()
    waiver_reason = serializers.CharField()


def charge_out(row) -> dict:
    c = row.charge
    return {
        "id": c.pk,
        "kind": c.kind,
        "installment": row.number,
        "charged_on": c.charged_on,
        "amount": f"{c.amount:.2f}",
        "paid": f"{row.paid:.2f}",
        "waived": f"{c.waived:.2f}",
        "unpaid": f"{row.unpaid:.2f}",
        "status": row.shown_status,
        "waiver_reason": c.waiver_reason,
    }


def loan_charges(loan) -> list[dict]:
    """The loan's charges as the API shows them (two queries)."""
    installments = list(selectors.current_installments(loan))
    return [charge_out(r) for r in charge_rows(list(loan.charges.all()), installments)]


class LoanChargesMixin:
    @extend_schema(responses=inline_serializer("LoanCharges", {"charges": ChargeOut(many=True)}))
    @action(detail=True, methods=["get"])
    def charges(self, request, pk=None):
        """The loan's charges: kind, instalment, amount, paid, waived, unpaid and status."""
        loan = self.get_object()
        return Response({"loan": loan.pk, "charges": loan_charges(loan)})

    def _charge(self, charge_id):
        loan = self.get_object()
        charge = loan.charges.filter(pk=charge_id).first()
        if charge is None:
            raise Http404
        return loan, charge

    @extend_schema(request=WaiverIn, responses={201: ChargeOut})
    @action(detail=True, methods=["post"], url_path=r"charges/(?P<charge_id>\d+)/waiver")
    def charge_waiver(self, request, pk=None, charge_id=None):
        """Request a charge's waiver (another person approves it)."""
        loan, charge = self._charge(charge_id)
        s = WaiverIn(data=request.data)
        s.is_valid(raise_exception=True)
        charge_waiver_request(actor=request.user, charge=charge, reason=s.validated_data["reason"])
        return Response(self._shown(loan, charge.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=WaiverDecisionIn, responses=ChargeOut)
    @action(detail=True, methods=["post"], url_path=r"charges/(?P<charge_id>\d+)/waiver-decision")
    def charge_waiver_decision(self, request, pk=None, charge_id=None):
        """Approve (never the requester: 403) or reject a requested waiver."""
        loan, charge = self._charge(charge_id)
        s = WaiverDecisionIn(data=request.data)
        s.is_valid(raise_exception=True)
        charge_waiver_decide(actor=request.user, charge=charge, **s.validated_data)
        return Response(self._shown(loan, charge.pk))

    def _shown(self, loan, charge_id) -> dict:
        return next(c for c in loan_charges(loan) if c["id"] == charge_id)
