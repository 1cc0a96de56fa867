"""``/api/v1/config-changes/``: propose a configuration change, read the changes, and apply,
reject or withdraw a pending one. A refused four-eyes move is a 403 with the reason; every
POST honours an Idempotency-Key."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import fields
from ..api import ScopedQueryset
from ..idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from . import selectors, services
from .models import ConfigChange, ConfigOperation


class ConfigChangeIn(serializers.Serializer):
    kind = serializers.CharField(
        max_length=40,
        help_text="product, authority_limit, committee_member, scorecard, approval_limit or policy",
    )
    operation = serializers.ChoiceField(choices=ConfigOperation.choices)
    target_id = fields.IntegerField(required=False, allow_null=True, min_value=1, default=None)
    payload = serializers.JSONField(
        required=False,
        default=dict,
        help_text="The proposed values by field name (a create: every field; a change: the fields it "
        "changes; a deletion: none). Amounts and rates as decimal strings.",
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ConfigRejectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ConfigWithdrawIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ConfigChangeOut(fields.ModelSerializer):
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = ConfigChange
        fields = [
            "id",
            "kind",
            "operation",
            "target_id",
            "payload",
            "before",
            "after",
            "comment",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "reason",
            "available_actions",
        ]

    def get_available_actions(self, obj) -> list[str]:
        """The moves the caller may take on it now (role, status, four eyes)."""
        moves = self.context.get("moves")
        if moves is None:
            moves = selectors.config_change_moves(changes=[obj], actor=self.context["request"].user)
        return [t.action for t in moves.get(obj.pk, [])]


@extend_schema(tags=["configuration"])
class ConfigChangeViewSet(
    ScopedQueryset, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Configuration changes (products, authority limits, the committee, the scorecard, approval
    limits, policy settings), newest first: an administrator proposes, another applies or
    rejects, the proposer may withdraw. ``?status=pending`` is the checkers' queue."""

    permissions = {
        "list": "config_change.view",
        "retrieve": "config_change.view",
        "create": "config_change.propose",
        "apply": "config_change.apply",
        "reject": "config_change.reject",
        "withdraw": "config_change.withdraw",
    }
    serializer_class = ConfigChangeOut
    queryset = ConfigChange.objects.none()
    filterset_fields = ["status", "kind", "operation"]

    def scoped_queryset(self):
        return selectors.config_change_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        moves = selectors.config_change_moves(changes=page, actor=request.user)
        data = ConfigChangeOut(page, many=True, context={**self.get_serializer_context(), "moves": moves}).data
        return self.get_paginated_response(data)

    def _out(self, change, code=status.HTTP_200_OK):
        return Response(ConfigChangeOut(change, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ConfigChangeIn, responses={201: ConfigChangeOut}, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        """Propose a change: validated now (400 naming the field) and again when applied."""
        s = ConfigChangeIn(data=request.data)
        s.is_valid(raise_exception=True)
        change = services.config_change_propose(actor=request.user, **s.validated_data)
        return self._out(change, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ConfigChangeOut, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def apply(self, request, pk=None):
        """Apply a pending change (another administrator than its proposer: 403 with the
        reason otherwise); the record changes now, the audit row keeps before and after."""
        change = services.config_change_apply(actor=request.user, change=self.get_object())
        return self._out(change)

    @extend_schema(request=ConfigRejectIn, responses=ConfigChangeOut, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def reject(self, request, pk=None):
        """Reject a pending change with a reason (not its proposer)."""
        change = self.get_object()
        s = ConfigRejectIn(data=request.data)
        s.is_valid(raise_exception=True)
        return self._out(services.config_change_reject(actor=request.user, change=change, **s.validated_data))

    @extend_schema(request=ConfigWithdrawIn, responses=ConfigChangeOut, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        """Withdraw your own pending change."""
        change = self.get_object()
        s = ConfigWithdrawIn(data=request.data)
        s.is_valid(raise_exception=True)
        return self._out(services.config_change_withdraw(actor=request.user, change=change, **s.validated_data))
