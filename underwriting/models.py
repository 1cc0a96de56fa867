"""Underwriting: credit records, investigations, assessments with a versioned scorecard,
reviews, approval authority and decisions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import Application, Borrower
from microloan.models import Branch, Role
from microloan.money import MoneyField, RateField

from . import reasons  # noqa: F401 - registers the reason codes' words (microloan/labels.py)


class WorstStatus(models.TextChoices):
    NONE = "none", _("Never overdue")
    D1_30 = "1-30", _("1–30 days overdue")
    D31_60 = "31-60", _("31–60 days overdue")
    D61_90 = "61-90", _("61–90 days overdue")
    D90_PLUS = "90+", _("Over 90 days overdue")


class CreditRecord(models.Model):
    """征信: the borrower's credit report as of a date, typed in or imported from CSV."""

    borrower = models.ForeignKey(Borrower, on_delete=models.PROTECT, related_name="credit_records")
    as_of = models.DateField(_("report date"))
    overdue_count_24m = models.PositiveSmallIntegerField(_("overdue count, last 24 months"), default=0)
    worst_status_24m = models.CharField(
        _("worst status, last 24 months"), max_length=5, choices=WorstStatus.choices, default=WorstStatus.NONE
    )
    current_debt = MoneyField(_("current debt"), default=0)
    current_installments = MoneyField(_("current monthly instalments"), default=0)
    inquiries_6m = models.PositiveSmallIntegerField(_("inquiries, last 6 months"), default=0)
    source = models.CharField(
        _("source"), max_length=10, choices=[("manual", _("Manual")), ("csv", _("CSV import"))], default="manual"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-as_of", "-id"]

    def __str__(self) -> str:
        return f"credit record {self.borrower_id} {self.as_of}"


class Investigation(models.Model):
    """现场调查: the field visit."""

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="investigation")
    visited_on = models.DateField(_("visited on"))
    findings = models.TextField(_("findings"))
    purpose_verified = models.BooleanField(_("purpose verified"))
    business_observations = models.TextField(_("business observations"), blank=True, default="")
    investigator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"investigation of {self.application_id}"


class Scorecard(models.Model):
    """A version of the scorecard. Weights and bands are data (``config``); changing them means
    publishing a new version, so every assessment keeps pointing at the version it used."""

    version = models.PositiveIntegerField(unique=True)
    config = models.JSONField()
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_scorecard")
        ]

    def __str__(self) -> str:
        return f"scorecard v{self.version}"


class Assessment(models.Model):
    """Repayment capacity, the score and the recommendation, frozen as computed."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="assessments")
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="assessments")
    credit_record = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    monthly_income = MoneyField(_("monthly income"))
    monthly_expenses = MoneyField(_("monthly expenses"))
    existing_installments = MoneyField(_("existing monthly instalments"))
    proposed_installment = MoneyField(_("proposed monthly instalment"))
    dsr = models.DecimalField(_("debt-service ratio"), max_digits=9, decimal_places=4)
    max_affordable_installment = MoneyField(_("largest affordable instalment"))
    score = models.IntegerField(_("score"))
    grade = models.CharField(_("grade"), max_length=2)
    points = models.JSONField(default=dict)
    reason_codes = models.JSONField(default=list)
    hard_rule_failures = models.JSONField(default=list)
    recommendation = models.CharField(max_length=10, choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    recommended_amount = MoneyField(null=True, blank=True)
    recommended_term = models.PositiveSmallIntegerField(null=True, blank=True)
    recommended_rate = RateField(null=True, blank=True)
    recommended_apr = RateField(null=True, blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"assessment {self.pk} of {self.application_id}: {self.score} {self.grade}"


class Opinion(models.TextChoices):
    RECOMMEND = "recommend", _("Recommend")
    NOT_RECOMMEND = "not_recommend", _("Do not recommend")


class Review(models.Model):
    """审查: the reviewer's independent opinion on compliance and completeness."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opinion = models.CharField(_("opinion"), max_length=15, choices=Opinion.choices)
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]


class AuthorityLimit(models.Model):
    """The largest amount a role may approve alone, per branch (empty branch = everywhere).
    The most specific row wins: own branch, then its ancestors, then the global row. A user's
    own ``approval_limit`` overrides them all."""

    role = models.CharField(max_length=20, choices=Role.choices)
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    max_amount = MoneyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "branch"], name="one_limit_per_role_branch"),
            models.UniqueConstraint(
                fields=["role"], condition=Q(branch__isnull=True), name="one_global_limit_per_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}@{self.branch_id or '*'} ≤ {self.max_amount}"


class CommitteeMember(models.Model):
    """A member of the credit committee, which approves amounts above every single limit."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="committee")

    def __str__(self) -> str:
        return f"committee: {self.user}"


class DecisionKind(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for more information")


class ReasonCode(models.TextChoices):
    CAPACITY = "capacity", _("Repayment capacity")
    CREDIT_HISTORY = "credit_history", _("Credit history")
    PURPOSE = "purpose", _("Purpose")
    DOCUMENTS = "documents", _("Documents")
    POLICY = "policy", _("Policy")
    FRAUD_SUSPECTED = "fraud_suspected", _("Fraud suspected")
    OTHER = "other", _("Other")


class Decision(models.Model):
    """审批: one approver's decision or committee vote, with the scorecard version it saw."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=DecisionKind.choices)
    round = models.PositiveIntegerField(default=1, help_text=_("Which time the case reached approval."))
    committee_vote = models.BooleanField(default=False)
    final = models.BooleanField(default=False)
    approved_amount = MoneyField(null=True, blank=True)
    approved_term = models.PositiveSmallIntegerField(null=True, blank=True)
    approved_rate = RateField(null=True, blank=True)
    conditions = models.TextField(blank=True, default="")
    reason_code = models.CharField(max_length=20, choices=ReasonCode.choices, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    assessment = models.ForeignKey(Assessment, null=True, on_delete=models.PROTECT, related_name="+")
    scorecard_version = models.PositiveIntegerField(null=True)
    score = models.IntegerField(null=True)
    grade = models.CharField(max_length=2, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "approver", "round"], name="one_decision_per_approver_per_round"
            )
        ]


class ScorecardDraft(models.Model):
    """The next scorecard version as an administrator edits it (#14 point 1): saved as often as
    needed, compared with the published version, then proposed; the version is published when
    another administrator applies the proposal (kind ``scorecard``). One draft at a time."""

    config = models.JSONField(_("scorecard"))
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    based_on = models.ForeignKey(Scorecard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scorecard draft")

    def __str__(self) -> str:
        return f"scorecard draft (from v{self.based_on.version if self.based_on else '-'})"
