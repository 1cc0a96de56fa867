# Long module: intake's tables (borrower, lead, product, application, document, consent) point at
# one another, so they sit together; each model is short and no logic lives here.
"""Intake: borrowers (KYC), leads, loan products, applications and their documents."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from microloan.models import Branch
from microloan.money import MoneyField, RateField

from .charges import product_charge_errors


class Segment(models.TextChoices):
    SMALL_BUSINESS = "small_business", _("Small-business owner")
    FARMER = "farmer", _("Farmer")
    URBAN_LOW_INCOME = "urban_low_income", _("Urban low-income / entrepreneur")
    SALARIED = "salaried", _("Salaried")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Borrower(models.Model):
    """A customer (客户信息). One per resident ID number."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="borrowers")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="borrowers"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="borrower_profile"
    )
    full_name = models.CharField(_("full name"), max_length=100)
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    date_of_birth = models.DateField(_("date of birth"), editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    mobile = models.CharField(_("mobile"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True, default="")
    address = models.CharField(_("address"), max_length=255, blank=True, default="")
    segment = models.CharField(_("segment"), max_length=20, choices=Segment.choices)
    employer = models.CharField(_("employer / business"), max_length=150, blank=True, default="")
    occupation = models.CharField(_("occupation"), max_length=100, blank=True, default="")
    years_in_business = models.PositiveSmallIntegerField(_("years employed / in business"), default=0)
    monthly_income = MoneyField(_("monthly income"), default=0)
    marital_status = models.CharField(
        _("marital status"), max_length=10, choices=MaritalStatus.choices, default=MaritalStatus.SINGLE
    )
    spouse_name = models.CharField(_("spouse name"), max_length=100, blank=True, default="")
    spouse_id_number = models.CharField(_("spouse ID number"), max_length=18, blank=True, default="")
    household_size = models.PositiveSmallIntegerField(_("household size"), default=1)
    existing_debts = MoneyField(_("existing debts"), default=0)
    credit_disqualified = models.BooleanField(
        _("disqualifying credit record"),
        default=False,
        help_text=_("Set when the credit report shows a record that bars new lending."),
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans", choices=settings.LANGUAGES)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("borrower")

    def __str__(self) -> str:
        from microloan.pii import mask_id_number

        return f"{self.full_name} ({mask_id_number(self.id_number)})"


class LeadChannel(models.TextChoices):
    STREET = "street", _("Street marketing")
    BRANCH = "branch", _("Branch walk-in")
    PARTNER = "partner", _("Partner referral")


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    CONVERTED = "converted", _("Converted")
    DROPPED = "dropped", _("Dropped")


class Lead(models.Model):
    """A prospect from marketing (营销登记), converted to a borrower and an application."""

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="leads")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leads")
    name = models.CharField(_("name"), max_length=100)
    mobile = models.CharField(_("mobile"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=LeadChannel.choices)
    partner = models.CharField(_("partner"), max_length=100, blank=True, default="")
    interest_amount = MoneyField(_("amount of interest"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    status = models.CharField(_("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.NEW)
    borrower = models.ForeignKey(Borrower, null=True, blank=True, on_delete=models.PROTECT, related_name="leads")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        from microloan.pii import mask_mobile

        return f"{self.name} {mask_mobile(self.mobile)}"


class ProductCategory(models.TextChoices):
    CONSUMER_ONLINE = "consumer_online", _("Consumer (online)")
    CONSUMER_BRANCH = "consumer_branch", _("Consumer (branch)")
    SCENARIO_CONSUMER = "scenario_consumer", _("Scenario consumer")
    WORKING_CAPITAL = "working_capital", _("Business working capital")
    FIXED_ASSET = "fixed_asset", _("Business fixed asset")
    SUPPLY_CHAIN = "supply_chain", _("Supply-chain receivable")


class GuaranteeType(models.TextChoices):
    CREDIT = "credit", _("Credit (unsecured)")
    GUARANTOR = "guarantor", _("Guarantor")
    COLLATERAL = "collateral", _("Collateral")
    PLEDGE = "pledge", _("Pledge")


class Method(models.TextChoices):
    ANNUITY = "annuity", _("Equal instalments (等额本息)")
    EQUAL_PRINCIPAL = "equal_principal", _("Equal principal (等额本金)")
    INTEREST_ONLY = "interest_only", _("Interest only, principal at maturity (按期付息、到期还本)")
    FLAT = "flat", _("Flat (等本等息)")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    BIWEEKLY = "biweekly", _("Bi-weekly")
    WEEKLY = "weekly", _("Weekly")


class DocumentKind(models.TextChoices):
    BORROWER_ID = "borrower_id", _("Borrower ID")
    SPOUSE_ID = "spouse_id", _("Spouse ID")
    INCOME_PROOF = "income_proof", _("Income proof")
    CREDIT_REPORT = "credit_report", _("Credit report")
    PURPOSE_PROOF = "purpose_proof", _("Purpose proof")
    COLLATERAL = "collateral", _("Collateral papers")
    CONSENT = "consent", _("Consent (授权书)")
    OTHER = "other", _("Other")


class SalesChannel(models.TextChoices):
    BRANCH = "branch", _("Branch")
    MOBILE = "mobile", _("Mobile")
    PARTNER = "partner", _("Partner")


class DueDateRule(models.TextChoices):
    KEEP = "keep", _("Keep it (due on a public holiday: on time until the first working day after)")
    NEXT_WORKING_DAY = "next_working_day", _("Move it to the next working day")


class DayCount(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class Product(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True, default="")
    category = models.CharField(_("category"), max_length=20, choices=ProductCategory.choices)
    min_amount = MoneyField(_("minimum amount"))
    max_amount = MoneyField(_("maximum amount"))
    min_term = models.PositiveSmallIntegerField(_("minimum term (periods)"))
    max_term = models.PositiveSmallIntegerField(_("maximum term (periods)"))
    min_rate = RateField(_("minimum annual rate"))
    max_rate = RateField(_("maximum annual rate"))
    methods = models.JSONField(_("repayment methods"), default=list)
    frequencies = models.JSONField(_("frequencies"), default=list)
    guarantee_type = models.CharField(
        _("guarantee type"), max_length=12, choices=GuaranteeType.choices, default=GuaranteeType.CREDIT
    )
    required_documents = models.JSONField(_("required documents"), default=list)
    fee_rate = RateField(_("upfront fee (fraction of amount)"), default=0)
    fee_fixed = MoneyField(_("upfront fee (fixed)"), default=0)
    penalty_rate = RateField(
        _("penalty annual rate"), null=True, blank=True, help_text=_("Empty means the contract rate × 1.5.")
    )
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=0)
    channels = models.JSONField(_("channels"), default=list)
    prepayment_mode = models.CharField(
        _("prepayment"),
        max_length=20,
        default="next_installments",
        choices=[
            ("next_installments", _("Prepays the next instalments")),
            ("shorten_term", _("Shortens the term (repays the last instalments' principal)")),
            ("reamortise", _("Re-amortises the rest (smaller instalments, a new schedule version)")),
        ],
    )
    # The holiday calendar (microloan.holidays): where a due date that falls on a non-working
    # day goes, and whether reminders and the escalation ladder count calendar or working days.
    due_date_rule = models.CharField(
        _("due date on a non-working day"), max_length=20, choices=DueDateRule.choices, default=DueDateRule.KEEP
    )
    day_count = models.CharField(
        _("reminders and escalation count"), max_length=10, choices=DayCount.choices, default=DayCount.CALENDAR
    )
    # Interest-only periods at the start of the loan (microloan.lending.schedule's grace), unless
    # the approval sets its own (Application.approved_grace_periods).
    grace_periods = models.PositiveSmallIntegerField(_("grace periods (interest only)"), default=0)
    # Charges beyond the upfront fee (servicing.charges): each charged once, as a fee on an
    # instalment, with a balanced journal entry; nothing is charged while they are 0.
    late_fee_fixed = MoneyField(_("late fee (fixed, per overdue instalment)"), default=0)
    late_fee_rate = RateField(_("late fee (fraction of the overdue instalment)"), default=0)
    service_fee = MoneyField(_("service fee per instalment"), default=0)
    insurance_fee = MoneyField(_("insurance fee per instalment"), default=0)
    prepayment_fee_rate = RateField(_("prepayment fee (fraction of the principal prepaid)"), default=0)
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=18)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), default=65)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_amount__gt=0) & Q(max_amount__gte=models.F("min_amount")), name="product_amount_range"
            ),
            models.CheckConstraint(
                condition=Q(min_term__gte=1) & Q(max_term__gte=models.F("min_term")), name="product_term_range"
            ),
            models.CheckConstraint(
                condition=Q(min_rate__gte=0) & Q(max_rate__gte=models.F("min_rate")), name="product_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    def clean(self):
        """The ranges, as errors on the field that breaks them (the constraints below hold
        the same in the database)."""
        errors = {}
        pairs = [
            ("min_amount", "max_amount", _("The maximum amount must be at least the minimum.")),
            ("min_term", "max_term", _("The maximum term must be at least the minimum.")),
            ("min_rate", "max_rate", _("The maximum rate must be at least the minimum.")),
            ("min_age", "max_age", _("The maximum age must be at least the minimum.")),
        ]
        for low, high, message in pairs:
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and b < a:
                errors[high] = message
        if self.min_amount is not None and self.min_amount <= 0:
            errors["min_amount"] = _("The minimum amount must be above 0.")
        if self.min_term is not None and self.min_term < 1:
            errors["min_term"] = _("The minimum term is at least 1 period.")
        if self.grace_periods and self.min_term is not None and self.grace_periods >= self.min_term:
            errors["grace_periods"] = _("The grace periods must be fewer than the minimum term.")
        errors.update(product_charge_errors(self))
        if errors:
            raise ValidationError(errors)

    def name_in(self, language: str | None) -> str:
        """The name a reader of ``language`` sees (see ``product_name``)."""
        return product_name(name=self.name, name_en=self.name_en, language=language)

    @property
    def display_name(self) -> str:
        """The name in the active language (the Chinese name is the product's legal name)."""
        from django.utils.translation import get_language

        return self.name_in(get_language())


def product_name(*, name: str, name_en: str, language: str | None) -> str:
    """A product's name for a reader of ``language``: the English name for an English reader
    when the product has one, otherwise the Chinese name (the product's legal name). The one
    rule for the product's model, pages, contracts and the reports' value rows alike."""
    return name_en if name_en and (language or "").startswith("en") else name


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CONTRACTED = "contracted", _("Contracted")
    # Disbursement prepared by one person, awaiting another's release (maker-checker).
    PENDING_RELEASE = "pending_release", _("Pending release")
    DISBURSED = "disbursed", _("Disbursed")


class Application(models.Model):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="applications")
    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="applications")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    amount = MoneyField(_("amount"))
    term = models.PositiveSmallIntegerField(_("term (periods)"))
    method = models.CharField(_("repayment method"), max_length=20, choices=Method.choices)
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    purpose = models.TextField(_("purpose"))
    channel = models.CharField(_("channel"), max_length=10, choices=SalesChannel.choices, default=SalesChannel.BRANCH)
    guarantors = models.JSONField(_("guarantors"), default=list, blank=True)
    collateral = models.JSONField(_("collateral"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Set by underwriting: the latest assessment's result (denormalised so the approval queue
    # filters and sorts 10,000 cases in one indexed query) and the approved terms.
    score = models.IntegerField(_("score"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=2, blank=True, default="", db_index=True)
    reason_codes = models.JSONField(_("reason codes"), default=list, blank=True)
    pending_since = models.DateTimeField(_("pending approval since"), null=True, blank=True, db_index=True)
    approved_amount = MoneyField(_("approved amount"), null=True, blank=True)
    approved_term = models.PositiveSmallIntegerField(_("approved term"), null=True, blank=True)
    approved_rate = RateField(_("approved annual rate"), null=True, blank=True)
    # The approval's interest-only periods; null: the product's (Product.grace_periods).
    approved_grace_periods = models.PositiveSmallIntegerField(_("approved grace periods"), null=True, blank=True)
    conditions = models.TextField(_("conditions"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="application_amount_positive")]
        indexes = [models.Index(fields=["status", "branch", "pending_since"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.borrower_id} {self.amount}"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


def document_upload_to(instance, filename: str) -> str:
    # The stored name never uses the client's file name: it is only metadata.
    return f"documents/{instance.application_id}/{instance.sha256[:16]}{instance.extension}"


class Document(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(upload_to=document_upload_to)
    original_name = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    review_reason = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} for application {self.application_id}"

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")


class ConsentPurpose(models.TextChoices):
    CREDIT_INQUIRY = "credit_inquiry", _("Credit inquiry (征信查询授权)")
    DATA_PROCESSING = "data_processing", _("Personal data processing (个人信息处理授权)")


class ConsentMethod(models.TextChoices):
    DOCUMENT = "document", _("Signed document")
    ELECTRONIC = "electronic", _("Accepted in the app")


class ConsentStatus(models.TextChoices):
    # Stored moves only (applications.workflow.CONSENT_WORKFLOW): an expiry is a date, read
    # against ``expires_on`` (``ConsentQuerySet.valid_on``), never a status of its own.
    GRANTED = "granted", _("Granted")
    REVOKED = "revoked", _("Revoked")


def consent_upload_to(instance, filename: str) -> str:
    # As for documents: never the client's file name.
    return f"consents/{instance.borrower_id}/{instance.sha256[:16]}{instance.extension}"


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, on, purpose: str) -> "ConsentQuerySet":
        """The consents for ``purpose`` in force on ``on``: granted on or before it, not expired
        by then, still granted (a revocation, its table's move, withdraws the consent for every
        use after it). The one rule for the credit records and the pages alike."""
        return self.filter(purpose=purpose, granted_on__lte=on, status=ConsentStatus.GRANTED).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=on)
        )


class Consent(models.Model):
    """A borrower's signed consent (授权书, PIPL art. 13-14): for a credit inquiry or for the
    processing of their personal data, captured with the signed document (the same upload
    gate as an application's documents, ``applications.documents.admit_upload``)."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.GRANTED)
    # The signed document; empty for a consent given in the app (then ``text`` holds the words
    # the borrower accepted and ``sha256`` their digest).
    file = models.FileField(upload_to=consent_upload_to, blank=True)
    original_name = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    method = models.CharField(_("method"), max_length=12, choices=ConsentMethod.choices, default=ConsentMethod.DOCUMENT)
    text = models.TextField(_("text accepted"), blank=True, default="")
    granted_on = models.DateField(_("granted on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    captured_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True, default="")

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_on", "-id"]
        verbose_name = _("consent")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("granted_on")),
                name="consent_expires_after_granted",
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} consent of {self.borrower_id} ({self.granted_on})"

    @property
    def extension(self) -> str:
        return Document.EXTENSIONS.get(self.content_type, "")

    def in_force_on(self, on, purpose: str) -> bool:
        """``ConsentQuerySet.valid_on`` for a consent already read (the CSV import checks its
        rows against their borrowers' consents read in one query): keep the two alike."""
        return (
            self.purpose == purpose
            and self.granted_on <= on
            and self.status == ConsentStatus.GRANTED
            and (self.expires_on is None or self.expires_on >= on)
        )
