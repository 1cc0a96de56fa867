"""Prospects from marketing (营销登记) and their conversion into a borrower and an application."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from microloan import fields
from microloan.api import ScopedQueryset
from microloan.pii import mask

from .. import selectors, services
from ..models import Lead
from .common import product_for
from .serializers import LeadConvertSerializer, LeadSerializer


@extend_schema(tags=["leads"])
class LeadViewSet(
    ScopedQueryset, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Prospects from marketing (营销登记) and their conversion."""

    permissions = {"list": "lead.view", "retrieve": "lead.view", "create": "lead.create", "convert": "lead.convert"}
    serializer_class = LeadSerializer
    queryset = Lead.objects.none()
    filterset_fields = ["status", "channel"]

    def scoped_queryset(self):
        return selectors.lead_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.lead_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(
        request=LeadConvertSerializer,
        responses=inline_serializer(
            "LeadConverted", {"borrower": fields.IntegerField(), "application": fields.IntegerField()}
        ),
    )
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        data = request.data
        given = data.get("borrower") if hasattr(data, "get") else None
        if isinstance(given, dict) and given.get("mobile") == mask("mobile", lead.mobile):
            # The lead's mobile as the API showed it (masked): the lead's own number.
            data = {**data, "borrower": {**given, "mobile": lead.mobile}}
        s = LeadConvertSerializer(data=data)
        s.is_valid(raise_exception=True)
        app_data = s.validated_data.get("application")
        if app_data:
            app_data = dict(app_data)
            app_data.pop("borrower", None)
            app_data["product"] = product_for(request.user, app_data["product"])
        borrower, application = services.lead_convert(
            actor=request.user, lead=lead, borrower_data=dict(s.validated_data["borrower"]), application_data=app_data
        )
        return Response(
            {"borrower": borrower.pk, "application": application.pk if application else None},
            status=status.HTTP_201_CREATED,
        )
