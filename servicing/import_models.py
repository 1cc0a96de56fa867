"""A book import (the migration of an existing loan book): the uploaded file as text, its
dry-run report and, once applied by another person (``BOOK_IMPORT_WORKFLOW``), what it made.
Imported by servicing.models, where Django finds it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BookImportStatus(models.TextChoices):
    CHECKED = "checked", _("Checked, waiting to be applied")
    FAILED = "failed", _("Has problems")
    APPLIED = "applied", _("Applied")
    DISCARDED = "discarded", _("Discarded")


class BookImport(models.Model):
    file_name = models.CharField(max_length=200)
    content = models.TextField()  # the CSV as uploaded (UTF-8)
    sha256 = models.CharField(max_length=64)
    business_date = models.DateField()
    status = models.CharField(max_length=10, choices=BookImportStatus.choices)
    # [{"file", "row", "field", "reason"}]: empty when the dry run found nothing wrong.
    problems = models.JSONField(default=list, blank=True)
    counts = models.JSONField(default=dict, blank=True)  # rows of each record kind
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"book import {self.pk} {self.file_name}"
