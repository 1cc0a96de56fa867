"""Contract, signing and disbursement of an approved application."""

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from applications import selectors as intake_selectors
from applications.api import ApplicationSerializer, application_response
from applications.models import Application
from microloan import fields
from microloan.api import ScopedQueryset
from microloan.idempotency import idempotent

from .. import services
from ..models import SignMethod


class ContractIn(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


class SignIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=SignMethod.choices, default="in_person")


class DisburseIn(serializers.Serializer):
    disbursed_on = fields.DateField()
    channel = serializers.CharField(max_length=30)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


@extend_schema(tags=["applications"])
class ContractViewSet(ScopedQueryset, viewsets.GenericViewSet):
    """Contract, signing and disbursement of an approved application."""

    serializer_class = ApplicationSerializer
    queryset = Application.objects.none()

    def scoped_queryset(self):
        return intake_selectors.application_list(user=self.request.user)

    @extend_schema(request=ContractIn, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def contract(self, request, pk=None):
        """Generate the contract PDF (借款合同) in the borrower's language or the one asked for."""
        app = self.get_object()
        s = ContractIn(data=request.data)
        s.is_valid(raise_exception=True)
        c = services.contract_generate(actor=request.user, application=app, language=s.validated_data.get("language"))
        contract = {"version": c.version, "language": c.language, "sha256": c.sha256, "number": c.number}
        return application_response(self, app, {"contract": contract})

    # Routed explicitly as .../contract.pdf (no trailing slash), as API.md names it.
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def contract_pdf(self, request, pk=None):
        """The latest contract PDF."""
        app = self.get_object()
        c = app.contracts.order_by("-version").first()
        if c is None:
            raise Http404("No contract yet.")
        return FileResponse(c.pdf.open("rb"), content_type="application/pdf", filename=f"{c.number}-v{c.version}.pdf")

    @extend_schema(request=SignIn, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        """Record the signing of the current contract version (approved → contracted)."""
        app = self.get_object()
        s = SignIn(data=request.data)
        s.is_valid(raise_exception=True)
        services.contract_sign(actor=request.user, application=app, **s.validated_data)
        return application_response(self, app)

    @extend_schema(
        request=DisburseIn,
        responses={
            201: inline_serializer("Disbursed", {"loan": fields.IntegerField(), "status": serializers.CharField()})
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def disburse(self, request, pk=None):
        """放款: pay out a signed, approved loan; fixes the schedule from the disbursement date.
        Honours Idempotency-Key."""
        app = self.get_object()
        s = DisburseIn(data=request.data)
        s.is_valid(raise_exception=True)
        loan = services.loan_disburse(actor=request.user, application=app, **s.validated_data)
        return Response(
            {
                "loan": loan.pk,
                "status": "disbursed",
                "application": app.pk,
                "disbursed_amount": f"{loan.disbursed_amount:.2f}",
                "apr": f"{loan.apr:.4f}",
                "first_due_date": loan.installments.order_by("number").first().due_date,
            },
            status=status.HTTP_201_CREATED,
        )
