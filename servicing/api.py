"""Servicing API (API.md): quotes, contract/sign/disburse transitions, loans and schedules."""

from decimal import Decimal

from django.conf import settings
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.views import APIView

from applications import selectors as intake_selectors
from applications.api import ApplicationSerializer, application_response
from applications.models import Application, Frequency, Method, Product
from microloan.api import FieldsBuiltOnce
from microloan.errors import InvalidInput
from microloan.idempotency import idempotent

from . import selectors, services
from .models import Loan, RestructuringKind, SignMethod

MONEY = {"max_digits": 18, "decimal_places": 2}


class QuoteThrottle(AnonRateThrottle):
    scope = "quote"


class QuoteUserThrottle(UserRateThrottle):
    scope = "quote"


class QuoteIn(serializers.Serializer):
    principal = serializers.DecimalField(**MONEY)
    annual_rate = serializers.DecimalField(max_digits=9, decimal_places=6)
    term = serializers.IntegerField()
    frequency = serializers.ChoiceField(choices=Frequency.choices, default="monthly")
    method = serializers.ChoiceField(choices=Method.choices)
    disbursement_date = serializers.DateField(required=False)
    fee = serializers.DecimalField(**MONEY, default=Decimal("0.00"))
    grace_periods = serializers.IntegerField(default=0)
    product = serializers.IntegerField(required=False)


class InstallmentOut(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.CharField()
    interest = serializers.CharField()
    total = serializers.CharField()
    balance_after = serializers.CharField()


QuoteOut = inline_serializer(
    "Quote",
    {
        "installments": InstallmentOut(many=True),
        "total_principal": serializers.CharField(),
        "total_interest": serializers.CharField(),
        "total_payable": serializers.CharField(),
        "apr": serializers.CharField(),
    },
)


@extend_schema(tags=["quotes"], request=QuoteIn, responses=QuoteOut)
class QuoteView(APIView):
    """A schedule and its APR for any terms, before a loan exists (anonymous, throttled)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [QuoteThrottle]

    def post(self, request):
        s = QuoteIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        product_id = data.pop("product", None)
        if product_id is not None:
            product = Product.objects.filter(pk=product_id, is_active=True).first()
            if product is None:
                raise InvalidInput({"product": ["No such active product."]})
            data["product"] = product
        return Response(services.quote(**data).as_dict())


class ContractIn(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)


class SignIn(serializers.Serializer):
    method = serializers.ChoiceField(choices=SignMethod.choices, default="in_person")


class DisburseIn(serializers.Serializer):
    disbursed_on = serializers.DateField()
    channel = serializers.CharField(max_length=30)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


@extend_schema(tags=["applications"])
class ContractViewSet(viewsets.GenericViewSet):
    """Contract, signing and disbursement of an approved application."""

    serializer_class = ApplicationSerializer
    queryset = Application.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
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
            201: inline_serializer("Disbursed", {"loan": serializers.IntegerField(), "status": serializers.CharField()})
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


class LoanSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
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
            "business_date",
            "schedule_version",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for f in ("annual_rate", "apr", "penalty_rate"):
            data[f] = f"{getattr(instance, f):.4f}"
        return data


class ScheduleRowOut(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.CharField()
    interest = serializers.CharField()
    total = serializers.CharField()
    balance_after = serializers.CharField()
    fee = serializers.CharField()
    penalty = serializers.CharField()
    paid_principal = serializers.CharField()
    paid_interest = serializers.CharField()
    paid_fee = serializers.CharField()
    paid_penalty = serializers.CharField()
    paid_total = serializers.CharField()
    status = serializers.CharField()


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


# --- repayments ------------------------------------------------------------------------


class RepaymentIn(serializers.Serializer):
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    channel = serializers.ChoiceField(
        choices=[("cash", "cash"), ("transfer", "transfer"), ("pos", "pos"), ("wallet", "wallet")]
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AllocationOut(serializers.Serializer):
    installment = serializers.IntegerField(source="installment.number")
    due_date = serializers.DateField(source="installment.due_date")
    penalty = serializers.DecimalField(**MONEY)
    fee = serializers.DecimalField(**MONEY)
    interest = serializers.DecimalField(**MONEY)
    principal = serializers.DecimalField(**MONEY)


class RepaymentOut(serializers.ModelSerializer):
    allocations = AllocationOut(many=True, read_only=True)
    allocated = serializers.SerializerMethodField()

    class Meta:
        from .models import Repayment

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
        "date": serializers.DateField(),
        "amount": serializers.CharField(),
        "principal": serializers.CharField(),
        "interest": serializers.CharField(),
        "fees": serializers.CharField(),
        "penalty": serializers.CharField(),
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
        from .repayments import repayment_post

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
        from .repayments import repayment_reverse

        loan = self.get_object()
        r = loan.repayments.filter(pk=repayment_id).first()
        if r is None:
            raise Http404
        s = ReverseIn(data=request.data)
        s.is_valid(raise_exception=True)
        repayment_reverse(actor=request.user, repayment=r, reason=s.validated_data["reason"])
        return Response(RepaymentOut(self._repayments(loan).get(pk=r.pk)).data)

    @extend_schema(parameters=[inline_serializer("PayoffDate", {"date": serializers.DateField()})], responses=PayoffOut)
    @action(detail=True, methods=["get"], url_path="payoff-quote")
    def payoff_quote(self, request, pk=None):
        """What paying off on a date costs; paying `amount` on that date closes the loan."""
        from microloan.business_date import business_date

        from .repayments import payoff_quote

        loan = self.get_object()
        s = serializers.DateField()
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
    loan = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()


@extend_schema(tags=["payments"], request=CallbackIn, responses={200: RepaymentOut, 201: RepaymentOut})
class PaymentCallbackView(APIView):
    """A payment channel's notice, signed with HMAC-SHA256 (hex, X-Signature) over the raw body;
    idempotent on (channel, transaction id). A bad signature is 401 and changes nothing."""

    permission_classes = [AllowAny]
    authentication_classes = []

    def post(self, request):
        import json

        from .repayments import callback_post, callback_verify

        raw = request.body
        try:
            payload = json.loads(raw)
            channel_code = str(payload.get("channel", ""))
        except (ValueError, AttributeError):
            return Response({"detail": "The body is not a JSON object."}, status=400)
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
        r = r.loan.repayments.prefetch_related("allocations__installment").get(pk=r.pk)
        return Response(RepaymentOut(r).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RestructuringIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RestructuringKind.choices)
    cause = serializers.ChoiceField(choices=["hardship", "disaster"])
    periods = serializers.IntegerField(min_value=0, max_value=60, default=0)
    reason = serializers.CharField(max_length=2000)


class RestructuringDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RestructuringOut(serializers.ModelSerializer):
    class Meta:
        from .models import Restructuring

        model = Restructuring
        fields = [
            "id",
            "loan",
            "kind",
            "cause",
            "periods",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "effective_date",
            "from_version",
            "to_version",
            "waived_amount",
        ]


class LoanRestructuringMixin:
    @extend_schema(request=RestructuringIn, responses={201: RestructuringOut})
    @action(detail=True, methods=["post"])
    def restructurings(self, request, pk=None):
        """Request a deferral, extension or penalty waiver (a manager approves it)."""
        from .restructuring import restructuring_request

        loan = self.get_object()
        s = RestructuringIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = restructuring_request(actor=request.user, loan=loan, **s.validated_data)
        return Response(RestructuringOut(r).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RestructuringDecisionIn, responses=RestructuringOut)
    @action(detail=True, methods=["post"], url_path=r"restructurings/(?P<restructuring_id>\d+)/decision")
    def restructuring_decision(self, request, pk=None, restructuring_id=None):
        """Approve (writes a new schedule version) or reject a restructuring request."""
        from .restructuring import restructuring_decide

        loan = self.get_object()
        r = loan.restructurings.filter(pk=restructuring_id).first()
        if r is None:
            raise Http404
        s = RestructuringDecisionIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = restructuring_decide(actor=request.user, restructuring=r, **s.validated_data)
        return Response(RestructuringOut(r).data)


def _language(request, default: str) -> str:
    lang = request.query_params.get("language") or default
    if lang not in ("zh-hans", "en"):
        raise InvalidInput({"language": ["Choose zh-hans or en."]})
    return lang


class LoanDocumentsMixin:
    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path=r"repayments/(?P<repayment_id>\d+)/receipt")
    def receipt(self, request, pk=None, repayment_id=None):
        """The repayment receipt as PDF (?language=zh-hans|en)."""
        from django.http import HttpResponse

        from .documents import receipt_pdf

        loan = self.get_object()
        r = (
            loan.repayments.select_related("loan__borrower", "loan__contract", "posted_by")
            .filter(pk=repayment_id)
            .first()
        )
        if r is None:
            raise Http404
        pdf = receipt_pdf(repayment=r, language=_language(request, loan.borrower.language))
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{r.receipt_number}.pdf"'},
        )

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def statement(self, request, pk=None):
        """The loan statement as PDF for ?from=&to= (default: disbursement to the business date)."""
        from django.http import HttpResponse

        from microloan.business_date import business_date

        from .documents import statement_pdf

        loan = self.get_object()
        f = serializers.DateField()
        try:
            start = (
                f.to_internal_value(request.query_params["from"])
                if "from" in request.query_params
                else loan.disbursed_on
            )
            end = (
                f.to_internal_value(request.query_params["to"])
                if "to" in request.query_params
                else max(business_date(), loan.disbursed_on)
            )
        except serializers.ValidationError as exc:
            raise InvalidInput({"from": exc.detail}) from None
        if start > end:
            raise InvalidInput({"from": ["The period starts after it ends."]})
        pdf = statement_pdf(loan=loan, start=start, end=end, language=_language(request, loan.borrower.language))
        return HttpResponse(
            pdf,
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="statement-{loan.pk}.pdf"'},
        )


@extend_schema(tags=["loans"])
class LoanViewSet(
    LoanRepaymentsMixin,
    LoanRestructuringMixin,
    LoanDocumentsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Loans: staff see their branch tree, borrowers their own."""

    serializer_class = LoanSerializer
    filterset_fields = ["status", "bucket", "classification", "borrower"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Loan.objects.none()
        qs = selectors.loan_list(user=self.request.user)
        if self.action in ("list", "retrieve", "schedule"):
            # These show the related rows by id only: joining and building them is wasted.
            qs = qs.select_related(None)
        return qs

    @extend_schema(responses=inline_serializer("LoanSchedule", {"installments": ScheduleRowOut(many=True)}))
    @action(detail=True, methods=["get"])
    def schedule(self, request, pk=None):
        """The current schedule with what has been paid of each part and each instalment's status."""
        loan = self.get_object()
        return Response(
            {
                "loan": loan.pk,
                "schedule_version": loan.schedule_version,
                "installments": schedule_rows(selectors.current_installments(loan)),
            }
        )
