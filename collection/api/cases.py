"""Collection cases over the API, for staff: ``/collection/cases/`` (the worklist the page shows,
a case with its loan, contacts and promises) and its moves, each calling its service: a
contact under the conduct rules, a promise to pay, a write-off proposal; and
``/collection/write-offs/``, decided (approved or rejected) by a manager who did not propose
it. Every POST honours ``Idempotency-Key``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from microloan.api import ScopedQueryset, choice_param, id_param, read
from microloan.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from servicing.models import Bucket

from .. import selectors
from ..case_models import CaseStatus, CollectionCase, WriteOff, WriteOffStatus
from ..services.contacts import contact_log
from ..services.promises import promise_create
from ..services.writeoffs import writeoff_approve, writeoff_reject, writeoff_request
from .serializers import (
    CaseDetailOut,
    CaseOut,
    ContactIn,
    ContactOut,
    ContactRefusedOut,
    PromiseIn,
    PromiseOut,
    WriteOffApproveIn,
    WriteOffOut,
    WriteOffRejectIn,
    WriteOffRequestIn,
)

ME = "me"


def case_filters(params, user) -> dict:
    """The worklist selector's arguments from the list's query string; a bad value is a 400
    naming the parameter."""
    assigned = params.get("assigned")
    return {
        "status": choice_param(params, "status", CaseStatus.choices) or CaseStatus.OPEN,
        "bucket": choice_param(params, "bucket", Bucket.choices),
        "assigned_to": user.pk if assigned == ME else id_param(params, "assigned", _("Give “me” or a user id.")),
    }


CASE_FILTERS = [
    OpenApiParameter(
        "status", str, description="One of: " + ", ".join(CaseStatus.values) + f" (default {CaseStatus.OPEN})."
    ),
    OpenApiParameter("bucket", str, description="One of: " + ", ".join(Bucket.values)),
    OpenApiParameter("assigned", str, description="The collector's cases: `me`, or a user id."),
]


def write_off_body(write_off: WriteOff, user) -> dict:
    """One write-off as the API shows it, with the moves ``user`` may make on it now."""
    return WriteOffOut(selectors.write_off_actions(write_offs=[write_off], user=user)[0]).data


@extend_schema_view(
    list=extend_schema(
        summary="The collection worklist: your cases first, then the worst bucket", parameters=CASE_FILTERS
    ),
    retrieve=extend_schema(summary="One case: its loan, escalation steps, contacts, promises and write-offs"),
)
@extend_schema(tags=["collection"])
class CollectionCaseViewSet(ScopedQueryset, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Collection cases of your branch tree; the borrower's personal fields masked."""

    permissions = {
        "list": "collection.view",
        "retrieve": "collection.view",
        "contacts": "collection.contact",
        "promises": "promise_to_pay.create",
        "write_offs": "write_off.request",
    }

    serializer_class = CaseOut
    queryset = CollectionCase.objects.none()

    def scoped_queryset(self):
        user = self.request.user
        if self.action == "list":
            return selectors.worklist(user=user, **case_filters(self.request.query_params, user))
        return selectors.cases_visible(user=user)

    def get_serializer_class(self):
        return CaseOut if self.action == "list" else CaseDetailOut

    def retrieve(self, request, pk=None):
        case = self.get_object()
        case.page = selectors.case_page(case=case, user=request.user)
        return Response(CaseDetailOut(case, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Log a contact (refused with the reason, and logged, when the conduct rules forbid it)",
        request=ContactIn,
        responses={201: ContactOut, 403: ContactRefusedOut},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def contacts(self, request, pk=None):
        attempt = contact_log(actor=request.user, case=self.get_object(), **read(ContactIn, request))
        body = ContactOut(attempt).data
        if attempt.refused:
            return Response({"detail": attempt.refusal, "contact": body}, status=status.HTTP_403_FORBIDDEN)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a promise to pay (the close settles it the day after its date)",
        request=PromiseIn,
        responses={201: PromiseOut},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def promises(self, request, pk=None):
        promise = promise_create(actor=request.user, case=self.get_object(), **read(PromiseIn, request))
        return Response(PromiseOut(promise).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Propose writing the case's loss-class loan off (a manager who did not propose it decides)",
        request=WriteOffRequestIn,
        responses={201: WriteOffOut},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="write-offs", url_name="write-offs")
    @idempotent
    def write_offs(self, request, pk=None):
        case = self.get_object()
        w = writeoff_request(actor=request.user, loan=case.loan, **read(WriteOffRequestIn, request))
        return Response(write_off_body(w, request.user), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Write-offs (newest first); ?status=requested is the managers' queue",
        parameters=[OpenApiParameter("status", str, description="One of: " + ", ".join(WriteOffStatus.values))],
    ),
    retrieve=extend_schema(summary="One write-off, with the moves you may make on it"),
)
@extend_schema(tags=["collection"])
class WriteOffViewSet(ScopedQueryset, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Write-offs of the loans of your branch tree. Whoever proposed one may not decide it
    (four eyes): their approval or rejection is a 403 with the reason."""

    permissions = {
        "list": "collection.view",
        "retrieve": "collection.view",
        "approve": "write_off.approve",
        "reject": "write_off.reject",
    }

    serializer_class = WriteOffOut
    queryset = WriteOff.objects.none()

    def scoped_queryset(self):
        qs = selectors.write_offs_visible(user=self.request.user)
        if self.action == "list" and (
            wanted := choice_param(self.request.query_params, "status", WriteOffStatus.choices)
        ):
            qs = qs.filter(status=wanted)
        return qs

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.write_off_actions(write_offs=page, user=request.user)
        return self.get_paginated_response(WriteOffOut(rows, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(write_off_body(self.get_object(), request.user))

    @extend_schema(
        summary="Approve: the loan is written off, its case closed (not by its proposer: 403)",
        request=WriteOffApproveIn,
        responses={200: WriteOffOut},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        w = writeoff_approve(actor=request.user, write_off=self.get_object(), **read(WriteOffApproveIn, request))
        return Response(write_off_body(w, request.user))

    @extend_schema(
        summary="Reject, saying why: the loan stays in collection (not by its proposer: 403)",
        request=WriteOffRejectIn,
        responses={200: WriteOffOut},
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        reason = read(WriteOffRejectIn, request)["reason"]
        w = writeoff_reject(actor=request.user, write_off=self.get_object(), comment=reason)
        return Response(write_off_body(w, request.user))
