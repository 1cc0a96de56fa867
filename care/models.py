"""Customer service: complaints with an SLA, follow-up visits (回访, 贷后检查), satisfaction
feedback, and periodic credit reviews of live loans (贷后定期检查). The rules live in
care/services/, the transition tables in care/workflow.py, the deadlines in microloan/policy.py.

The tables were created when this was part of servicing and keep their names (``db_table``).

Dates here are business dates (the sandbox can move them), like a loan's ``disbursed_on``;
timestamps are kept beside them for the audit trail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- complaints --------------------------------------------------------------------------


class ComplaintChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    BRANCH = "branch", _("At the branch")
    APP = "app", _("Mobile app")
    LETTER = "letter", _("Letter")
    REGULATOR = "regulator", _("Regulator referral")


class ComplaintCategory(models.TextChoices):
    COLLECTION_CONDUCT = "collection_conduct", _("Collection conduct")
    FEES = "fees", _("Fees and charges")
    SERVICE = "service", _("Service")
    DATA_PRIVACY = "data_privacy", _("Data and privacy")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_COMPLAINT_STATUSES = (
    ComplaintStatus.RECEIVED,
    ComplaintStatus.ACKNOWLEDGED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.ESCALATED,
)


class Complaint(models.Model):
    """One complaint of a borrower, from any channel. Its deadlines are fixed when it is
    received (a later policy change does not move them); its status moves only through
    ``care.workflow.COMPLAINT_WORKFLOW``, each move audited."""

    borrower = models.ForeignKey("applications.Borrower", on_delete=models.PROTECT, related_name="complaints")
    loan = models.ForeignKey(
        "servicing.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints"
    )
    # The borrower's branch when received: who sees and handles it.
    branch = models.ForeignKey("microloan.Branch", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=12, choices=ComplaintChannel.choices)
    category = models.CharField(_("category"), max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField(_("description"))
    received_on = models.DateField(_("received on"))
    ack_due_on = models.DateField(_("acknowledge by"))
    resolve_due_on = models.DateField(_("resolve by"))
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
        verbose_name=_("handler"),
    )
    status = models.CharField(
        _("status"), max_length=15, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    resolution = models.TextField(_("resolution"), blank=True, default="")
    reopened_count = models.PositiveSmallIntegerField(default=0)
    # A reopened complaint gets a new resolution deadline; a deadline an earlier period
    # missed stays on the record here (the SLA, the worklist and the API's breach filter read it).
    resolve_breached_before = models.BooleanField(_("resolution deadline missed before reopening"), default=False)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "servicing_complaint"
        ordering = ["-id"]
        verbose_name = _("complaint")
        indexes = [models.Index(fields=["status", "branch"], name="care_complaint_status_branch")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ack_due_on__gte=models.F("received_on")) & Q(resolve_due_on__gte=models.F("received_on")),
                name="care_complaint_due_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The number the borrower is told (投诉编号)."""
        return f"TS{self.received_on:%Y%m%d}-{self.pk}"


# --- follow-up visits --------------------------------------------------------------------


class VisitKind(models.TextChoices):
    POST_DISBURSEMENT = "post_disbursement", _("Post-disbursement check (use of funds)")
    COMPLAINT = "complaint", _("Follow-up after a complaint")
    REVIEW = "review", _("Credit review visit")
    OTHER = "other", _("Other follow-up")


class VisitMethod(models.TextChoices):
    ON_SITE = "on_site", _("On-site visit")
    PHONE = "phone", _("Phone call")
    VIDEO = "video", _("Video call")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUpVisit(models.Model):
    """回访: a visit or call an officer owes a borrower, scheduled for a date. The
    post-disbursement check (贷后检查) records whether the funds went to the stated purpose."""

    borrower = models.ForeignKey("applications.Borrower", on_delete=models.PROTECT, related_name="follow_up_visits")
    loan = models.ForeignKey(
        "servicing.Loan", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up_visits"
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up_visits"
    )
    branch = models.ForeignKey("microloan.Branch", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices)
    scheduled_on = models.DateField(_("scheduled on"), db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_up_visits",
        verbose_name=_("officer"),
    )
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.SCHEDULED)
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, choices=VisitMethod.choices, blank=True, default="")
    findings = models.TextField(_("findings"), blank=True, default="")
    purpose_verified = models.BooleanField(_("funds used for the stated purpose"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "servicing_followupvisit"
        ordering = ["scheduled_on", "id"]
        verbose_name = _("follow-up visit")
        indexes = [models.Index(fields=["status", "branch", "scheduled_on"], name="care_visit_worklist")]
        constraints = [
            # One use-of-funds check per loan, whoever (or whichever job run) creates it.
            models.UniqueConstraint(
                fields=["loan"], condition=Q(kind="post_disbursement"), name="care_one_post_disbursement_visit"
            ),
            models.UniqueConstraint(
                fields=["complaint"], condition=Q(status="scheduled"), name="care_one_scheduled_visit_per_complaint"
            ),
        ]

    def __str__(self) -> str:
        return f"visit {self.pk} {self.kind} {self.scheduled_on}"


# --- periodic credit reviews -------------------------------------------------------------


class ReviewTrigger(models.TextChoices):
    PERIODIC = "periodic", _("Periodic")
    CLASSIFICATION = "classification", _("Classification worsened")
    PURPOSE = "purpose", _("Funds not used for the stated purpose")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ReviewRecommendation(models.TextChoices):
    MAINTAIN = "maintain", _("Maintain")
    WATCH = "watch", _("Watch")
    REDUCE_LIMIT = "reduce_limit", _("Reduce limit")
    RECALL = "recall", _("Recall the loan")


# The triggers of the periodic job (its idempotency key is one of these per loan and date);
# a review an event calls for (funds not used as stated) is not held back by them.
JOB_REVIEW_TRIGGERS = (ReviewTrigger.PERIODIC, ReviewTrigger.CLASSIFICATION)


class CreditReview(models.Model):
    """贷后定期检查: a review task for a live loan, created by the periodic job for a business
    date, or at once by an event (a failed use-of-funds check), and completed by the loan's
    officer. The two unique constraints make the job idempotent: one job task per loan and
    job date, and never two open tasks for one loan (an event finding an open task is
    recorded on that task instead)."""

    loan = models.ForeignKey("servicing.Loan", on_delete=models.PROTECT, related_name="credit_reviews")
    borrower = models.ForeignKey("applications.Borrower", on_delete=models.PROTECT, related_name="credit_reviews")
    branch = models.ForeignKey("microloan.Branch", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_reviews",
        verbose_name=_("officer"),
    )
    business_date = models.DateField(_("created for"))
    due_on = models.DateField(_("due on"), db_index=True)
    trigger = models.CharField(_("trigger"), max_length=15, choices=ReviewTrigger.choices)
    # The loan's classification when the task was created, then as the reviewer saw it: a
    # later close that moves the loan to a worse tier than this triggers the next review.
    classification = models.CharField(_("classification"), max_length=16)
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    findings = models.TextField(_("findings"), blank=True, default="")
    recommendation = models.CharField(
        _("recommendation"), max_length=15, choices=ReviewRecommendation.choices, blank=True, default=""
    )
    credit_record = models.ForeignKey(
        "underwriting.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The credit report the reviewer looked at.",
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "servicing_creditreview"
        ordering = ["due_on", "id"]
        verbose_name = _("credit review")
        indexes = [models.Index(fields=["status", "branch", "due_on"], name="care_review_worklist")]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "business_date"],
                condition=Q(trigger__in=list(JOB_REVIEW_TRIGGERS)),
                name="care_one_job_review_per_loan_date",
            ),
            models.UniqueConstraint(fields=["loan"], condition=Q(status="open"), name="care_one_open_review_per_loan"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} loan {self.loan_id} {self.business_date}"


# --- satisfaction feedback ---------------------------------------------------------------


class Feedback(models.Model):
    """满意度: a borrower's score (1-5) and comment, about a complaint's handling, a visit,
    or the service in general. ``subject_key`` makes "once per subject" a constraint:
    "complaint:<id>", "visit:<id>", or "general:<borrower>:<YYYY-MM>" (general feedback once a
    month)."""

    borrower = models.ForeignKey("applications.Borrower", on_delete=models.PROTECT, related_name="feedback")
    branch = models.ForeignKey("microloan.Branch", on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    visit = models.ForeignKey(FollowUpVisit, null=True, blank=True, on_delete=models.PROTECT, related_name="feedback")
    subject_key = models.CharField(max_length=60, unique=True)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True, default="")
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "servicing_feedback"
        ordering = ["-id"]
        verbose_name = _("feedback")
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=5), name="care_feedback_score_1_5"),
            models.CheckConstraint(
                condition=Q(complaint__isnull=True) | Q(visit__isnull=True), name="care_feedback_one_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"feedback {self.subject_key}: {self.score}"

    @property
    def subject(self) -> str:
        return "complaint" if self.complaint_id else "visit" if self.visit_id else "general"
