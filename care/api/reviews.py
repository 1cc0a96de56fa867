"""Credit reviews over the API: ``/credit-reviews/``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action

from microloan import fields
from microloan.api import code_field, code_out, id_param, read
from microloan.business_date import business_date

from .. import selectors, services
from ..models import CreditReview, ReviewRecommendation, ReviewStatus, ReviewTrigger
from .common import CareViewSet


class CreditReviewOut(fields.ModelSerializer):
    trigger = code_out(ReviewTrigger.choices)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    status = code_out(ReviewStatus.choices)
    recommendation = code_out(ReviewRecommendation.choices)
    loan_classification = serializers.CharField(
        source="loan.classification", read_only=True, help_text="The loan's classification now (as of the last close)."
    )
    classification_seen = serializers.CharField(
        source="classification", read_only=True, help_text="At creation, then as the reviewer saw it."
    )
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)
    officer_name = serializers.CharField(source="officer.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CreditReview
        fields = [
            "id",
            "loan",
            "borrower",
            "borrower_name",
            "branch",
            "officer",
            "officer_name",
            "business_date",
            "due_on",
            "trigger",
            "trigger_display",
            "status",
            "loan_classification",
            "classification_seen",
            "findings",
            "recommendation",
            "credit_record",
            "completed_on",
            "completed_at",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        today = self.context.get("today") or business_date()
        return obj.status == ReviewStatus.OPEN and obj.due_on < today


class CreditReviewCompleteIn(serializers.Serializer):
    findings = serializers.CharField(max_length=5000)
    recommendation = code_field(ReviewRecommendation.choices)


@extend_schema_view(
    list=extend_schema(
        summary="List review tasks (earliest due first)",
        parameters=[
            OpenApiParameter("status", str, description="One of: " + ", ".join(ReviewStatus.values)),
            OpenApiParameter("trigger", str, description="One of: " + ", ".join(ReviewTrigger.values)),
            OpenApiParameter("loan", int),
            OpenApiParameter("overdue", bool, description="Only open tasks past their due date."),
        ],
    ),
    retrieve=extend_schema(summary="One review task"),
)
@extend_schema(tags=["customer service"])
class CreditReviewViewSet(CareViewSet):
    """贷后定期检查: the periodic review tasks of your branch tree's loans."""

    permissions = {"list": "credit_review.view", "retrieve": "credit_review.view", "complete": "credit_review.complete"}
    serializer_class = CreditReviewOut
    queryset = CreditReview.objects.none()
    selector = staticmethod(selectors.review_list)
    list_filters = ("status", "trigger")

    def narrow(self, qs, params):
        loan = id_param(params, "loan", _("Give a loan id."))
        if loan is not None:
            qs = qs.filter(loan_id=loan)
        if params.get("overdue") in ("true", "1"):
            qs = qs.filter(status=ReviewStatus.OPEN, due_on__lt=business_date())
        return qs

    @extend_schema(
        summary="Complete a review with findings and a recommendation",
        request=CreditReviewCompleteIn,
        responses=CreditReviewOut,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        review = self.get_object()
        services.credit_review_complete(actor=request.user, review=review, **read(CreditReviewCompleteIn, request))
        return self.answer(review.pk)
