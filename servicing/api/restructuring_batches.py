"""Batch disaster deferrals (``servicing.restructuring_batch``): the caller's branch tree's
batches, listed and proposed (``GET/POST /api/v1/restructuring-batches/``), and another
manager's decision (``POST /api/v1/restructuring-batches/{id}/decision/``: approve, which
applies it to every live loan of the tree, or reject with a reason). A refused move (role,
four eyes: the proposer's own) is a 403 with the reason."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from microloan import fields
from microloan.api import ScopedQueryset
from microloan.errors import InvalidInput
from microloan.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from microloan.models import Branch
from microloan.scoping import branch_q

from ..models import RestructuringBatch
from ..restructuring_batch import batch_decide, batch_propose


class BatchIn(serializers.Serializer):
    branch = fields.IntegerField(min_value=1)
    periods = fields.IntegerField(min_value=1, max_value=12)
    reason = serializers.CharField(max_length=2000)


class BatchDecisionIn(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BatchOut(fields.ModelSerializer):
    class Meta:
        model = RestructuringBatch
        fields = [
            "id",
            "branch",
            "periods",
            "reason",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "effective_date",
            "loans_in_scope",
            "loans_applied",
            "applied_at",
        ]


def batches_visible(user):
    return RestructuringBatch.objects.filter(branch_q(user, "branch"))


class _Batches(ScopedQueryset, generics.GenericAPIView):
    serializer_class = BatchOut
    queryset = RestructuringBatch.objects.none()

    def scoped_queryset(self):
        return batches_visible(self.request.user)


@extend_schema(tags=["restructurings"])
class BatchListView(_Batches):
    """The batch deferrals of the caller's branch tree, newest first; POST proposes one."""

    permissions = {"GET": "restructuring_batch.view", "POST": "restructuring_batch.propose"}

    @extend_schema(responses=BatchOut(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BatchOut(page, many=True).data)

    @extend_schema(request=BatchIn, responses={201: BatchOut}, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def post(self, request):
        s = BatchIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        branch = Branch.objects.filter(pk=d["branch"]).first()
        if branch is None:
            raise InvalidInput({"branch": [_("No such branch.")]})
        b = batch_propose(actor=request.user, branch=branch, periods=d["periods"], reason=d["reason"])
        return Response(BatchOut(b).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["restructurings"])
class BatchDecisionView(_Batches):
    """Approve (applied at once to every live loan of the tree, each a new schedule version) or
    reject a proposed batch. Not by its proposer (403 with the reason); 409 once decided."""

    permission_action = "restructuring_batch.approve"

    @extend_schema(request=BatchDecisionIn, responses=BatchOut, parameters=[IDEMPOTENCY_KEY_PARAMETER])
    @idempotent
    def post(self, request, pk):
        b = self.get_object()
        s = BatchDecisionIn(data=request.data)
        s.is_valid(raise_exception=True)
        b = batch_decide(actor=request.user, batch=b, **s.validated_data)
        return Response(BatchOut(b).data)


urlpatterns = [
    path("restructuring-batches/", BatchListView.as_view(), name="restructuring-batches"),
    path("restructuring-batches/<int:pk>/decision/", BatchDecisionView.as_view(), name="restructuring-batch-decision"),
]
