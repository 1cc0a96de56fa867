"""Complaints over the API: staff's ``/complaints/`` (one endpoint per move, each calling
that move's service) and the borrower's ``/me/complaints/``."""

from django.db.models import F, Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action

from applications.selectors import borrower_list
from microloan import fields
from microloan.api import code_field, code_out, id_param, read
from microloan.audit import audit_history
from microloan.business_date import business_date
from microloan.models import User
from servicing.selectors import loan_list

from .. import selectors, services
from ..models import OPEN_COMPLAINT_STATUSES, Complaint, ComplaintCategory, ComplaintChannel, ComplaintStatus
from ..workflow import COMPLAINT_WORKFLOW
from .common import CareViewSet, HistoryOut, my_borrower, pick


class ComplaintSlaOut(serializers.Serializer):
    age_days = fields.IntegerField()
    ack_breached = serializers.BooleanField()
    resolve_breached = serializers.BooleanField()
    days_left = fields.IntegerField(
        allow_null=True, help_text="Days to the resolution deadline; negative when overdue, null once resolved."
    )


class ComplaintCodesOut(serializers.Serializer):
    # What the staff's and the borrower's complaint share: the reference and the codes with
    # their words. (A comment, not a docstring: the schema would show it on both.)
    reference = serializers.CharField(read_only=True)
    status = code_out(ComplaintStatus.choices)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel = code_out(ComplaintChannel.choices)
    category = code_out(ComplaintCategory.choices)
    category_display = serializers.CharField(source="get_category_display", read_only=True)


class ComplaintOut(ComplaintCodesOut, fields.ModelSerializer):
    borrower_name = serializers.CharField(source="borrower.full_name", read_only=True)
    handler_name = serializers.CharField(source="handler.username", default=None, allow_null=True, read_only=True)
    sla = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "status",
            "status_display",
            "borrower",
            "borrower_name",
            "loan",
            "branch",
            "channel",
            "category",
            "category_display",
            "description",
            "received_on",
            "ack_due_on",
            "resolve_due_on",
            "acknowledged_on",
            "resolved_on",
            "closed_on",
            "handler",
            "handler_name",
            "resolution",
            "reopened_count",
            "resolve_breached_before",
            "created_at",
            "sla",
            "available_actions",
        ]
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
    borrower = fields.IntegerField()
    loan = fields.IntegerField(required=False, allow_null=True)
    channel = code_field(ComplaintChannel.choices)
    category = code_field(ComplaintCategory.choices)
    description = serializers.CharField(max_length=5000)
    received_on = fields.DateField(required=False, help_text="Default: the business date.")
    handler = fields.IntegerField(required=False, allow_null=True)


class ComplaintActionIn(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Why (required to escalate and to reopen).",
    )


class ComplaintResolveIn(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000, help_text="What the borrower is told.")


class ComplaintAssignIn(serializers.Serializer):
    handler = fields.IntegerField()


def _complaint_filters(qs, params):
    """The staff list's filters beyond the exact ones (status, category, channel)."""
    handler = id_param(params, "handler", _("Give a user id."))
    if handler is not None:
        qs = qs.filter(handler_id=handler)
    if params.get("breached") in ("true", "1"):
        # The open complaints whose SLA (services.complaint_sla) is breached: a deadline past, or
        # one missed before (acknowledged late; resolved late before a reopening).
        today = business_date()
        qs = qs.filter(status__in=OPEN_COMPLAINT_STATUSES).filter(
            Q(status=ComplaintStatus.RECEIVED, ack_due_on__lt=today)
            | Q(acknowledged_on__gt=F("ack_due_on"))
            | Q(resolve_due_on__lt=today)
            | Q(resolve_breached_before=True)
        )
    return qs


COMPLAINT_FILTERS = [
    OpenApiParameter("status", str, description="One of: " + ", ".join(ComplaintStatus.values)),
    OpenApiParameter("category", str, description="One of: " + ", ".join(ComplaintCategory.values)),
    OpenApiParameter("channel", str, description="One of: " + ", ".join(ComplaintChannel.values)),
    OpenApiParameter("handler", int),
    OpenApiParameter(
        "breached",
        bool,
        description="Only open complaints whose SLA is breached: past a deadline, "
        "acknowledged late, or resolved late before a reopening.",
    ),
]


def _complaint_action(name: str, summary: str, request_serializer=ComplaintActionIn):
    """One transition endpoint: ``POST /complaints/{id}/<name>/``, calling the action's own
    service (``services.complaint_<name>``)."""
    service = services.COMPLAINT_ACTIONS[name]

    def view(self, request, pk=None):
        complaint = self.get_object()
        service(actor=request.user, complaint=complaint, **read(request_serializer, request))
        return self.answer(complaint.pk)

    # The router maps the HTTP method to the function's name, so it is named before decorating.
    view.__name__ = view.__qualname__ = name
    view = action(detail=True, methods=["post"], url_path=name, url_name=name)(view)
    return extend_schema(summary=summary, request=request_serializer, responses=ComplaintDetailOut)(view)


@extend_schema_view(
    list=extend_schema(summary="List complaints (newest first)", parameters=COMPLAINT_FILTERS),
    retrieve=extend_schema(summary="One complaint, with its SLA and history"),
)
@extend_schema(tags=["customer service"])
class ComplaintViewSet(CareViewSet):
    """Complaints of the borrowers of your branch tree, with their SLA and transitions."""

    permissions = {
        "list": "complaint.view",
        "retrieve": "complaint.view",
        "create": "complaint.create",
        "assign": "complaint.assign",
        "acknowledge": "complaint.acknowledge",
        "investigate": "complaint.investigate",
        "escalate": "complaint.escalate",
        "resolve": "complaint.resolve",
        "close": "complaint.close",
        "reopen": "complaint.reopen",
    }

    serializer_class = ComplaintOut
    answer_serializer_class = ComplaintDetailOut
    queryset = Complaint.objects.none()
    selector = staticmethod(selectors.complaint_list)
    list_filters = ("status", "category", "channel")

    def narrow(self, qs, params):
        return _complaint_filters(qs, params)

    def get_serializer_class(self):
        return ComplaintOut if self.action == "list" else ComplaintDetailOut

    @extend_schema(
        summary="Register a complaint (phone, branch, letter, regulator referral)",
        request=ComplaintCreateIn,
        responses={201: ComplaintDetailOut},
    )
    def create(self, request):
        data = read(ComplaintCreateIn, request)
        user = request.user
        borrower = pick(
            borrower_list(user=user), data.pop("borrower"), "borrower", _("No such borrower in your branches.")
        )
        loan = pick(loan_list(user=user), data.pop("loan", None), "loan", _("No such loan in your branches."))
        handler = pick(User.objects.select_related("branch"), data.pop("handler", None), "handler", _("No such user."))
        c = services.complaint_file(actor=user, borrower=borrower, loan=loan, handler=handler, **data)
        return self.answer(c.pk, code=status.HTTP_201_CREATED)

    acknowledge = _complaint_action("acknowledge", "Acknowledge: the borrower has been contacted")
    investigate = _complaint_action("investigate", "Start the investigation")
    escalate = _complaint_action("escalate", "Escalate to a manager (reason required)")
    resolve = _complaint_action(
        "resolve", "Resolve: record what the borrower is told (they are notified)", ComplaintResolveIn
    )
    close = _complaint_action("close", "Close a resolved complaint")
    reopen = _complaint_action("reopen", "Reopen a disputed resolution (reason required)")

    @extend_schema(summary="Assign a handler", request=ComplaintAssignIn, responses=ComplaintDetailOut)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        complaint = self.get_object()
        handler = pick(
            User.objects.select_related("branch"),
            read(ComplaintAssignIn, request)["handler"],
            "handler",
            _("No such user."),
        )
        services.complaint_assign(actor=request.user, complaint=complaint, handler=handler)
        return self.answer(complaint.pk)


class MyComplaintOut(ComplaintCodesOut, fields.ModelSerializer):
    can_rate = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "status",
            "status_display",
            "channel",
            "category",
            "category_display",
            "description",
            "loan",
            "received_on",
            "ack_due_on",
            "resolve_due_on",
            "acknowledged_on",
            "resolved_on",
            "closed_on",
            "resolution",
            "created_at",
            "can_rate",
        ]
        read_only_fields = fields

    def get_can_rate(self, obj) -> bool:
        """Resolved and not rated yet: the app may offer POST /me/feedback/."""
        return obj.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED) and not getattr(obj, "rated", True)


class MyComplaintIn(serializers.Serializer):
    category = code_field(ComplaintCategory.choices)
    description = serializers.CharField(max_length=5000)
    loan = fields.IntegerField(required=False, allow_null=True, help_text="One of your loans, if it is about one.")


@extend_schema_view(
    list=extend_schema(summary="My complaints (newest first)"),
    retrieve=extend_schema(summary="One of my complaints"),
)
@extend_schema(tags=["me"])
class MyComplaintViewSet(CareViewSet):
    """The signed-in borrower's own complaints; anybody else's is a 404."""

    permission_action = "complaint.own"
    serializer_class = MyComplaintOut
    queryset = Complaint.objects.none()
    selector = staticmethod(selectors.complaint_list)
    dated = False

    @extend_schema(
        summary="File a complaint from the app (an SMS and in-app receipt follow)",
        request=MyComplaintIn,
        responses={201: MyComplaintOut},
    )
    def create(self, request):
        borrower = my_borrower(request.user)
        data = read(MyComplaintIn, request)
        loan = pick(loan_list(user=request.user), data.pop("loan", None), "loan", _("No such loan of yours."))
        c = services.complaint_file(
            actor=request.user, borrower=borrower, loan=loan, channel=ComplaintChannel.APP, **data
        )
        return self.answer(c.pk, code=status.HTTP_201_CREATED)
