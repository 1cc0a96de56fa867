"""Borrowers (KYC) and their admission check; the signed-in user's own profile (me/)."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from microloan.api import ScopedQueryset
from microloan.fields import IntegerField
from microloan.pii import id_number_lookup

from .. import selectors, services
from ..models import Borrower, Product
from .serializers import BorrowerRevealSerializer, BorrowerSerializer, BorrowerUpdateSerializer


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
                        "branch": IntegerField(allow_null=True),
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
