"""The kernel's kinds of configuration change (microloan.config.registry), registered from
``KernelConfig.ready``: a branch of the tree (created, renamed, moved, given a region) and a
staff member's login (created, its role, branch or language changed, deactivated, its password
or its two-factor authenticator reset). Neither is ever deleted: the audit trail and the
records keep pointing at them; a leaver is deactivated."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..audit import audit_record
from ..config.registry import CREATE, UPDATE, ModelFormKind
from ..errors import InvalidInput
from ..models import STAFF_ROLES, Role, User


def administrators_left(*, without: int | None = None) -> int:
    """Active administrators other than ``without``: four eyes need two."""
    return User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=without).count()


def issued_passwords(actor) -> dict[str, str]:
    """The temporary passwords the apply just set, by username: shown once to the administrator
    who applied (never stored: not in the change, not in the audit trail)."""
    found = getattr(actor, "_issued_passwords", None)
    if found is None:
        found = {}
        setattr(actor, "_issued_passwords", found)  # noqa: B010 - kept on the request's user
    return found


def temporary_password() -> str:
    return secrets.token_urlsafe(9)


class BranchKind(ModelFormKind):
    def __init__(self):
        from .forms import BranchForm

        super().__init__(
            name="branch", label=gettext_lazy("branch"), form_class=BranchForm, operations={CREATE, UPDATE}
        )


class StaffKind(ModelFormKind):
    """A staff login. The payload's ``reset_password`` and ``reset_two_factor`` are moves, not
    values: the apply sets a temporary password (``issued_passwords``) or removes the login's
    authenticators (it enrols a new one at its next login), each with its own audit row."""

    actions = ("reset_password", "reset_two_factor")

    def __init__(self):
        from .forms import StaffForm

        super().__init__(
            name="staff", label=gettext_lazy("staff member"), form_class=StaffForm, operations={CREATE, UPDATE}
        )

    def _get(self, target_id, *, lock=False):
        obj = super()._get(target_id, lock=lock)
        if getattr(obj, "role", None) not in STAFF_ROLES:
            raise InvalidInput({"target_id": [_("No such staff member.")]})
        return obj

    def clean(self, *, operation, target_id, payload):
        clean = super().clean(operation=operation, target_id=target_id, payload=payload)
        if operation == UPDATE:
            # a reset proposed as "false" is no proposal at all
            for name in self.actions:
                if name in clean and not clean[name]:
                    clean.pop(name)
            if not clean:
                raise InvalidInput({"payload": [_("Propose at least one value to change.")]})
        return clean

    @transaction.atomic
    def apply(self, *, operation, target_id, payload, actor):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        values = {k: v for k, v in payload.items() if k not in self.actions}
        if values:
            pk = super().apply(operation=operation, target_id=target_id, payload=values, actor=actor)
        else:
            pk = self._get(target_id, lock=True).pk
        user = User.objects.select_for_update().get(pk=pk)
        if operation == CREATE or payload.get("reset_password"):
            password = temporary_password()
            user.set_password(password)
            user.save(update_fields=["password"])
            issued_passwords(actor)[user.get_username()] = password
            audit_record(actor=actor, entity="user", entity_id=user.pk, action="reset_password")
        if payload.get("reset_two_factor"):
            removed = TOTPDevice.objects.filter(user=user).delete()[0]
            audit_record(
                actor=actor, entity="user", entity_id=user.pk, action="reset_two_factor", data={"devices": removed}
            )
        return user.pk

    def label(self, target_id):
        user = User.objects.filter(pk=target_id).first() if target_id else None
        return user.get_username() if user is not None else super().label(target_id)
