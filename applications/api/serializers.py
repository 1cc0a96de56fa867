"""The intake API's serializers: what borrowers, products, documents, applications and leads
look like in and out."""

from rest_framework import serializers

from microloan import fields
from microloan.audit import audit_history
from microloan.fast_read import FastRead
from microloan.models import AuditEvent
from microloan.pii import MaskedFieldsMixin, mask_parties

from .. import services
from ..models import (
    Application,
    Borrower,
    Consent,
    ConsentPurpose,
    Document,
    DocumentKind,
    DocumentStatus,
    Frequency,
    Lead,
    Method,
    Product,
    SalesChannel,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
PARTY_FIELDS = ("guarantors", "collateral")  # the application's other people (microloan/pii.py)


# A borrower, their personal fields masked (microloan/pii.py); writes take clear values.
class BorrowerSerializer(MaskedFieldsMixin, fields.ModelSerializer):
    class Meta:
        model = Borrower
        fields = [
            "id",
            "full_name",
            "id_number",
            "date_of_birth",
            "sex",
            *services.BORROWER_DETAILS,
            "credit_disqualified",
            "language",
            "branch",
            "officer",
            "created_at",
        ]
        read_only_fields = ["id", "date_of_birth", "sex", "branch", "officer", "created_at"]
        # The service owns uniqueness and the borrower rules (services.borrower_clean): its
        # field errors come back as this serializer's would, 400 {field: [reason]}.
        extra_kwargs = {"id_number": {"validators": []}}


class BorrowerUpdateSerializer(BorrowerSerializer):
    class Meta(BorrowerSerializer.Meta):
        read_only_fields = [*BorrowerSerializer.Meta.read_only_fields, "id_number"]


class BorrowerRevealSerializer(serializers.Serializer):
    """A borrower's personal fields in clear: the answer of an audited reveal."""

    id = fields.IntegerField()
    id_number = serializers.CharField()
    mobile = serializers.CharField()
    address = serializers.CharField(allow_blank=True)
    spouse_name = serializers.CharField(allow_blank=True)
    spouse_id_number = serializers.CharField(allow_blank=True)


class ProductSerializer(FastRead, fields.ModelSerializer):
    # The JSON columns typed for the schema (issue #13 point 8): lists of their choices.
    methods = serializers.ListField(child=serializers.ChoiceField(choices=Method.choices), read_only=True)
    frequencies = serializers.ListField(child=serializers.ChoiceField(choices=Frequency.choices), read_only=True)
    required_documents = serializers.ListField(
        child=serializers.ChoiceField(choices=DocumentKind.choices), read_only=True
    )
    channels = serializers.ListField(child=serializers.ChoiceField(choices=SalesChannel.choices), read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "category",
            "min_amount",
            "max_amount",
            "min_term",
            "max_term",
            "min_rate",
            "max_rate",
            "methods",
            "frequencies",
            "required_documents",
            "penalty_rate",
            "grace_days",
            "guarantee_type",
            "fee_rate",
            "fee_fixed",
            "channels",
            "prepayment_mode",
            "due_date_rule",
            "day_count",
            "grace_periods",
            "late_fee_fixed",
            "late_fee_rate",
            "service_fee",
            "insurance_fee",
            "prepayment_fee_rate",
            "min_age",
            "max_age",
            "is_active",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for f in ("min_rate", "max_rate", "penalty_rate", "fee_rate", "late_fee_rate", "prepayment_fee_rate"):
            if data[f] is not None:
                data[f] = f"{instance.__dict__[f]:.4f}"
        return data


class DocumentSerializer(fields.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "status",
            "content_type",
            "size",
            "original_name",
            "review_reason",
            "uploaded_at",
            "reviewed_at",
        ]


class HistorySerializer(fields.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = AuditEvent
        fields = ["at", "actor", "action", "from_state", "to_state", "reason"]


class ApplicationSerializer(fields.ModelSerializer):
    documents = DocumentSerializer(many=True, read_only=True)
    status_history = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    # The JSON columns typed for the schema: the parties masked (microloan/pii.py), the codes.
    guarantors = serializers.ListField(child=serializers.DictField(), read_only=True)
    collateral = serializers.ListField(child=serializers.DictField(), read_only=True)
    reason_codes = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "status",
            "borrower",
            "product",
            "amount",
            "term",
            "method",
            "frequency",
            "purpose",
            "channel",
            "guarantors",
            "collateral",
            "branch",
            "officer",
            "created_at",
            "submitted_at",
            "score",
            "grade",
            "reason_codes",
            "approved_amount",
            "approved_term",
            "approved_rate",
            "conditions",
            "documents",
            "checklist",
            "status_history",
        ]

    def to_representation(self, instance):
        # The guarantors and collateral owners masked (microloan/pii.py): their clear values
        # only through the audited reveal.
        data = super().to_representation(instance)
        for name in PARTY_FIELDS:
            if name in data:
                data[name] = mask_parties(data[name])
        return data

    def get_status_history(self, obj) -> list[dict]:
        history = self.context.get("history", {}).get(obj.pk)
        if history is None:
            history = [e for e in audit_history(entity="application", entity_id=obj.pk) if e.to_state]
        return HistorySerializer(history, many=True).data

    def get_checklist(self, obj) -> list[dict]:
        return services.document_checklist(application=obj, documents=list(obj.documents.all()))


class ApplicationRevealSerializer(serializers.Serializer):
    """An application's guarantors and collateral in clear: the answer of an audited reveal."""

    id = fields.IntegerField()
    guarantors = serializers.ListField(child=serializers.DictField())
    collateral = serializers.ListField(child=serializers.DictField())


class ApplicationCreateSerializer(serializers.Serializer):
    borrower = fields.IntegerField(required=False)
    product = fields.IntegerField()
    amount = fields.DecimalField(**MONEY, min_value=0)
    term = fields.IntegerField(min_value=1, max_value=600)
    method = serializers.ChoiceField(choices=Method.choices)
    frequency = serializers.ChoiceField(choices=Frequency.choices, default="monthly")
    purpose = serializers.CharField(max_length=2000)
    channel = serializers.ChoiceField(choices=SalesChannel.choices, required=False)
    guarantors = serializers.ListField(child=serializers.DictField(), required=False)
    collateral = serializers.ListField(child=serializers.DictField(), required=False)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(allow_empty_file=True)


class ConsentSerializer(fields.ModelSerializer):
    """A consent (授权书) and its signed document's metadata (the file is never served by URL)."""

    class Meta:
        model = Consent
        fields = [
            "id",
            "borrower",
            "purpose",
            "status",
            "granted_on",
            "expires_on",
            "content_type",
            "size",
            "sha256",
            "original_name",
            "captured_by",
            "captured_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]
        read_only_fields = fields


class ConsentRecordSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted_on = fields.DateField()
    expires_on = fields.DateField(required=False, allow_null=True, default=None)
    file = serializers.FileField(allow_empty_file=True)


class ConsentRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DocumentReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[DocumentStatus.ACCEPTED, DocumentStatus.REJECTED])
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


# A lead, its mobile masked (microloan/pii.py).
class LeadSerializer(MaskedFieldsMixin, fields.ModelSerializer):
    pii_fields = ("mobile",)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "mobile",
            "channel",
            "partner",
            "interest_amount",
            "notes",
            "status",
            "borrower",
            "officer",
            "branch",
            "created_at",
        ]
        read_only_fields = ["id", "status", "borrower", "officer", "branch", "created_at"]


class LeadConvertSerializer(serializers.Serializer):
    borrower = BorrowerSerializer()
    application = ApplicationCreateSerializer(required=False)
