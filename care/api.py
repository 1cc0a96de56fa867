"""Customer-service API: complaints, follow-up visits, credit reviews, satisfaction feedback.

Staff: ``/api/v1/complaints/``, ``/follow-up-visits/``, ``/credit-reviews/``, ``/feedback/``
(their branch tree). Borrowers (the mobile app): ``/api/v1/me/complaints/`` and
``/api/v1/me/feedback/`` (their own only). Views parse input, find the objects the caller may
see (anything else is a 404, or a 400 on the field that named it) and call care.services.

Choice inputs are documented as strings with a pattern rather than as enum components, so
these fields never collide with the enums other apps already publish under the same names
(``status``, ``category``, ``channel``, ``recommendation``)."""

import re

from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from applications.models import Borrower
from applications.selectors import borrower_list
from microloan.audit import audit_history
from microloan.business_date import business_date
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import Role, User
from servicing.selectors import loan_list

from . import selectors, services
from .models import (
    OPEN_COMPLAINT_STATUSES,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    CreditReview,
    Feedback,
    FollowUpVisit,
    ReviewRecommendation,
    ReviewStatus,
    ReviewTrigger,
    VisitKind,
    VisitMethod,
    VisitStatus,
)
from .workflow import COMPLAINT_WORKFLOW


def code_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice input documented as a string of the listed codes (see the module note)."""
    values = [str(v) for v, _label in choices]
    schema = {"type": "string", "pattern": "^(" + "|".join(re.escape(v) for v in values) + ")$",
              "description": "One of: " + ", ".join(values)}
    field_class = extend_schema_field(schema)(type("CodeField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)


def code_out(choices) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(str(v) for v, _l in choices))


class IsStaffMember(BasePermission):
    message = gettext_lazy("Staff only.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff_member or user.is_superuser))


class IsBorrower(BasePermission):
    message = gettext_lazy("For borrowers' own logins.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.BORROWER)


def _my_borrower(user) -> Borrower:
    borrower = Borrower.objects.select_related("branch").filter(user=user).first()
    if borrower is None:
        raise NotAllowed(_("Your login is not linked to a borrower profile."))
    return borrower


def _id_param(params, name: str, message: str) -> int | None:
    """A query parameter that names an object by its id: None when absent, else the id, or a
    400 naming the parameter. ASCII digits only: ``str.isdigit`` also accepts "²" and other
    digits that ``int`` refuses, or reads as a number nobody typed."""
    value = params.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
        raise InvalidInput({name: [message]})
    return int(value)


def _pick(qs, pk, field: str, message: str):
    """The object ``pk`` among those the caller may see, or a 400 naming the field."""
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput({field: [message]})
    return obj


class HistoryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", default=None)
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()


# --- complaints ------------------------------------------------------------------------------

class ComplaintSlaOut(serializers.Serializer):
    age_days = serializers.IntegerField()
    ack_breached = serializers.BooleanField()
    resolve_breached = serializers.BooleanField()
    days_left = serializers.IntegerField(allow_null=True, help_text="Days to the resolution deadline; "
                                                                    "negative when overdue, null once resolved.")


class ComplaintOut(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    status = code_out(ComplaintStatus.choices)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel = code_out(ComplaintChannel.choices)
    category = code_out(ComplaintCategory.choices)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)
    handler_name = serializers.CharField(source="handler.username", default=None, read_only=True)
    sla = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "reference", "status", "status_display", "borrower", "borrower_name", "loan", "branch",
                  "channel", "category", "category_display", "description", "received_on", "ack_due_on",
                  "resolve_due_on", "acknowledged_on", "resolved_on", "closed_on", "handler", "handler_name",
                  "resolution", "reopened_count", "resolve_breached_before", "created_at", "sla",
                  "available_actions"]
        read_only_fields = fields

    @extend_schema_field(ComplaintSlaOut)
    def get_sla(self, obj) -> dict:
        today = self.context.get("today") or business_date()
        return ComplaintSlaOut(services.complaint_sla(obj, today=today)).data

    def get_available_actions(self, obj) -> list[str]:
        user = self.context["request"].user
        return COMPLAINT_WORKFLOW.available_actions(obj.status, None if user.is_superuser else user.role)


class ComplaintDetailOut(ComplaintOut):
    history = serializers.SerializerMethodField()

    class Meta(ComplaintOut.Meta):
        fields = [*ComplaintOut.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(HistoryOut(many=True))
    def get_history(self, obj) -> list[dict]:
        return HistoryOut(audit_history(entity="complaint", entity_id=obj.pk), many=True).data

    def get_available_actions(self, obj) -> list[str]:
        # One complaint: its moves with the four-eyes rules and its own (assignment, who
        # resolves an escalation), as its page shows them; the list keeps to role and status.
        return [t.action for t in services.complaint_available(complaint=obj, actor=self.context["request"].user)]


class ComplaintCreateIn(serializers.Serializer):
    borrower = serializers.IntegerField()
    loan = serializers.IntegerField(required=False, allow_null=True)
    channel = code_field(ComplaintChannel.choices)
    category = code_field(ComplaintCategory.choices)
    description = serializers.CharField(max_length=5000)
    received_on = serializers.DateField(required=False, help_text="Default: the business date.")
    handler = serializers.IntegerField(required=False, allow_null=True)


class ComplaintActionIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                   help_text="Why (required to escalate and to reopen).")


class ComplaintResolveIn(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000, help_text="What the borrower is told.")


class ComplaintAssignIn(serializers.Serializer):
    handler = serializers.IntegerField()


def _complaint_filters(qs, params):
    for name in ("status", "category", "channel"):
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    handler = _id_param(params, "handler", _("Give a user id."))
    if handler is not None:
        qs = qs.filter(handler_id=handler)
    if params.get("breached") in ("true", "1"):
        # The open complaints whose SLA (services.complaint_sla) is breached: a deadline past, or
        # one missed before (acknowledged late; resolved late before a reopening).
        today = business_date()
        qs = qs.filter(status__in=OPEN_COMPLAINT_STATUSES).filter(
            Q(status=ComplaintStatus.RECEIVED, ack_due_on__lt=today) | Q(acknowledged_on__gt=F("ack_due_on"))
            | Q(resolve_due_on__lt=today) | Q(resolve_breached_before=True))
    return qs


COMPLAINT_FILTERS = [
    OpenApiParameter("status", str, description="One of: " + ", ".join(ComplaintStatus.values)),
    OpenApiParameter("category", str, description="One of: " + ", ".join(ComplaintCategory.values)),
    OpenApiParameter("channel", str, description="One of: " + ", ".join(ComplaintChannel.values)),
    OpenApiParameter("handler", int),
    OpenApiParameter("breached", bool, description="Only open complaints whose SLA is breached: past a deadline, "
                                                   "acknowledged late, or resolved late before a reopening."),
]


def _complaint_action(name: str, summary: str, request_serializer=ComplaintActionIn):
    """One transition endpoint: ``POST /complaints/{id}/<name>/``, calling the action's own
    service (``services.complaint_<name>``)."""
    service = services.COMPLAINT_ACTIONS[name]

    def view(self, request, pk=None):
        complaint = self.get_object()
        s = request_serializer(data=request.data)
        s.is_valid(raise_exception=True)
        service(actor=request.user, complaint=complaint, **s.validated_data)
        return self._detail(complaint.pk)

    # The router maps the HTTP method to the function's name, so it is named before decorating.
    view.__name__ = view.__qualname__ = name
    view = action(detail=True, methods=["post"], url_path=name, url_name=name)(view)
    return extend_schema(summary=summary, request=request_serializer, responses=ComplaintDetailOut)(view)


@extend_schema(tags=["customer service"])
class ComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints of the borrowers of your branch tree, with their SLA and transitions."""

    serializer_class = ComplaintOut
    permission_classes = [IsStaffMember]
    queryset = Complaint.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        qs = selectors.complaint_list(user=self.request.user)
        return _complaint_filters(qs, self.request.query_params) if self.action == "list" else qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": business_date()}

    def get_serializer_class(self):
        return ComplaintOut if self.action == "list" else ComplaintDetailOut

    def _detail(self, pk, code=status.HTTP_200_OK) -> Response:
        c = selectors.complaint_list(user=self.request.user).get(pk=pk)
        return Response(ComplaintDetailOut(c, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="List complaints (newest first)", parameters=COMPLAINT_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One complaint, with its SLA and history")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Register a complaint (phone, branch, letter, regulator referral)",
                   request=ComplaintCreateIn, responses={201: ComplaintDetailOut})
    def create(self, request):
        s = ComplaintCreateIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        user = request.user
        borrower = _pick(borrower_list(user=user), data.pop("borrower"), "borrower",
                         _("No such borrower in your branches."))
        loan = _pick(loan_list(user=user), data.pop("loan", None), "loan", _("No such loan in your branches."))
        handler = _pick(User.objects.select_related("branch"), data.pop("handler", None), "handler", _("No such user."))
        c = services.complaint_file(actor=user, borrower=borrower, loan=loan, handler=handler, **data)
        return self._detail(c.pk, code=status.HTTP_201_CREATED)

    acknowledge = _complaint_action("acknowledge", "Acknowledge: the borrower has been contacted")
    investigate = _complaint_action("investigate", "Start the investigation")
    escalate = _complaint_action("escalate", "Escalate to a manager (reason required)")
    resolve = _complaint_action("resolve", "Resolve: record what the borrower is told (they are notified)",
                                ComplaintResolveIn)
    close = _complaint_action("close", "Close a resolved complaint")
    reopen = _complaint_action("reopen", "Reopen a disputed resolution (reason required)")

    @extend_schema(summary="Assign a handler", request=ComplaintAssignIn, responses=ComplaintDetailOut)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        complaint = self.get_object()
        s = ComplaintAssignIn(data=request.data)
        s.is_valid(raise_exception=True)
        handler = _pick(User.objects.select_related("branch"), s.validated_data["handler"], "handler",
                        _("No such user."))
        services.complaint_assign(actor=request.user, complaint=complaint, handler=handler)
        return self._detail(complaint.pk)


class MyComplaintOut(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    status = code_out(ComplaintStatus.choices)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel = code_out(ComplaintChannel.choices)
    category = code_out(ComplaintCategory.choices)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    can_rate = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = ["id", "reference", "status", "status_display", "channel", "category", "category_display",
                  "description", "loan", "received_on", "ack_due_on", "resolve_due_on", "acknowledged_on",
                  "resolved_on", "closed_on", "resolution", "created_at", "can_rate"]
        read_only_fields = fields

    def get_can_rate(self, obj) -> bool:
        """Resolved and not rated yet: the app may offer POST /me/feedback/."""
        return obj.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED) and not getattr(obj, "rated", True)


class MyComplaintIn(serializers.Serializer):
    category = code_field(ComplaintCategory.choices)
    description = serializers.CharField(max_length=5000)
    loan = serializers.IntegerField(required=False, allow_null=True, help_text="One of your loans, if it is about one.")


@extend_schema(tags=["me"])
class MyComplaintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in borrower's own complaints; anybody else's is a 404."""

    serializer_class = MyComplaintOut
    permission_classes = [IsBorrower]
    queryset = Complaint.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        return selectors.complaint_list(user=self.request.user)

    @extend_schema(summary="My complaints (newest first)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One of my complaints")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="File a complaint from the app (an SMS and in-app receipt follow)",
                   request=MyComplaintIn, responses={201: MyComplaintOut})
    def create(self, request):
        borrower = _my_borrower(request.user)
        s = MyComplaintIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        loan = _pick(loan_list(user=request.user), data.pop("loan", None), "loan", _("No such loan of yours."))
        c = services.complaint_file(actor=request.user, borrower=borrower, loan=loan, channel=ComplaintChannel.APP,
                                **data)
        c = self.get_queryset().get(pk=c.pk)
        return Response(MyComplaintOut(c).data, status=status.HTTP_201_CREATED)


# --- follow-up visits -------------------------------------------------------------------------

class VisitOut(serializers.ModelSerializer):
    kind = code_out(VisitKind.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = code_out(VisitStatus.choices)
    method = code_out(VisitMethod.choices)
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)
    officer_name = serializers.CharField(source="officer.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = FollowUpVisit
        fields = ["id", "kind", "kind_display", "status", "borrower", "borrower_name", "loan", "complaint", "branch",
                  "scheduled_on", "officer", "officer_name", "visited_on", "method", "findings", "purpose_verified",
                  "note", "created_at", "completed_at", "overdue"]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        today = self.context.get("today") or business_date()
        return obj.status == VisitStatus.SCHEDULED and obj.scheduled_on < today


class VisitCreateIn(serializers.Serializer):
    borrower = serializers.IntegerField()
    kind = code_field(VisitKind.choices)
    scheduled_on = serializers.DateField()
    officer = serializers.IntegerField(required=False, allow_null=True, help_text="Default: you, or the loan's "
                                                                                  "officer.")
    loan = serializers.IntegerField(required=False, allow_null=True)
    complaint = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class VisitCompleteIn(serializers.Serializer):
    visited_on = serializers.DateField()
    method = code_field(VisitMethod.choices)
    findings = serializers.CharField(max_length=5000)
    purpose_verified = serializers.BooleanField(required=False, allow_null=True, default=None,
                                                help_text="Required for a post-disbursement check.")


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema(tags=["customer service"])
class FollowUpVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """回访 and post-disbursement checks of your branch tree."""

    serializer_class = VisitOut
    permission_classes = [IsStaffMember]
    queryset = FollowUpVisit.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FollowUpVisit.objects.none()
        qs = selectors.visit_list(user=self.request.user)
        params = self.request.query_params
        if self.action == "list":
            for name in ("status", "kind"):
                if params.get(name):
                    qs = qs.filter(**{name: params[name]})
            if params.get("overdue") in ("true", "1"):
                qs = qs.filter(status=VisitStatus.SCHEDULED, scheduled_on__lt=business_date())
            qs = qs.order_by("scheduled_on", "id")
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": business_date()}

    def _out(self, pk, code=status.HTTP_200_OK) -> Response:
        v = selectors.visit_list(user=self.request.user).get(pk=pk)
        return Response(VisitOut(v, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="List visits (earliest scheduled first)", parameters=[
        OpenApiParameter("status", str, description="One of: " + ", ".join(VisitStatus.values)),
        OpenApiParameter("kind", str, description="One of: " + ", ".join(VisitKind.values)),
        OpenApiParameter("overdue", bool, description="Only scheduled visits past their date.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One visit")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Schedule a visit or call", request=VisitCreateIn, responses={201: VisitOut})
    def create(self, request):
        s = VisitCreateIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        user = request.user
        borrower = _pick(borrower_list(user=user), data.pop("borrower"), "borrower",
                         _("No such borrower in your branches."))
        loan = _pick(loan_list(user=user), data.pop("loan", None), "loan", _("No such loan in your branches."))
        complaint = _pick(selectors.complaint_list(user=user), data.pop("complaint", None), "complaint",
                          _("No such complaint in your branches."))
        officer = _pick(User.objects.select_related("branch"), data.pop("officer", None), "officer", _("No such user."))
        v = services.visit_schedule(actor=user, borrower=borrower, loan=loan, complaint=complaint, officer=officer,
                                **data)
        return self._out(v.pk, code=status.HTTP_201_CREATED)

    @extend_schema(summary="Record the visit's outcome", request=VisitCompleteIn, responses=VisitOut)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        visit = self.get_object()
        s = VisitCompleteIn(data=request.data)
        s.is_valid(raise_exception=True)
        services.visit_complete(actor=request.user, visit=visit, **s.validated_data)
        return self._out(visit.pk)

    @extend_schema(summary="Cancel a scheduled visit", request=ReasonIn, responses=VisitOut)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        visit = self.get_object()
        s = ReasonIn(data=request.data)
        s.is_valid(raise_exception=True)
        services.visit_cancel(actor=request.user, visit=visit, reason=s.validated_data["reason"])
        return self._out(visit.pk)


# --- credit reviews -----------------------------------------------------------------------------

class CreditReviewOut(serializers.ModelSerializer):
    trigger = code_out(ReviewTrigger.choices)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    status = code_out(ReviewStatus.choices)
    recommendation = code_out(ReviewRecommendation.choices)
    loan_classification = serializers.CharField(source="loan.classification", read_only=True,
                                                help_text="The loan's classification now (as of the last close).")
    classification_seen = serializers.CharField(source="classification", read_only=True,
                                                help_text="At creation, then as the reviewer saw it.")
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)
    officer_name = serializers.CharField(source="officer.username", default=None, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = CreditReview
        fields = ["id", "loan", "borrower", "borrower_name", "branch", "officer", "officer_name", "business_date",
                  "due_on", "trigger", "trigger_display", "status", "loan_classification", "classification_seen",
                  "findings", "recommendation", "credit_record", "completed_on", "completed_at", "overdue"]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        today = self.context.get("today") or business_date()
        return obj.status == ReviewStatus.OPEN and obj.due_on < today


class CreditReviewCompleteIn(serializers.Serializer):
    findings = serializers.CharField(max_length=5000)
    recommendation = code_field(ReviewRecommendation.choices)


@extend_schema(tags=["customer service"])
class CreditReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """贷后定期检查: the periodic review tasks of your branch tree's loans."""

    serializer_class = CreditReviewOut
    permission_classes = [IsStaffMember]
    queryset = CreditReview.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditReview.objects.none()
        qs = selectors.review_list(user=self.request.user)
        params = self.request.query_params
        if self.action == "list":
            for name in ("status", "trigger"):
                if params.get(name):
                    qs = qs.filter(**{name: params[name]})
            loan = _id_param(params, "loan", _("Give a loan id."))
            if loan is not None:
                qs = qs.filter(loan_id=loan)
            if params.get("overdue") in ("true", "1"):
                qs = qs.filter(status=ReviewStatus.OPEN, due_on__lt=business_date())
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": business_date()}

    @extend_schema(summary="List review tasks (earliest due first)", parameters=[
        OpenApiParameter("status", str, description="One of: " + ", ".join(ReviewStatus.values)),
        OpenApiParameter("trigger", str, description="One of: " + ", ".join(ReviewTrigger.values)),
        OpenApiParameter("loan", int),
        OpenApiParameter("overdue", bool, description="Only open tasks past their due date.")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One review task")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary="Complete a review with findings and a recommendation",
                   request=CreditReviewCompleteIn, responses=CreditReviewOut)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        review = self.get_object()
        s = CreditReviewCompleteIn(data=request.data)
        s.is_valid(raise_exception=True)
        services.credit_review_complete(actor=request.user, review=review, **s.validated_data)
        r = selectors.review_list(user=request.user).get(pk=review.pk)
        return Response(CreditReviewOut(r, context=self.get_serializer_context()).data)


# --- satisfaction feedback -------------------------------------------------------------------------

class FeedbackOut(serializers.ModelSerializer):
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
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    complaint = serializers.IntegerField(required=False, allow_null=True, help_text="Rate this resolved complaint.")
    visit = serializers.IntegerField(required=False, allow_null=True, help_text="Rate this visit.")


class SubjectSummaryOut(serializers.Serializer):
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)


class FeedbackSummaryOut(serializers.Serializer):
    since = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    average = serializers.FloatField(allow_null=True)
    by_subject = serializers.DictField(child=SubjectSummaryOut())


class _FeedbackList(mixins.ListModelMixin, viewsets.GenericViewSet):
    # The feedback the user may read (a borrower's own, or staff's branch tree): the selector
    # decides. (A comment, not a docstring: drf-spectacular would show it on both APIs.)
    queryset = Feedback.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Feedback.objects.none()
        return selectors.feedback_list(user=self.request.user)


@extend_schema(tags=["me"])
class MyFeedbackViewSet(_FeedbackList):
    """The signed-in borrower's satisfaction feedback: one score per subject."""

    serializer_class = FeedbackOut
    permission_classes = [IsBorrower]

    @extend_schema(summary="My feedback")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Rate a resolved complaint, a visit, or the service (score 1-5)",
                   request=FeedbackIn, responses={201: FeedbackOut})
    def create(self, request):
        _my_borrower(request.user)
        s = FeedbackIn(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        user = request.user
        complaint = _pick(selectors.complaint_list(user=user), data.pop("complaint", None), "complaint",
                          _("No such complaint of yours."))
        visit = _pick(selectors.visit_list(user=user), data.pop("visit", None), "visit",
                      _("No such visit of yours."))
        f = services.feedback_submit(actor=user, complaint=complaint, visit=visit, **data)
        return Response(FeedbackOut(f).data, status=status.HTTP_201_CREATED)


class IsManagerOrAuditor(IsStaffMember):
    message = gettext_lazy("Managers, administrators and auditors only.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and (
            request.user.role in (Role.MANAGER, Role.ADMIN, Role.AUDITOR) or request.user.is_superuser)


@extend_schema(tags=["customer service"])
class FeedbackViewSet(_FeedbackList):
    """Borrowers' satisfaction feedback in your branch tree (managers, administrators, auditors)."""

    serializer_class = StaffFeedbackOut
    permission_classes = [IsManagerOrAuditor]

    @extend_schema(summary="List feedback (newest first)")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Average scores, overall and per subject",
                   parameters=[OpenApiParameter("since", str, description="YYYY-MM-DD (default: all time)")],
                   responses=FeedbackSummaryOut)
    @action(detail=False, methods=["get"])
    def summary(self, request):
        since = None
        if request.query_params.get("since"):
            try:
                since = serializers.DateField().to_internal_value(request.query_params["since"])
            except serializers.ValidationError as exc:
                raise InvalidInput({"since": exc.detail}) from None
        return Response({"since": since, **selectors.feedback_summary(user=request.user, since=since)})
