"""The shared kernel: branches, users and roles, the audit trail, the business date."""

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Branch(models.Model):
    """An office in the branch tree. ``path`` ("/1/4/9/") makes subtree queries one LIKE."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    timezone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    # The holiday calendar's region (microloan.holidays): empty keeps the nationwide days only.
    region = models.CharField(_("region"), max_length=40, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A branch cannot be its own parent.")})
        super().save(*args, **kwargs)
        parent_path = Branch.objects.values_list("path", flat=True).get(pk=self.parent_id) if self.parent_id else "/"
        new_path = f"{parent_path}{self.pk}/"
        if new_path != self.path:
            old_path = self.path
            Branch.objects.filter(pk=self.pk).update(path=new_path)
            if old_path:
                # Moving a branch moves its subtree with it.
                from django.db.models import F, Value
                from django.db.models.functions import Concat, Substr

                Branch.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
                )
            self.path = new_path

    def subtree(self):
        return Branch.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):
    OFFICER = "officer", _("Loan officer")
    REVIEWER = "reviewer", _("Credit reviewer")
    MANAGER = "manager", _("Branch manager")
    COLLECTOR = "collector", _("Collector")
    # 作业监督岗: authorises the release of a disbursement another person prepared.
    SUPERVISOR = "supervisor", _("Operations supervisor")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    BORROWER = "borrower", _("Borrower")


STAFF_ROLES = frozenset(
    {Role.OFFICER, Role.REVIEWER, Role.MANAGER, Role.COLLECTOR, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN}
)


class User(AbstractUser):
    """Staff and borrowers alike log in as users; ``role`` decides what they may do."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    branch = models.ForeignKey(Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    approval_limit = models.DecimalField(
        _("approval limit"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The largest amount this user may approve alone; empty means none."),
    )

    objects: ClassVar[UserManager] = UserManager()

    @property
    def is_borrower(self) -> bool:
        return self.role == Role.BORROWER

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class AuditEvent(models.Model):
    """Append-only: who did what to which object, when, from which state to which, and why.

    The model refuses updates and deletes, and on PostgreSQL a trigger refuses them too, so
    not even a raw query can rewrite history.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entity = models.CharField(max_length=50)
    entity_id = models.BigIntegerField()
    action = models.CharField(max_length=50)
    from_state = models.CharField(max_length=30, blank=True, default="")
    to_state = models.CharField(max_length=30, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["entity", "entity_id", "at"])]

    def __str__(self) -> str:
        return f"{self.entity}#{self.entity_id} {self.action} {self.from_state}->{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit events are append-only.")


class BusinessCalendar(models.Model):
    """One row: the business date the system runs on.

    ``current_date`` null means "today in the configured time zone"; the training sandbox
    sets it to walk a demo portfolio through time. ``last_closed_date`` is the last date the
    daily close completed for.
    """

    current_date = models.DateField(null=True, blank=True)
    last_closed_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("business calendar")

    def __str__(self) -> str:
        return f"business date {self.current_date or 'today'}"


from .config.models import ConfigChange, PolicyOverride  # noqa: E402,F401 - configuration changes live in their own package
from .holidays.models import Holiday  # noqa: E402,F401 - the holiday calendar lives in its own package
from .idempotency import IdempotencyRecord  # noqa: E402,F401
from .ledger.models import Account, JournalEntry, JournalLine, LedgerDayTotal, LedgerRollup  # noqa: E402,F401 - ledger models live in their own package
from .notifications.models import Notification  # noqa: E402,F401 - the outbox model lives in its own package
from .otp.models import OtpCode  # noqa: E402,F401 - the one-time SMS codes live in their own package
