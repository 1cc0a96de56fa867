"""Borrowers (KYC) and their admission check; the signed-in user's own profile (me/)."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from microloan import fields
from microloan.api import ScopedQueryset
from microloan.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from microloan.parsers import FormParser, MultiPartParser
from microloan.pii import id_number_lookup

from .. import selectors, services
from ..models import Borrower, Consent, Product
from ..services import onboarding
from .onboarding import ProfileChangeSerializer
from .serializers import (
    BorrowerRevealSerializer,
    BorrowerSerializer,
    BorrowerUpdateSerializer,
    ConsentRecordSerializer,
    ConsentRevokeSerializer,
    ConsentSerializer,
)


@extend_schema(tags=["borrowers"])
class BorrowerViewSet(
    ScopedQueryset,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Borrowers (KYC). Staff see their branch tree; a borrower sees only themselves."""

    permissions = {
        "list": "borrower.view",
        "retrieve": "borrower.view",
        "admission": "borrower.view",
        "reveal": "borrower.reveal",
        "consents": {"GET": "consent.view", "POST": "consent.record"},
        "revoke_consent": "consent.revoke",
        "create": "borrower.create",
        "update": "borrower.change",
        "partial_update": "borrower.change",
    }

    serializer_class = BorrowerSerializer
    queryset = Borrower.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["segment"]

    def scoped_queryset(self):
        qs = selectors.borrower_list(user=self.request.user)
        q = self.request.query_params.get("q")
        if q:
            qs = qs.filter(Q(full_name__icontains=q) | id_number_lookup(self.request.user, q) | Q(mobile__startswith=q))
        return qs

    def get_serializer_class(self):
        return BorrowerUpdateSerializer if self.action == "partial_update" else BorrowerSerializer

    def perform_create(self, serializer):
        serializer.instance = services.borrower_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.borrower_update(
            actor=self.request.user, borrower=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=None, responses=BorrowerRevealSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The borrower's resident ID number, mobile, address and spouse data in clear (every
        other answer masks them), for the roles that may; each reveal is audited (who, whose,
        when; never the values)."""
        borrower = self.get_object()
        values = services.borrower_reveal(actor=request.user, borrower=borrower)
        return Response(BorrowerRevealSerializer({"id": borrower.pk, **values}).data)

    @extend_schema(methods=["GET"], request=None, responses=ConsentSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": ConsentRecordSerializer},
        responses={201: ConsentSerializer},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def consents(self, request, pk=None):
        """The borrower's consents (授权书), newest first; POST records one with its signed
        document (multipart ``purpose``, ``granted_on``, ``expires_on``, ``file``; audited). A
        credit record needs a ``credit_inquiry`` consent in force on its date."""
        borrower = self.get_object()
        if request.method == "GET":
            # Paginated like every list (the schema says so: PaginatedConsentList).
            page = self.paginate_queryset(borrower.consents.order_by("-granted_on", "-id"))
            return self.get_paginated_response(ConsentSerializer(page, many=True).data)
        s = ConsentRecordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        consent = services.consent_record(actor=request.user, borrower=borrower, **s.validated_data)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentRevokeSerializer, responses=ConsentSerializer, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @action(detail=True, methods=["post"], url_path=r"consents/(?P<consent_id>\d+)/revoke")
    @idempotent
    def revoke_consent(self, request, pk=None, consent_id=None):
        """Withdraws a consent from now on (audited): no credit record may rely on it after."""
        borrower = self.get_object()
        consent = get_object_or_404(Consent, pk=consent_id, borrower=borrower)
        s = ConsentRevokeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        consent = services.consent_revoke(actor=request.user, consent=consent, **s.validated_data)
        return Response(ConsentSerializer(consent).data)

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


@extend_schema(tags=["me"], responses=BorrowerSerializer)
class MeView(APIView):
    """The signed-in borrower's own profile (staff get their own user summary)."""

    permission_action = "account"
    permissions = {"PATCH": "me.profile"}

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="Me",
            serializers=[
                BorrowerSerializer,
                inline_serializer(
                    "StaffMe",
                    {
                        "username": serializers.CharField(),
                        "role": serializers.CharField(),
                        "branch": fields.IntegerField(allow_null=True),
                    },
                ),
            ],
            resource_type_field_name=None,
        )
    )
    def get(self, request):
        user = request.user
        borrower = Borrower.objects.filter(user=user).select_related("branch").first()
        if borrower is not None:
            return Response(BorrowerSerializer(borrower).data)
        return Response({"username": user.username, "role": user.role, "branch": user.branch_id})

    @extend_schema(request=ProfileChangeSerializer, responses=BorrowerSerializer)
    def patch(self, request):
        """The borrower's own contact details; a new mobile needs the SMS code sent to it."""
        s = ProfileChangeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        borrower = onboarding.profile_update(actor=request.user, code=data.pop("code", ""), **data)
        return Response(BorrowerSerializer(borrower).data)


@extend_schema(
    tags=["me"],
    responses=inline_serializer(
        "MyDataExport",
        {
            "exported_at": serializers.DateTimeField(),
            "business_date": fields.DateField(),
            "profile": serializers.DictField(),
            "applications": serializers.ListField(child=serializers.DictField()),
            "documents": serializers.ListField(child=serializers.DictField()),
            "consents": serializers.ListField(child=serializers.DictField()),
            "notifications": serializers.ListField(child=serializers.DictField()),
            "credit_records": serializers.ListField(child=serializers.DictField()),
            "loans": serializers.ListField(child=serializers.DictField()),
            "complaints": serializers.ListField(child=serializers.DictField()),
        },
    ),
)
class MeExportView(APIView):
    """The signed-in borrower's own data as one JSON document (PIPL art. 45): the profile in
    clear, applications, documents' metadata, consents, notifications, credit records, loans
    with their schedules and repayments, complaints. Each export is audited (no values)."""

    permission_action = "me.export"

    def get(self, request):
        response = Response(services.borrower_export(actor=request.user))
        response["Cache-Control"] = "no-store"
        response["Content-Disposition"] = 'attachment; filename="my-data.json"'
        return response
