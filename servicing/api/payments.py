"""The borrower's payments from the app (#13): payment orders on a loan
(``GET/POST /api/v1/loans/{id}/payment-orders/``) and auto-debit mandates
(``GET/POST /api/v1/me/mandates/``, ``POST /api/v1/me/mandates/{id}/revoke/``). Thin: the
rules are ``servicing.payment_orders``' and ``servicing.mandates``'."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from applications.models import Borrower
from microloan import fields
from microloan.api import ScopedQueryset
from microloan.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent

from .. import mandates, payment_orders, selectors
from ..payment_models import DebitAttempt, Mandate, PaymentOrder, PaymentOrderKind


class PaymentOrderIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaymentOrderKind.choices)
    channel = serializers.CharField(max_length=30, help_text=gettext_lazy("A payment channel's code, e.g. demo."))
    amount = fields.DecimalField(
        max_digits=18,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Required for kind amount; for due and payoff, when given, must be that amount."),
    )


class PaymentOrderOut(fields.ModelSerializer):
    pay_url = serializers.SerializerMethodField()
    receipt_number = serializers.SerializerMethodField()
    repayment = serializers.SerializerMethodField()

    class Meta:
        model = PaymentOrder
        fields = [
            "id",
            "loan",
            "kind",
            "status",
            "amount",
            "channel",
            "reference",
            "pay_url",
            "created_at",
            "expires_at",
            "settled_at",
            "repayment",
            "receipt_number",
            "failure_reason",
        ]
        read_only_fields = fields

    def get_pay_url(self, obj) -> str:
        return payment_orders.pay_url(obj, self.context.get("request"))

    def get_repayment(self, obj) -> int | None:
        return obj.repayment_id

    def get_receipt_number(self, obj) -> str:
        return obj.repayment.receipt_number if obj.repayment_id else ""


class PaymentOrdersView(ScopedQueryset, generics.GenericAPIView):
    """A loan's payment orders: the borrower pays from the app (POST; honours
    Idempotency-Key) and reads them with their status and receipt (GET). The demo channel's
    ``pay_url`` is the training sandbox's payment page."""

    permissions = {"GET": "payment_order.view", "POST": "payment_order.create"}
    serializer_class = PaymentOrderOut
    queryset = PaymentOrder.objects.none()

    def scoped_queryset(self):
        return PaymentOrder.objects.filter(loan__in=selectors.loan_list(user=self.request.user))

    def _loan(self, pk):
        return get_object_or_404(selectors.loan_list(user=self.request.user).select_related("borrower"), pk=pk)

    @extend_schema(tags=["loans"], responses=PaymentOrderOut(many=True))
    def get(self, request, pk):
        loan = self._loan(pk)
        payment_orders.payment_orders_expire(loan_ids=[loan.pk])
        qs = self.get_queryset().filter(loan=loan).select_related("repayment").order_by("-created_at", "-id")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(PaymentOrderOut(page, many=True, context={"request": request}).data)

    @extend_schema(
        tags=["loans"],
        request=PaymentOrderIn,
        responses={201: PaymentOrderOut},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @idempotent
    def post(self, request, pk):
        loan = self._loan(pk)
        s = PaymentOrderIn(data=request.data)
        s.is_valid(raise_exception=True)
        order = payment_orders.payment_order_create(actor=request.user, loan=loan, **s.validated_data)
        return Response(PaymentOrderOut(order, context={"request": request}).data, status=status.HTTP_201_CREATED)


class MandateIn(serializers.Serializer):
    channel = serializers.CharField(max_length=30)
    account_last4 = serializers.CharField(max_length=4, min_length=4)


class DebitOut(fields.ModelSerializer):
    class Meta:
        model = DebitAttempt
        fields = ["business_date", "loan", "amount", "status", "reason", "reference"]
        read_only_fields = fields


class MandateOut(fields.ModelSerializer):
    last_debit = serializers.SerializerMethodField()

    class Meta:
        model = Mandate
        fields = ["id", "channel", "account_last4", "status", "created_at", "revoked_at", "last_debit"]
        read_only_fields = fields

    @extend_schema_field(DebitOut(allow_null=True))
    def get_last_debit(self, obj) -> dict | None:
        a = self.context.get("last", {}).get(obj.pk)
        return DebitOut(a).data if a is not None else None


class MandatesView(ScopedQueryset, generics.GenericAPIView):
    """The signed-in borrower's auto-debit mandates (代扣授权) with each one's latest debit
    (a failure's reason shown); POST gives a new one (one active at a time)."""

    permissions = {"GET": "mandate.view", "POST": "mandate.create"}
    serializer_class = MandateOut
    queryset = Mandate.objects.none()

    def scoped_queryset(self):
        return Mandate.objects.filter(borrower__in=Borrower.objects.filter(user=self.request.user))

    def _last(self, ms) -> dict:
        return mandates.last_debits_by_mandate(ms)

    @extend_schema(tags=["me"], responses=MandateOut(many=True))
    def get(self, request):
        qs = Mandate.objects.filter(borrower__in=Borrower.objects.filter(user=request.user)).order_by(
            "-created_at", "-id"
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(MandateOut(page, many=True, context={"last": self._last(page)}).data)

    @extend_schema(tags=["me"], request=MandateIn, responses={201: MandateOut})
    def post(self, request):
        s = MandateIn(data=request.data)
        s.is_valid(raise_exception=True)
        m = mandates.mandate_create(actor=request.user, **s.validated_data)
        return Response(MandateOut(m, context={"last": {}}).data, status=status.HTTP_201_CREATED)


class MandateRevokeView(ScopedQueryset, generics.GenericAPIView):
    """Revokes one of the borrower's mandates: no more automatic debits."""

    permission_action = "mandate.revoke"
    serializer_class = MandateOut
    queryset = Mandate.objects.none()

    @extend_schema(tags=["me"], request=None, responses=MandateOut)
    def post(self, request, pk):
        m = get_object_or_404(self.get_queryset(), pk=pk)
        m = mandates.mandate_revoke(actor=request.user, mandate=m)
        return Response(MandateOut(m, context={"last": self._last_for(m)}).data)

    def scoped_queryset(self):
        return Mandate.objects.filter(borrower__user=self.request.user)

    def _last_for(self, m) -> dict:
        a = DebitAttempt.objects.filter(mandate=m).order_by("-business_date", "-id").first()
        return {m.pk: a} if a else {}
