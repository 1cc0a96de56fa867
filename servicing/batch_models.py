"""A batch disaster deferral (灾害延期): every live loan of a branch and its subtree (a region is
the branch tree's node above its branches) deferred by the same number of periods, proposed by
one manager and approved by another (``RESTRUCTURING_BATCH_WORKFLOW``). Imported by
servicing.models, where Django finds it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from microloan.models import Branch


class RestructuringBatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RestructuringBatch(models.Model):
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    periods = models.PositiveSmallIntegerField()
    reason = models.TextField()
    status = models.CharField(
        max_length=10, choices=RestructuringBatchStatus.choices, default=RestructuringBatchStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, default="")
    effective_date = models.DateField(null=True, blank=True)
    # The live loans of the tree when proposed (what the approver is told); the approval takes
    # those live then.
    loans_in_scope = models.PositiveIntegerField(default=0)
    # Filled in chunk by chunk as the approval is applied; applied_at once every loan is done.
    loans_applied = models.PositiveIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"restructuring batch {self.pk} branch {self.branch_id}"
