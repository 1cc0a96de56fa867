"""A proposed change of configuration and the policy overrides applied through them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConfigChangeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ConfigOperation(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Change")
    DELETE = "delete", _("Delete")


class ConfigChange(models.Model):
    """One proposal: what (``kind``, ``target_id``; no target for a new record), how
    (``operation``), the proposed values (``payload``, JSON-safe: Decimals as strings), the
    target as it was when proposed (``before``) and as the apply left it (``after``)."""

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    operation = models.CharField(_("operation"), max_length=10, choices=ConfigOperation.choices)
    target_id = models.BigIntegerField(_("target"), null=True, blank=True)
    payload = models.JSONField(_("proposed values"), default=dict, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=ConfigChangeStatus.choices, default=ConfigChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, default="")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("configuration change")
        verbose_name_plural = _("configuration changes")
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"config change {self.pk} {self.kind} {self.operation} {self.target_id or 'new'} [{self.status}]"


class PolicyOverride(models.Model):
    """A policy setting's value set through an applied proposal; ``microloan.policy`` merges
    these over the settings (``value`` as the setting would hold it, JSON)."""

    setting = models.CharField(_("setting"), max_length=30)
    key = models.CharField(_("key"), max_length=80)
    value = models.JSONField(_("value"))
    change = models.ForeignKey(ConfigChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["setting", "key"]
        verbose_name = _("policy override")
        constraints = [models.UniqueConstraint(fields=["setting", "key"], name="one_override_per_setting_key")]

    def __str__(self) -> str:
        return f"{self.setting}[{self.key}] = {self.value!r}"
