"""Satisfaction feedback over the API: the borrower's ``/me/feedback/`` and staff's
``/feedback/`` with its summary."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from microloan import fields
from microloan.api import read
from microloan.errors import InvalidInput

from .. import selectors, services
from ..models import Feedback
from .common import CareListViewSet, my_borrower, pick


class FeedbackOut(fields.ModelSerializer):
    subject = serializers.CharField(read_only=True, help_text="complaint, visit or general")

    class Meta:
        model = Feedback
        fields = ["id", "subject", "complaint", "visit", "score", "comment", "business_date", "created_at"]
        read_only_fields = fields


class StaffFeedbackOut(FeedbackOut):
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)

    class Meta(FeedbackOut.Meta):
        fields = [*FeedbackOut.Meta.fields, "borrower", "borrower_name", "branch"]
        read_only_fields = fields


class FeedbackIn(serializers.Serializer):
    score = fields.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    complaint = fields.IntegerField(required=False, allow_null=True, help_text="Rate this resolved complaint.")
    visit = fields.IntegerField(required=False, allow_null=True, help_text="Rate this visit.")


class SubjectSummaryOut(serializers.Serializer):
    count = fields.IntegerField()
    average = serializers.FloatField(allow_null=True)


class FeedbackSummaryOut(serializers.Serializer):
    since = fields.DateField(allow_null=True)
    count = fields.IntegerField()
    average = serializers.FloatField(allow_null=True)
    by_subject = serializers.DictField(child=SubjectSummaryOut())


class _FeedbackList(CareListViewSet):
    # The feedback the user may read (a borrower's own, or staff's branch tree): the selector
    # decides. (A comment, not a docstring: drf-spectacular would show it on both APIs.)
    queryset = Feedback.objects.none()
    selector = staticmethod(selectors.feedback_list)
    dated = False


@extend_schema_view(list=extend_schema(summary="My feedback"))
@extend_schema(tags=["me"])
class MyFeedbackViewSet(_FeedbackList):
    """The signed-in borrower's satisfaction feedback: one score per subject."""

    permission_action = "feedback.own"
    serializer_class = FeedbackOut

    @extend_schema(
        summary="Rate a resolved complaint, a visit, or the service (score 1-5)",
        request=FeedbackIn,
        responses={201: FeedbackOut},
    )
    def create(self, request):
        my_borrower(request.user)
        data = read(FeedbackIn, request)
        user = request.user
        complaint = pick(
            selectors.complaint_list(user=user),
            data.pop("complaint", None),
            "complaint",
            _("No such complaint of yours."),
        )
        visit = pick(selectors.visit_list(user=user), data.pop("visit", None), "visit", _("No such visit of yours."))
        f = services.feedback_submit(actor=user, complaint=complaint, visit=visit, **data)
        return Response(FeedbackOut(f).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="List feedback (newest first)"))
@extend_schema(tags=["customer service"])
class FeedbackViewSet(_FeedbackList):
    """Borrowers' satisfaction feedback in your branch tree (managers and auditors)."""

    permission_action = "feedback.view"
    serializer_class = StaffFeedbackOut

    @extend_schema(
        summary="Average scores, overall and per subject",
        parameters=[OpenApiParameter("since", str, description="YYYY-MM-DD (default: all time)")],
        responses=FeedbackSummaryOut,
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        since = None
        if request.query_params.get("since"):
            try:
                since = fields.DateField().to_internal_value(request.query_params["since"])
            except serializers.ValidationError as exc:
                raise InvalidInput({"since": exc.detail}) from None
        return Response({"since": since, **selectors.feedback_summary(user=request.user, since=since)})
