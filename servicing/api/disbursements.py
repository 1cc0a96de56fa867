"""Disbursements (the maker-checker pairs): the checker's queue and each pair's record, read
only. The moves themselves are the application's (``POST .../disburse/``, ``.../release/``,
``.../return-release/``: API.md), so they have one home."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from microloan import fields
from microloan.api import ScopedQueryset

from .. import selectors
from ..disbursement import masked_account
from ..models import Disbursement, DisbursementCondition


class DisbursementConditionOut(fields.ModelSerializer):
    condition = serializers.CharField(source="text")

    class Meta:
        model = DisbursementCondition
        fields = ["number", "condition", "document", "note"]


class DisbursementOut(fields.ModelSerializer):
    beneficiary_account = serializers.SerializerMethodField()
    conditions_met = DisbursementConditionOut(source="conditions", many=True, read_only=True)

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "application",
            "status",
            "amount",
            "disbursed_on",
            "channel",
            "beneficiary_account",
            "reference",
            "prepared_by",
            "prepared_at",
            "decided_by",
            "decided_at",
            "return_reason",
            "loan",
            "conditions_met",
        ]

    def get_beneficiary_account(self, obj) -> str:
        return masked_account(obj.beneficiary_account)


@extend_schema(tags=["disbursements"])
class DisbursementViewSet(ScopedQueryset, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disbursements of the caller's branch tree (staff only), oldest first; ``?status=pending_release``
    is the operations supervisor's queue."""

    permission_action = "disbursement.view"

    serializer_class = DisbursementOut
    queryset = Disbursement.objects.none()
    filterset_fields = ["status", "application"]

    def scoped_queryset(self):
        return selectors.disbursement_list(user=self.request.user)
