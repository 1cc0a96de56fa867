"""Underwriting transitions on /api/v1/applications/{id}/<action>/ (API.md), plus credit
records. Thin: parse, call the service, render the application."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from applications import selectors as intake_selectors
from applications.api import ApplicationSerializer, application_response
from applications.models import Application
from microloan import fields
from microloan.api import ScopedQueryset
from microloan.errors import InvalidInput
from microloan.parsers import FormParser, JSONParser, MultiPartParser

from . import services
from .models import Assessment, CreditRecord, DecisionKind, Opinion, ReasonCode, WorstStatus

MONEY = {"max_digits": 18, "decimal_places": 2}


class InvestigationIn(serializers.Serializer):
    visited_on = fields.DateField()
    findings = serializers.CharField(max_length=5000)
    purpose_verified = serializers.BooleanField()
    business_observations = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AssessmentIn(serializers.Serializer):
    monthly_income = fields.DecimalField(**MONEY, min_value=0)
    monthly_expenses = fields.DecimalField(**MONEY, min_value=0)
    existing_installments = fields.DecimalField(**MONEY, min_value=0)
    overdue_count_24m = fields.IntegerField(min_value=0, max_value=999, required=False)
    worst_status_24m = serializers.ChoiceField(choices=WorstStatus.choices, required=False)
    current_debt = fields.DecimalField(**MONEY, min_value=0, required=False)
    current_installments = fields.DecimalField(**MONEY, min_value=0, required=False)
    inquiries_6m = fields.IntegerField(min_value=0, max_value=999, required=False)


class AssessmentOut(fields.ModelSerializer):
    scorecard_version = fields.IntegerField(source="scorecard.version")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "score",
            "grade",
            "reason_codes",
            "points",
            "hard_rule_failures",
            "recommendation",
            "recommended_amount",
            "recommended_term",
            "recommended_rate",
            "recommended_apr",
            "monthly_income",
            "monthly_expenses",
            "existing_installments",
            "proposed_installment",
            "dsr",
            "max_affordable_installment",
            "scorecard_version",
            "created_at",
        ]


class ReviewIn(serializers.Serializer):
    opinion = serializers.ChoiceField(choices=Opinion.choices)
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DecisionIn(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DecisionKind.choices)
    approved_amount = fields.DecimalField(**MONEY, min_value=0, required=False)
    approved_term = fields.IntegerField(min_value=1, max_value=600, required=False)
    approved_rate = fields.DecimalField(max_digits=9, decimal_places=6, min_value=0, required=False)
    approved_grace_periods = fields.IntegerField(
        min_value=0, max_value=599, required=False, help_text="Interest-only periods; omitted: the product's."
    )
    conditions = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    reason_code = serializers.ChoiceField(choices=ReasonCode.choices, required=False, default="")
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CreditRecordSerializer(fields.ModelSerializer):
    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "borrower",
            "as_of",
            "overdue_count_24m",
            "worst_status_24m",
            "current_debt",
            "current_installments",
            "inquiries_6m",
            "source",
            "created_at",
        ]
        read_only_fields = ["id", "source", "created_at"]


@extend_schema(tags=["applications"])
class UnderwritingViewSet(ScopedQueryset, viewsets.GenericViewSet):
    """Underwriting transitions of an application (investigation, assessment, review, decision)."""

    permissions = {
        "assessment": "application.assess",
        "decision": "application.approve",
        "investigation": "application.investigate",
        "review": "application.review",
    }

    serializer_class = ApplicationSerializer
    queryset = Application.objects.none()

    def scoped_queryset(self):
        return intake_selectors.application_list(user=self.request.user)

    def _input(self, cls):
        s = cls(data=self.request.data)
        s.is_valid(raise_exception=True)
        return s.validated_data

    @extend_schema(request=InvestigationIn, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def investigation(self, request, pk=None):
        """现场调查: record the field visit (submitted/under_review → under_review)."""
        app = self.get_object()
        services.application_investigate(actor=request.user, application=app, **self._input(InvestigationIn))
        return application_response(self, app)

    @extend_schema(
        request=AssessmentIn, responses=inline_serializer("AssessedApplication", {"assessment": AssessmentOut()})
    )
    @action(detail=True, methods=["post"])
    def assessment(self, request, pk=None):
        """Credit assessment: repayment capacity, score, grade, reason codes and a recommendation."""
        app = self.get_object()
        a = services.application_assess(actor=request.user, application=app, **self._input(AssessmentIn))
        return application_response(
            self, app, {"assessment": AssessmentOut(a).data, "recommendation": a.recommendation}
        )

    @extend_schema(request=ReviewIn, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """审查: the reviewer's opinion (under_review → pending_approval)."""
        app = self.get_object()
        services.application_review(actor=request.user, application=app, **self._input(ReviewIn))
        return application_response(self, app)

    @extend_schema(request=DecisionIn, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        """审批: approve (within authority; above it the committee votes), reject or return."""
        app = self.get_object()
        r = services.application_decide(actor=request.user, application=app, **self._input(DecisionIn))
        extra = {"committee_votes": r.committee_votes, "committee_size": r.committee_size} if r.committee_size else {}
        return application_response(self, app, extra)


@extend_schema(tags=["credit records"])
class CreditRecordViewSet(ScopedQueryset, viewsets.GenericViewSet):
    """征信 records of borrowers: list, enter by hand, import from CSV."""

    permissions = {"list": "credit_record.view", "create": "credit_record.create", "import_csv": "credit_record.create"}
    serializer_class = CreditRecordSerializer
    queryset = CreditRecord.objects.none()
    filterset_fields = ["borrower"]

    def scoped_queryset(self):
        return CreditRecord.objects.filter(borrower__in=intake_selectors.borrower_list(user=self.request.user))

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CreditRecordSerializer(page, many=True).data)

    def create(self, request):
        s = CreditRecordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        borrower = intake_selectors.borrower_list(user=request.user).filter(pk=data.pop("borrower").pk).first()
        if borrower is None:
            raise InvalidInput({"borrower": ["No such borrower in your branches."]})
        record = services.credit_record_create(actor=request.user, borrower=borrower, **data)
        return Response(CreditRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("CreditCsv", {"file": serializers.FileField()})},
        responses=CreditRecordSerializer(many=True),
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser, JSONParser])
    def import_csv(self, request):
        """Import a CSV of credit records: all rows or none, each bad row named with its line."""
        f = request.FILES.get("file")
        if f is None:
            raise InvalidInput({"file": ["Upload a CSV file."]})
        try:
            text = f.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput({"file": ["The file is not UTF-8 text."]}) from None
        records = services.credit_records_import(
            actor=request.user, text=text, borrowers=intake_selectors.borrower_list(user=request.user)
        )
        return Response(CreditRecordSerializer(records, many=True).data, status=status.HTTP_201_CREATED)
