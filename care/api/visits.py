"""Follow-up visits over the API: ``/follow-up-visits/``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from applications.selectors import borrower_list
from microloan import fields
from microloan.api import code_field, code_out, read
from microloan.business_date import business_date
from microloan.models import User
from servicing.selectors import loan_list

from .. import selectors, services
from ..models import FollowUpVisit, VisitKind, VisitMethod, VisitStatus
from .common import CareViewSet, pick


class VisitOut(fields.ModelSerializer):
    kind = code_out(VisitKind.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = code_out(VisitStatus.choices)
    method = code_out(VisitMethod.choices)
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)
    officer_name = serializers.CharField(source="officer.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUpVisit
        fields = [
            "id",
            "kind",
            "kind_display",
            "status",
            "borrower",
            "borrower_name",
            "loan",
            "complaint",
            "branch",
            "scheduled_on",
            "officer",
            "officer_name",
            "visited_on",
            "method",
            "findings",
            "purpose_verified",
            "note",
            "created_at",
            "completed_at",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        today = self.context.get("today") or business_date()
        return obj.status == VisitStatus.SCHEDULED and obj.scheduled_on < today


class VisitCreateIn(serializers.Serializer):
    borrower = fields.IntegerField()
    kind = code_field(VisitKind.choices)
    scheduled_on = fields.DateField()
    officer = fields.IntegerField(required=False, allow_null=True, help_text="Default: you, or the loan's officer.")
    loan = fields.IntegerField(required=False, allow_null=True)
    complaint = fields.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class VisitCompleteIn(serializers.Serializer):
    visited_on = fields.DateField()
    method = code_field(VisitMethod.choices)
    findings = serializers.CharField(max_length=5000)
    purpose_verified = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Required for a post-disbursement check."
    )


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema_view(
    list=extend_schema(
        summary="List visits (earliest scheduled first)",
        parameters=[
            OpenApiParameter("status", str, description="One of: " + ", ".join(VisitStatus.values)),
            OpenApiParameter("kind", str, description="One of: " + ", ".join(VisitKind.values)),
            OpenApiParameter("overdue", bool, description="Only scheduled visits past their date."),
        ],
    ),
    retrieve=extend_schema(summary="One visit"),
)
@extend_schema(tags=["customer service"])
class FollowUpVisitViewSet(CareViewSet):
    """回访 and post-disbursement checks of your branch tree."""

    permissions = {
        "list": "follow_up_visit.view",
        "retrieve": "follow_up_visit.view",
        "create": "follow_up_visit.create",
        "complete": "follow_up_visit.complete",
        "cancel": "follow_up_visit.cancel",
    }

    serializer_class = VisitOut
    queryset = FollowUpVisit.objects.none()
    selector = staticmethod(selectors.visit_list)
    list_filters = ("status", "kind")

    def narrow(self, qs, params):
        if params.get("overdue") in ("true", "1"):
            qs = qs.filter(status=VisitStatus.SCHEDULED, scheduled_on__lt=business_date())
        return qs.order_by("scheduled_on", "id")

    @extend_schema(summary="Schedule a visit or call", request=VisitCreateIn, responses={201: VisitOut})
    def create(self, request):
        data = read(VisitCreateIn, request)
        user = request.user
        borrower = pick(
            borrower_list(user=user), data.pop("borrower"), "borrower", _("No such borrower in your branches.")
        )
        loan = pick(loan_list(user=user), data.pop("loan", None), "loan", _("No such loan in your branches."))
        complaint = pick(
            selectors.complaint_list(user=user),
            data.pop("complaint", None),
            "complaint",
            _("No such complaint in your branches."),
        )
        officer = pick(User.objects.select_related("branch"), data.pop("officer", None), "officer", _("No such user."))
        v = services.visit_schedule(
            actor=user, borrower=borrower, loan=loan, complaint=complaint, officer=officer, **data
        )
        return self.answer(v.pk, code=status.HTTP_201_CREATED)

    @extend_schema(summary="Record the visit's outcome", request=VisitCompleteIn, responses=VisitOut)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        visit = self.get_object()
        services.visit_complete(actor=request.user, visit=visit, **read(VisitCompleteIn, request))
        return self.answer(visit.pk)

    @extend_schema(summary="Cancel a scheduled visit", request=ReasonIn, responses=VisitOut)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        visit = self.get_object()
        services.visit_cancel(actor=request.user, visit=visit, **read(ReasonIn, request))
        return self.answer(visit.pk)
