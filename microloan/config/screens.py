"""Proposing from a screen's form: the one way the administration pages turn a bound, valid
form into a configuration change (the values as the kind's API payload takes them; for a
change, only the fields that differ from the record now), then show its diff page, or the
kind's refusal on the form's fields."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from ..errors import DomainError, InvalidInput
from ..web import report_domain_error
from . import registry, services
from .models import ConfigOperation


def changed_payload(kind_name: str, form, *, target_id: int | None) -> dict:
    """The form's values for the kind: every field for a new record, the changed ones (as the
    kind compares them) for an existing one; a kind's ``actions`` (moves such as a password
    reset, not values) only when ticked."""
    kind = registry.get(kind_name)
    names = [f for f in form.cleaned_data if f in getattr(kind, "fields", form.cleaned_data)]
    normal = getattr(kind, "_normal", lambda _name, value: value)
    values = registry.json_safe({f: normal(f, form.cleaned_data.get(f)) for f in names})
    actions = getattr(kind, "actions", ())
    now = kind.current(target_id) if target_id else {}
    return {k: v for k, v in values.items() if (v if k in actions else (target_id is None or now.get(k) != v))}


def propose_from_form(
    request, form, *, kind: str, target_id: int | None = None, comment: str = "", payload=None, operation=None
):
    """The proposal and a redirect to its page; None (the form carrying the errors, the page's
    status on ``request.refused``) when there is nothing to propose or the kind refuses. A
    reason naming no field of the form is the form's own (never a raw field name)."""
    operation = operation or (ConfigOperation.UPDATE if target_id else ConfigOperation.CREATE)
    if payload is None:
        payload = changed_payload(kind, form, target_id=target_id)
    if operation == ConfigOperation.UPDATE and not payload:
        messages.info(request, _("Nothing to change: every value is as it is now."))
        return None
    try:
        change = services.config_change_propose(
            actor=request.user, kind=kind, operation=operation, target_id=target_id, payload=payload, comment=comment
        )
    except InvalidInput as exc:
        for field, reasons in exc.errors.items():
            for reason in reasons:
                form.add_error(field if field in form.fields else None, reason)
        return None
    except DomainError as exc:
        request.refused = report_domain_error(request, exc, form) == 403
        return None
    messages.success(request, _("Proposed: it takes effect when another administrator applies it."))
    return redirect("config-change-detail", pk=change.pk)
