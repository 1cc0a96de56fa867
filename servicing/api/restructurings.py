"""Restructuring requests of a loan and their decision."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from microloan import fields

from ..models import Restructuring, RestructuringKind


class RestructuringIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RestructuringKind.choices)
    cause = serializers.ChoiceField(choices=["hardship", "disaster"])
    periods = fields.IntegerField(min_value=0, max_value=60, default=0)
    reason = serializers.CharField(max_length=2000)
    new_rate = fields.DecimalField(max_digits=7, decimal_places=4, min_value=0, required=False, allow_null=True)


class RestructuringDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RestructuringOut(fields.ModelSerializer):
    class Meta:
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
            "new_rate",
            "batch",
        ]


class LoanRestructuringMixin:
    @extend_schema(request=RestructuringIn, responses={201: RestructuringOut})
    @action(detail=True, methods=["post"])
    def restructurings(self, request, pk=None):
        """Request a deferral, extension, penalty waiver, interest reduction (``new_rate``) or
        deferral of the overdue instalments (a manager approves it)."""
        from ..restructuring import restructuring_request

        loan = self.get_object()
        s = RestructuringIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = restructuring_request(actor=request.user, loan=loan, **s.validated_data)
        return Response(RestructuringOut(r).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RestructuringDecisionIn, responses=RestructuringOut)
    @action(detail=True, methods=["post"], url_path=r"restructurings/(?P<restructuring_id>\d+)/decision")
    def restructuring_decision(self, request, pk=None, restructuring_id=None):
        """Approve (writes a new schedule version) or reject a restructuring request."""
        from ..restructuring import restructuring_decide

        loan = self.get_object()
        r = loan.restructurings.filter(pk=restructuring_id).first()
        if r is None:
            raise Http404
        s = RestructuringDecisionIn(data=request.data)
        s.is_valid(raise_exception=True)
        r = restructuring_decide(actor=request.user, restructuring=r, **s.validated_data)
        return Response(RestructuringOut(r).data)
