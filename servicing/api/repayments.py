"""Repayments of a loan (list, post, reverse, the payoff quote) and the payment channels'
signed callback."""

from decimal import Decimal

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from microloan import fields, parsers
from microloan.errors import InvalidInput
from microloan.idempotency import idempotent

from ..models import Repayment
from .common import MONEY


class RepaymentIn(serializers.Serializer):
    amount = fields.DecimalField(**MONEY)
    paid_on = fields.DateField()
    channel = serializers.ChoiceField(
        choices=[("cash", "cash"), ("transfer", "transfer"), ("pos", "pos"), ("wallet", "wallet")]
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AllocationOut(serializers.Serializer):
    installment = fields.IntegerField(source="installment.number")
    due_date = fields.DateField(source="installment.due_date")
    penalty = fields.DecimalField(**MONEY)
    fee = fields.DecimalField(**MONEY)
    interest = fields.DecimalField(**MONEY)
    principal = fields.DecimalField(**MONEY)


class RepaymentOut(fields.ModelSerializer):
    allocations = AllocationOut(many=True, read_only=True)
    allocated = serializers.SerializerMethodField()

    class Meta:
        model = Repayment
        fields = [
            "id",
            "loan",
            "amount",
            "paid_on",
            "channel",
            "reference",
            "external_id",
            "status",
            "receipt_number",
            "unapplied",
            "allocations",
            "allocated",
            "posted_at",
            "reversed_at",
            "reversal_reason",
        ]

    def get_allocated(self, obj) -> dict:
        rows = list(obj.allocations.all())
        return {
            p: f"{sum((getattr(a, p) for a in rows), Decimal('0')):.2f}"
            for p in ("penalty", "fee", "interest", "principal")
        }


class ReverseIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


PayoffOut = inline_serializer(
    "PayoffQuote",
    {
        "date": fields.DateField(),
        "amount": fields.DecimalString(),
        "principal": fields.DecimalString(),
        "interest": fields.DecimalString(),
        "fees": fields.DecimalString(),
        "penalty": fields.DecimalString(),
    },
)


class LoanRepaymentsMixin:
    """Repayments of one loan: list, post (Idempotency-Key), reverse; the payoff quote."""

    def _repayments(self, loan):
        return loan.repayments.prefetch_related("allocations__installment").order_by("id")

    @extend_schema(methods=["get"], responses=RepaymentOut(many=True))
    @extend_schema(methods=["post"], request=RepaymentIn, responses={201: RepaymentOut})
    @action(detail=True, methods=["get", "post"])
    def repayments(self, request, pk=None):
        """GET lists the loan's repayments; POST (staff) posts one and shows its allocation."""
        if request.method == "GET":
            loan = self.get_object()
            page = self.paginate_queryset(self._repayments(loan))
            return self.get_paginated_response(RepaymentOut(page, many=True).data)
        return self._post_repayment(request)

    @idempotent
    def _post_repayment(self, request, pk=None):
        from ..repayments import repayment_post

        loan = self.get_object()
        s = RepaymentIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = repayment_post(actor=request.user, loan=loan, **s.validated_data)
        r = self._repayments(loan).get(pk=r.pk)
        return Response(RepaymentOut(r).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReverseIn, responses=RepaymentOut)
    @action(detail=True, methods=["post"], url_path=r"repayments/(?P<repayment_id>\d+)/reverse")
    def reverse_repayment(self, request, pk=None, repayment_id=None):
        """Reverse a wrong posting (by someone other than who posted it); later ones re-allocate."""
        from ..repayments import repayment_reverse

        loan = self.get_object()
        r = loan.repayments.filter(pk=repayment_id).first()
        if r is None:
            raise Http404
        s = ReverseIn(data=request.data)
        s.is_valid(raise_exception=True)
        repayment_reverse(actor=request.user, repayment=r, reason=s.validated_data["reason"])
        return Response(RepaymentOut(self._repayments(loan).get(pk=r.pk)).data)

    @extend_schema(
        parameters=[inline_serializer("PayoffDate", {"date": fields.DateField(required=False)})], responses=PayoffOut
    )
    @action(detail=True, methods=["get"], url_path="payoff-quote")
    def payoff_quote(self, request, pk=None):
        """What paying off on a date costs; paying `amount` on that date closes the loan."""
        from microloan.business_date import business_date

        from ..repayments import payoff_quote

        loan = self.get_object()
        s = fields.DateField()
        raw = request.query_params.get("date")
        try:
            on = s.to_internal_value(raw) if raw else business_date()
        except serializers.ValidationError as exc:
            raise InvalidInput({"date": exc.detail}) from None
        p = payoff_quote(loan=loan, on=on)
        return Response(
            {
                "date": on,
                "amount": f"{p.amount:.2f}",
                "principal": f"{p.principal:.2f}",
                "interest": f"{p.interest:.2f}",
                "fees": f"{p.fees:.2f}",
                "penalty": f"{p.penalty:.2f}",
            }
        )


class CallbackIn(serializers.Serializer):
    channel = serializers.CharField(max_length=30)
    transaction_id = serializers.CharField(max_length=100)
    loan = fields.IntegerField()
    amount = fields.DecimalField(**MONEY)
    paid_on = fields.DateField()


class CallbackRecoveryOut(serializers.Serializer):
    recovery = fields.IntegerField(source="pk")
    loan = fields.IntegerField(source="loan_id")
    amount = fields.DecimalField(**MONEY)
    received_on = fields.DateField()
    status = serializers.CharField()


@extend_schema(
    tags=["payments"],
    request=CallbackIn,
    responses={200: RepaymentOut, 201: RepaymentOut, 202: CallbackRecoveryOut},
)
class PaymentCallbackView(APIView):
    """A payment channel's notice, signed with HMAC-SHA256 (hex, X-Signature) over the raw body;
    idempotent on (channel, transaction id). A bad signature is 401 and changes nothing. On a
    written-off loan the payment is a recovery, recorded for another person's confirmation:
    202 with the recovery (the same one on a replay)."""

    permission_action = "public"
    authentication_classes = []

    def post(self, request):
        from ..repayments import callback_post, callback_verify

        raw = request.body
        payload = parsers.loads(raw)  # the API's limits on a body read raw for its signature
        if not isinstance(payload, dict):
            return Response({"detail": "The body is not a JSON object."}, status=400)
        channel_code = str(payload.get("channel", ""))
        try:
            channel = callback_verify(
                channel_code=channel_code, raw_body=raw, signature=request.headers.get("X-Signature", "")
            )
        except Exception:  # noqa: BLE001 - any failure to verify is the same 401
            return Response({"detail": "Bad or missing signature."}, status=status.HTTP_401_UNAUTHORIZED)
        s = CallbackIn(data=payload)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        r, created = callback_post(
            channel=channel,
            transaction_id=d["transaction_id"],
            loan_id=d["loan"],
            amount=d["amount"],
            paid_on=d["paid_on"],
        )
        if not isinstance(r, Repayment):  # a recovery on a written-off loan, waiting for confirmation
            return Response(CallbackRecoveryOut(r).data, status=status.HTTP_202_ACCEPTED)
        r = r.loan.repayments.prefetch_related("allocations__installment").get(pk=r.pk)
        return Response(RepaymentOut(r).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
