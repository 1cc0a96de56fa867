"""Recoveries on written-off loans (a maker-checker pair): the loan's recoveries, listed and
recorded (``GET/POST /api/v1/loans/{id}/recoveries/``), and the checker's confirmation or return
(``POST /api/v1/recoveries/{id}/confirm/``, ``.../return/``). Every POST honours an
Idempotency-Key; a refused move (role, four eyes: the recorder's own) is a 403 with the reason."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from microloan import fields
from microloan.api import ScopedQueryset
from microloan.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from servicing.selectors import loan_list

from .. import selectors
from ..case_models import Recovery, RecoveryChannel
from ..services.recoveries import recovery_confirm, recovery_record, recovery_return

MONEY = {"max_digits": 18, "decimal_places": 2}


class RecoveryIn(serializers.Serializer):
    amount = fields.DecimalField(**MONEY)
    received_on = fields.DateField()
    channel = serializers.ChoiceField(choices=RecoveryChannel.choices)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class RecoveryReturnIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RecoveryOut(fields.ModelSerializer):
    recorded_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Recovery
        fields = [
            "id",
            "loan",
            "amount",
            "received_on",
            "channel",
            "reference",
            "status",
            "recorded_by",
            "recorded_at",
            "decided_by",
            "decided_at",
            "return_reason",
        ]


class _Recoveries(ScopedQueryset, generics.GenericAPIView):
    serializer_class = RecoveryOut
    queryset = Recovery.objects.none()

    def scoped_queryset(self):
        return selectors.recoveries_visible(user=self.request.user).select_related(None)


@extend_schema(tags=["recoveries"])
class LoanRecoveriesView(_Recoveries):
    """The recoveries of a written-off loan of the caller's branch tree, newest first; POST
    records one (``pending``: another person confirms it, and its journal entry is posted then)."""

    permissions = {"GET": "recovery.view", "POST": "recovery.record"}

    def _loan(self, pk):
        return get_object_or_404(loan_list(user=self.request.user).select_related(None), pk=pk)

    @extend_schema(responses=RecoveryOut(many=True))
    def get(self, request, pk):
        loan = self._loan(pk)
        page = self.paginate_queryset(self.get_queryset().filter(loan=loan))
        return self.get_paginated_response(RecoveryOut(page, many=True).data)

    @extend_schema(request=RecoveryIn, responses={201: RecoveryOut}, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def post(self, request, pk):
        loan = self._loan(pk)
        s = RecoveryIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = recovery_record(actor=request.user, loan=loan, **s.validated_data)
        return Response(RecoveryOut(r).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["recoveries"])
class RecoveryConfirmView(_Recoveries):
    """Confirm a recorded recovery (pending → confirmed): its journal entry is posted now. Not
    by whoever recorded it (403 with the reason); 409 once it is decided."""

    permission_action = "recovery.confirm"

    @extend_schema(request=None, responses=RecoveryOut, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def post(self, request, pk):
        r = recovery_confirm(actor=request.user, recovery=self.get_object())
        return Response(RecoveryOut(r).data)


@extend_schema(tags=["recoveries"])
class RecoveryReturnView(_Recoveries):
    """Return a recorded recovery with a reason (pending → returned): nothing is posted. Not by
    whoever recorded it (403 with the reason); 409 once it is decided."""

    permission_action = "recovery.return"

    @extend_schema(request=RecoveryReturnIn, responses=RecoveryOut, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def post(self, request, pk):
        r = self.get_object()
        s = RecoveryReturnIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = recovery_return(actor=request.user, recovery=r, reason=s.validated_data["reason"])
        return Response(RecoveryOut(r).data)


# Included by microloan/urls.py under /api/v1/ (the API's namespace).
urlpatterns = [
    path("loans/<int:pk>/recoveries/", LoanRecoveriesView.as_view(), name="loan-recoveries"),
    path("recoveries/<int:pk>/confirm/", RecoveryConfirmView.as_view(), name="recovery-confirm"),
    path("recoveries/<int:pk>/return/", RecoveryReturnView.as_view(), name="recovery-return"),
]
