"""Loan applications: create, list, submit, withdraw, their documents and the documents' review."""

from collections import defaultdict

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from microloan.api import ScopedQueryset
from microloan.errors import NotAllowed
from microloan.models import AuditEvent, Role
from microloan.parsers import FormParser, MultiPartParser

from .. import selectors, services
from ..models import Application, Borrower, Document
from .common import application_response, product_for
from .serializers import (
    ApplicationCreateSerializer,
    ApplicationRevealSerializer,
    ApplicationSerializer,
    DocumentReviewSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    WithdrawSerializer,
)


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


@extend_schema(tags=["applications"])
class ApplicationViewSet(ScopedQueryset, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Loan applications and their transitions (API.md)."""

    permissions = {
        "list": "application.view",
        "retrieve": "application.view",
        "create": "application.create",
        "documents": "document.upload",
        "review_document": "document.accept",
        "submit": "application.submit",
        "withdraw": "application.withdraw",
        "reveal": "application.reveal",
    }

    serializer_class = ApplicationSerializer
    queryset = Application.objects.none()
    filterset_fields = ["status", "product", "borrower"]

    def scoped_queryset(self):
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
        data["product"] = product_for(user, data["product"])
        app = services.application_create(actor=user, borrower=borrower, **data)
        return application_response(self, app, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        app = services.application_submit(actor=request.user, application=self.get_object())
        return application_response(self, app)

    @extend_schema(request=None, responses=ApplicationRevealSerializer)
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The guarantors' and collateral owners' names, ID numbers, mobiles and addresses in
        clear (every other answer masks them), for the roles that may; each reveal is audited
        (who, which application, which keys; never the values)."""
        app = self.get_object()
        values = services.application_reveal(actor=request.user, application=app)
        response = Response(ApplicationRevealSerializer({"id": app.pk, **values}).data)
        response["Cache-Control"] = "no-store"
        return response

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
        doc = get_object_or_404(Document, pk=doc_id, application=app)
        s = DocumentReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        doc = services.document_review(actor=request.user, document=doc, **s.validated_data)
        return Response(DocumentSerializer(doc).data)
