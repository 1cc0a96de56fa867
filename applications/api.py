"""REST API for intake (API.md: borrowers, products, applications, documents, me/).

Views only parse input, call a service and render its result: no rules live here."""

from collections import defaultdict

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from microloan.api import FieldsBuiltOnce
from microloan.audit import audit_history
from microloan.errors import NotAllowed
from microloan.models import AuditEvent, Role

from . import selectors, services
from .models import (
    Application,
    Borrower,
    Document,
    DocumentKind,
    DocumentStatus,
    Frequency,
    Lead,
    Method,
    Product,
    SalesChannel,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


# --- serializers -----------------------------------------------------------------------


class BorrowerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Borrower
        fields = [
            "id",
            "full_name",
            "id_number",
            "date_of_birth",
            "sex",
            "mobile",
            "email",
            "address",
            "segment",
            "employer",
            "occupation",
            "years_in_business",
            "monthly_income",
            "marital_status",
            "spouse_name",
            "spouse_id_number",
            "household_size",
            "existing_debts",
            "credit_disqualified",
            "language",
            "branch",
            "officer",
            "created_at",
        ]
        read_only_fields = ["id", "date_of_birth", "sex", "branch", "officer", "created_at"]
        # The service owns uniqueness and the borrower rules (services.borrower_clean): its
        # field errors come back as this serializer's would, 400 {field: [reason]}.
        extra_kwargs = {"id_number": {"validators": []}}


class BorrowerUpdateSerializer(BorrowerSerializer):
    class Meta(BorrowerSerializer.Meta):
        read_only_fields = [*BorrowerSerializer.Meta.read_only_fields, "id_number"]


class ProductSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "category",
            "min_amount",
            "max_amount",
            "min_term",
            "max_term",
            "min_rate",
            "max_rate",
            "methods",
            "frequencies",
            "required_documents",
            "penalty_rate",
            "grace_days",
            "guarantee_type",
            "fee_rate",
            "fee_fixed",
            "channels",
            "prepayment_mode",
            "min_age",
            "max_age",
            "is_active",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for f in ("min_rate", "max_rate", "penalty_rate", "fee_rate"):
            if data[f] is not None:
                data[f] = f"{instance.__dict__[f]:.4f}"
        return data


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "status",
            "content_type",
            "size",
            "original_name",
            "review_reason",
            "uploaded_at",
            "reviewed_at",
        ]


class HistorySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = AuditEvent
        fields = ["at", "actor", "action", "from_state", "to_state", "reason"]


class ApplicationSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    status_history = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "status",
            "borrower",
            "product",
            "amount",
            "term",
            "method",
            "frequency",
            "purpose",
            "channel",
            "guarantors",
            "collateral",
            "branch",
            "officer",
            "created_at",
            "submitted_at",
            "score",
            "grade",
            "reason_codes",
            "approved_amount",
            "approved_term",
            "approved_rate",
            "conditions",
            "documents",
            "checklist",
            "status_history",
        ]

    def get_status_history(self, obj) -> list[dict]:
        history = self.context.get("history", {}).get(obj.pk)
        if history is None:
            history = [e for e in audit_history(entity="application", entity_id=obj.pk) if e.to_state]
        return HistorySerializer(history, many=True).data

    def get_checklist(self, obj) -> list[dict]:
        return services.document_checklist(application=obj, documents=list(obj.documents.all()))


class ApplicationCreateSerializer(serializers.Serializer):
    borrower = serializers.IntegerField(required=False)
    product = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY, min_value=0)
    term = serializers.IntegerField(min_value=1, max_value=600)
    method = serializers.ChoiceField(choices=Method.choices)
    frequency = serializers.ChoiceField(choices=Frequency.choices, default="monthly")
    purpose = serializers.CharField(max_length=2000)
    channel = serializers.ChoiceField(choices=SalesChannel.choices, required=False)
    guarantors = serializers.ListField(child=serializers.DictField(), required=False)
    collateral = serializers.ListField(child=serializers.DictField(), required=False)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(allow_empty_file=True)


class DocumentReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[DocumentStatus.ACCEPTED, DocumentStatus.REJECTED])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class LeadSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "mobile",
            "channel",
            "partner",
            "interest_amount",
            "notes",
            "status",
            "borrower",
            "officer",
            "branch",
            "created_at",
        ]
        read_only_fields = ["id", "status", "borrower", "officer", "branch", "created_at"]


class LeadConvertSerializer(serializers.Serializer):
    borrower = BorrowerSerializer()
    application = ApplicationCreateSerializer(required=False)


# --- helpers ---------------------------------------------------------------------------


def application_response(view, app, extra: dict | None = None, code=status.HTTP_200_OK) -> Response:
    """The application as every transition answers it (re-read with the viewer's scope, so the
    response shows the new status, documents and history), plus any ``extra`` fields."""
    app = selectors.application_list(user=view.request.user).get(pk=app.pk)
    data = ApplicationSerializer(app, context=view.get_serializer_context()).data
    return Response({**data, **(extra or {})}, status=code)


def _history_map(app_ids) -> dict[int, list]:
    """All status changes of a page of applications in one query."""
    out = defaultdict(list)
    for e in (
        AuditEvent.objects.filter(entity="application", entity_id__in=list(app_ids))
        .exclude(to_state="")
        .select_related("actor")
        .order_by("at", "id")
    ):
        out[e.entity_id].append(e)
    return out


def _staff_only(user) -> None:
    if user.role == Role.BORROWER:
        raise NotAllowed("Only staff may do this.")


# --- views -----------------------------------------------------------------------------


@extend_schema(tags=["borrowers"])
class BorrowerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Borrowers (KYC). Staff see their branch tree; a borrower sees only themselves."""

    serializer_class = BorrowerSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["segment"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Borrower.objects.none()
        qs = selectors.borrower_list(user=self.request.user)
        q = self.request.query_params.get("q")
        if q:
            qs = qs.filter(Q(full_name__icontains=q) | Q(id_number__startswith=q.upper()) | Q(mobile__startswith=q))
        return qs

    def get_serializer_class(self):
        return BorrowerUpdateSerializer if self.action == "partial_update" else BorrowerSerializer

    def perform_create(self, serializer):
        _staff_only(self.request.user)
        serializer.instance = services.borrower_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        _staff_only(self.request.user)
        serializer.instance = services.borrower_update(
            actor=self.request.user, borrower=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        parameters=[OpenApiParameter("product", int, required=True)],
        responses=inline_serializer(
            "Admission",
            {"admitted": serializers.BooleanField(), "failures": serializers.ListField(child=serializers.DictField())},
        ),
    )
    @action(detail=True, methods=["get"])
    def admission(self, request, pk=None):
        """准入: the admission criteria for a product, each failure with its reason."""
        borrower = self.get_object()
        try:
            product = selectors.product_list(user=request.user).get(pk=int(request.query_params.get("product", "")))
        except (ValueError, Product.DoesNotExist):
            return Response({"product": ["Give the id of an existing product."]}, status=400)
        failures = services.admission_check(borrower=borrower, product=product)
        return Response(
            {"admitted": not failures, "failures": [{"code": f.code, "message": f.message} for f in failures]}
        )


@extend_schema(tags=["products"])
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """Loan products. Borrowers (and anonymous calculators) see active products only."""

    serializer_class = ProductSerializer
    filterset_fields = ["category", "is_active"]

    def get_queryset(self):
        return selectors.product_list(user=self.request.user)


@extend_schema(tags=["leads"])
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Prospects from marketing (营销登记) and their conversion."""

    serializer_class = LeadSerializer
    filterset_fields = ["status", "channel"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        return selectors.lead_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.lead_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(
        request=LeadConvertSerializer,
        responses=inline_serializer(
            "LeadConverted", {"borrower": serializers.IntegerField(), "application": serializers.IntegerField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        s = LeadConvertSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        app_data = s.validated_data.get("application")
        if app_data:
            app_data = dict(app_data)
            app_data.pop("borrower", None)
            app_data["product"] = _product(request.user, app_data["product"])
        borrower, application = services.lead_convert(
            actor=request.user, lead=lead, borrower_data=dict(s.validated_data["borrower"]), application_data=app_data
        )
        return Response(
            {"borrower": borrower.pk, "application": application.pk if application else None},
            status=status.HTTP_201_CREATED,
        )


def _product(user, pk) -> Product:
    product = selectors.product_list(user=user).filter(pk=pk).first()
    if product is None:
        from microloan.errors import InvalidInput

        raise InvalidInput({"product": ["No such product."]})
    return product


@extend_schema(tags=["applications"])
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Loan applications and their transitions (API.md)."""

    serializer_class = ApplicationSerializer
    filterset_fields = ["status", "product", "borrower"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        return selectors.application_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        ctx = {**self.get_serializer_context(), "history": _history_map(a.pk for a in page)}
        return self.get_paginated_response(ApplicationSerializer(page, many=True, context=ctx).data)

    @extend_schema(request=ApplicationCreateSerializer, responses={201: ApplicationSerializer})
    def create(self, request):
        s = ApplicationCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        user = request.user
        if user.role == Role.BORROWER:
            borrower = Borrower.objects.filter(user=user).first()
            if borrower is None:
                raise NotAllowed("Your login is not linked to a borrower profile.")
            data.pop("borrower", None)
        else:
            if "borrower" not in data:
                return Response({"borrower": ["This field is required."]}, status=400)
            borrower = selectors.borrower_list(user=user).filter(pk=data.pop("borrower")).first()
            if borrower is None:
                return Response({"borrower": ["No such borrower in your branches."]}, status=400)
        data["product"] = _product(user, data["product"])
        app = services.application_create(actor=user, borrower=borrower, **data)
        return application_response(self, app, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        app = services.application_submit(actor=request.user, application=self.get_object())
        return application_response(self, app)

    @extend_schema(request=WithdrawSerializer, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        s = WithdrawSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        app = services.application_withdraw(
            actor=request.user, application=self.get_object(), reason=s.validated_data["reason"]
        )
        return application_response(self, app)

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer}, responses={201: DocumentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        app = self.get_object()
        s = DocumentUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        doc = services.document_upload(actor=request.user, application=app, **s.validated_data)
        return Response(DocumentSerializer(doc).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DocumentReviewSerializer, responses=DocumentSerializer)
    @action(detail=True, methods=["post"], url_path=r"documents/(?P<doc_id>\d+)/review")
    def review_document(self, request, pk=None, doc_id=None):
        app = self.get_object()
        _staff_only(request.user)
        doc = get_object_or_404(Document, pk=doc_id, application=app)
        s = DocumentReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        doc = services.document_review(actor=request.user, document=doc, **s.validated_data)
        return Response(DocumentSerializer(doc).data)


@extend_schema(tags=["me"], responses=BorrowerSerializer)
class MeView(APIView):
    """The signed-in borrower's own profile (staff get their own user summary)."""

    def get(self, request):
        user = request.user
        borrower = Borrower.objects.filter(user=user).select_related("branch").first()
        if borrower is not None:
            return Response(BorrowerSerializer(borrower).data)
        return Response({"username": user.username, "role": user.role, "branch": user.branch_id})
