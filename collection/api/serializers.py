"""The collection API's shapes: what a case, its borrower, contacts, promises and write-offs
look like on the wire (its loan as the loans API shows it), and what each POST takes. Choices are documented as code
strings (``code_field``/``code_out``), so no enum collides with another app's ``status`` or
``channel``; the borrower's personal fields are masked (microloan/pii.py)."""

from rest_framework import serializers

from applications.models import Borrower
from care.models import Complaint, ComplaintCategory, ComplaintStatus
from microloan import fields
from microloan.api import code_field, code_out
from microloan.pii import MaskedFieldsMixin
from servicing.api import LoanSerializer

from ..case_models import (
    CONTACT_OUTCOMES,
    CONTACT_PARTIES,
    CaseStatus,
    CaseStep,
    CollectionCase,
    ContactAttempt,
    ContactChannel,
    PromiseStatus,
    PromiseToPay,
    WriteOff,
    WriteOffStatus,
)

# --- out ------------------------------------------------------------------------------------


class CaseBorrowerOut(MaskedFieldsMixin, fields.ModelSerializer):
    class Meta:
        model = Borrower
        fields = ["id", "full_name", "mobile"]
        read_only_fields = fields


class CaseOut(fields.ModelSerializer):
    status = code_out(CaseStatus.choices)
    outcome = serializers.CharField(read_only=True, help_text="cured, repaid or written_off once closed.")
    assigned_to_name = serializers.CharField(source="assigned_to.username", default=None, read_only=True)
    loan = LoanSerializer(read_only=True, help_text="The loan as GET /loans/{id}/ shows it.")
    borrower = CaseBorrowerOut(source="loan.borrower", read_only=True)

    class Meta:
        model = CollectionCase
        fields = [
            "id",
            "status",
            "outcome",
            "opened_on",
            "closed_on",
            "branch",
            "assigned_to",
            "assigned_to_name",
            "loan",
            "borrower",
        ]
        read_only_fields = fields


class CaseStepOut(fields.ModelSerializer):
    # DRF takes declared fields out of the class, so "label" does not shadow Field.label.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]

    class Meta:
        model = CaseStep
        fields = ["step", "label", "business_date", "days_past_due"]
        read_only_fields = fields


class ContactOut(fields.ModelSerializer):
    channel = code_out(ContactChannel.choices)
    party = code_out(CONTACT_PARTIES)
    actor_name = serializers.CharField(source="actor.username", read_only=True)
    refusal_reason = serializers.CharField(
        source="refusal", read_only=True, help_text="Why the conduct rules refused it, in the request's language."
    )

    class Meta:
        model = ContactAttempt
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "channel",
            "party",
            "party_name",
            "connected",
            "outcome",
            "notes",
            "refused",
            "refusal_reason",
        ]
        read_only_fields = fields


class PromiseOut(fields.ModelSerializer):
    status = code_out(PromiseStatus.choices)

    class Meta:
        model = PromiseToPay
        fields = ["id", "amount", "promised_on", "made_on", "status", "checked_on", "created_by"]
        read_only_fields = fields


class WriteOffOut(fields.ModelSerializer):
    status = code_out(WriteOffStatus.choices)
    requested_by_name = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.username", default=None, read_only=True)
    available_actions = serializers.SerializerMethodField()

    class Meta:
        model = WriteOff
        fields = [
            "id",
            "loan",
            "status",
            "reason",
            "requested_by",
            "requested_by_name",
            "decided_by",
            "decided_by_name",
            "business_date",
            "principal",
            "penalty",
            "created_at",
            "available_actions",
        ]
        read_only_fields = fields

    def get_available_actions(self, obj) -> list[str]:
        """The moves you may make on it now (role, status and four eyes)."""
        return [t.action for t in getattr(obj, "actions", [])]


class CaseComplaintOut(fields.ModelSerializer):
    # Only that there is one and what about: the complaint itself is customer service's.
    category = code_out(ComplaintCategory.choices)
    status = code_out(ComplaintStatus.choices)

    class Meta:
        model = Complaint
        fields = ["id", "category", "status", "received_on"]
        read_only_fields = fields


class CaseDetailOut(CaseOut):
    # The lists are the case page's (``selectors.case_page``, set on the case as ``page``).
    steps = CaseStepOut(source="page.steps", many=True, read_only=True)
    contacts = ContactOut(source="page.contacts", many=True, read_only=True)
    promises = PromiseOut(source="page.promises", many=True, read_only=True)
    write_offs = WriteOffOut(source="page.write_offs", many=True, read_only=True)
    complaints = CaseComplaintOut(
        source="page.complaints",
        many=True,
        read_only=True,
        help_text="The borrower's complaints, collection-conduct ones first: a dispute about the case.",
    )

    class Meta(CaseOut.Meta):
        fields = [*CaseOut.Meta.fields, "steps", "contacts", "promises", "write_offs", "complaints"]
        read_only_fields = fields


class ContactRefusedOut(serializers.Serializer):
    # One 403 for both refusals: the permission table's (``detail`` only) and the conduct
    # rules' (``detail`` and the attempt, logged as refused).
    detail = serializers.CharField(help_text="Why the contact was refused.")
    contact = ContactOut(
        required=False, help_text="The attempt, logged as refused (when the conduct rules refused it)."
    )


# --- in -------------------------------------------------------------------------------------


class ContactIn(serializers.Serializer):
    channel = code_field(ContactChannel.choices)
    party = code_field(CONTACT_PARTIES, required=False, default="borrower")
    party_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="The guarantor's name."
    )
    connected = serializers.BooleanField(required=False, default=False)
    outcome = code_field(CONTACT_OUTCOMES, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class PromiseIn(serializers.Serializer):
    amount = fields.DecimalField(max_digits=18, decimal_places=2)
    promised_on = fields.DateField(help_text="The business date or later.")


class WriteOffRequestIn(serializers.Serializer):
    # Blank passes here: the service says why it needs one, for the page too.
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class WriteOffApproveIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class WriteOffRejectIn(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5000, help_text="Why it is rejected."
    )
