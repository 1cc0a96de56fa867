"""Contract, signing and disbursement (prepared by one person, released by another) of an
approved application."""

from django.conf import settings
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from applications import selectors as intake_selectors
from applications.api import ApplicationSerializer, application_response
from applications.models import Application
from microloan import fields
from microloan.api import ScopedQueryset
from microloan.errors import TransitionNotAllowed
from microloan.idempotency import idempotent
from microloan.net import client_ip

from .. import disbursement, services
from ..models import SignMethod


class ContractIn(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


class SignIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=SignMethod.choices, default="in_person")
    code = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The borrower's SMS code for purpose sign (electronic signing)."),
    )
    accepted = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("The borrower read the contract and accepts it (electronic signing)."),
    )


class ConditionMetIn(serializers.Serializer):
    number = fields.IntegerField(min_value=1, max_value=100, help_text="The condition's number (1, 2, ...).")
    document = fields.IntegerField(min_value=1, help_text="An accepted document of the application.")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DisburseIn(serializers.Serializer):
    disbursed_on = fields.DateField()
    channel = serializers.CharField(max_length=30)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    beneficiary_account = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Required unless the channel is cash."
    )
    amount = fields.DecimalField(
        max_digits=18,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="When given, must be what is paid out: the principal less the upfront fee.",
    )
    conditions_met = ConditionMetIn(many=True, required=False, default=list, max_length=100)


class ReturnIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def prepared_body(d) -> dict:
    return {
        "status": d.application.status,
        "application": d.application_id,
        "disbursement": d.pk,
        "disbursement_status": d.status,
        "amount": f"{d.amount:.2f}",
        "disbursed_on": d.disbursed_on,
        "channel": d.channel,
        "reference": d.reference,
        "beneficiary_account": disbursement.masked_account(d.beneficiary_account),
        "prepared_by": d.prepared_by_id,
        "conditions_met": [
            {"number": c.number, "condition": c.text, "document": c.document_id, "note": c.note}
            for c in d.conditions.all()
        ],
    }


Prepared = inline_serializer(
    "DisbursementPrepared",
    {
        "status": serializers.CharField(),
        "application": fields.IntegerField(),
        "disbursement": fields.IntegerField(),
        "disbursement_status": serializers.CharField(),
        "amount": fields.DecimalString(),
        "disbursed_on": fields.DateField(),
        "channel": serializers.CharField(),
        "reference": serializers.CharField(),
        "beneficiary_account": serializers.CharField(),
        "prepared_by": fields.IntegerField(),
        "conditions_met": serializers.ListField(child=serializers.DictField()),
        # Only in the answer of return-release: why it was sent back.
        "return_reason": serializers.CharField(required=False),
    },
)


@extend_schema(tags=["applications"])
class ContractViewSet(ScopedQueryset, viewsets.GenericViewSet):
    """Contract, signing and disbursement of an approved application."""

    permissions = {
        "contract_pdf": "contract.view",
        "contract": "application.contract",
        "sign": "application.sign",
        "disburse": "application.disburse",
        "release": "disbursement.release",
        "return_release": "disbursement.return",
    }

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
        """Record the signing of the current contract version (approved → contracted): staff
        in person; the borrower in the app (method electronic, the SMS code for purpose sign,
        accepted true)."""
        app = self.get_object()
        s = SignIn(data=request.data)
        s.is_valid(raise_exception=True)
        services.contract_sign(
            actor=request.user,
            application=app,
            client_ip=client_ip(request),
            device=request.META.get("HTTP_USER_AGENT", ""),
            **s.validated_data,
        )
        return application_response(self, app)

    @extend_schema(request=DisburseIn, responses={202: Prepared})
    @action(detail=True, methods=["post"])
    @idempotent
    def disburse(self, request, pk=None):
        """放款, the maker's half: prepare the payment of a signed, approved loan (amount,
        beneficiary account, channel, each of the approval's conditions met with an accepted
        document). The application waits in ``pending_release`` for another person to
        release it. Honours Idempotency-Key."""
        app = self.get_object()
        s = DisburseIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = disbursement.disbursement_prepare(actor=request.user, application=app, **s.validated_data)
        return Response(prepared_body(d), status=status.HTTP_202_ACCEPTED)

    def _pending(self, app, action: str):
        d = disbursement.pending_disbursement(app)
        if d is None:
            raise TransitionNotAllowed(
                entity="application",
                action=action,
                status=app.status,
                message=_("No disbursement of this application is waiting for release."),
            )
        return d

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "Disbursed",
                {
                    "loan": fields.IntegerField(),
                    "status": serializers.CharField(),
                    "application": fields.IntegerField(),
                    "disbursement": fields.IntegerField(),
                    "disbursed_amount": fields.DecimalString(),
                    "apr": fields.DecimalString(),
                    "first_due_date": fields.DateField(),
                },
            )
        },
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def release(self, request, pk=None):
        """放款, the checker's half: release the prepared disbursement (an operations supervisor
        or a manager, never its preparer: 403). Admission, the caps, the contract and the
        conditions' documents are checked again; the loan, its schedule and the journal entry
        are made now. Honours Idempotency-Key."""
        app = self.get_object()
        d = self._pending(app, "release")
        loan = disbursement.disbursement_release(actor=request.user, disbursement=d)
        return Response(
            {
                "loan": loan.pk,
                "status": "disbursed",
                "application": app.pk,
                "disbursement": d.pk,
                "disbursed_amount": f"{loan.disbursed_amount:.2f}",
                "apr": f"{loan.apr:.4f}",
                "first_due_date": loan.installments.order_by("number").first().due_date,
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=ReturnIn, responses=Prepared)
    @action(detail=True, methods=["post"], url_path="return-release")
    def return_release(self, request, pk=None):
        """Send the prepared disbursement back with a reason (never by its preparer: 403); the
        application is contracted again, to be prepared anew."""
        app = self.get_object()
        d = self._pending(app, "return_release")
        s = ReturnIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = disbursement.disbursement_return(actor=request.user, disbursement=d, reason=s.validated_data["reason"])
        d.application.refresh_from_db(fields=["status"])
        return Response({**prepared_body(d), "return_reason": d.return_reason})
