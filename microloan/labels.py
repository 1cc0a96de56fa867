"""Codes shown as words (#14 point 3): the one place a page turns a stored code (a status, an
audit row's action, a method) into the reader's language, so no raw code shows through.

States come from the entity's model's ``status`` choices; actions from the entity's transition
table (its button label) or, for the moves outside a table, from ``ACTIONS`` below."""

from functools import cache

from django.apps import apps
from django.utils.translation import gettext_lazy as _

# Audit actions recorded outside a transition table (reads, uploads, background moves).
ACTIONS = {
    "create": _("Created"),
    "update": _("Updated"),
    "upload": _("Uploaded"),
    "reveal": _("Revealed personal data"),
    "reveal_contacts": _("Revealed the numbers to call"),
    "open": _("Opened"),
    "reassign": _("Handed over"),
    "post": _("Posted"),
    "schedule": _("Scheduled"),
    "trigger": _("Triggered"),
    "logout": _("Logged out"),
    "login": _("Logged in"),
    "publish": _("Published"),
    "propose": _("Proposed"),
    "recovery": _("Recovery"),
    "penalty_waiver": _("Penalty waiver"),
    "write_off_requested": _("Write-off requested"),
    "write_off_rejected": _("Write-off rejected"),
    "promise_to_pay": _("Promise to pay"),
    "restructure": _("Restructured"),
    "repay": _("Repayment"),
    "feedback": _("Feedback"),
    "export": _("Exported"),
    "anonymise": _("Anonymised"),
}


@cache
def _state_choices() -> dict[str, dict[str, str]]:
    """model name without underscores → {code: label} of its ``status`` field."""
    found: dict[str, dict[str, str]] = {}
    for model in apps.get_models():
        try:
            field = model._meta.get_field("status")
        except Exception:  # noqa: BLE001 - a model without a status
            continue
        if getattr(field, "choices", None):
            found[model._meta.model_name] = dict(field.flatchoices)  # type: ignore[index,union-attr]
    return found


def state_label(entity: str, code: str) -> str:
    if not code:
        return ""
    label = _state_choices().get(entity.replace("_", ""), {}).get(code)
    return str(label) if label is not None else _humanise(code)


def action_label(entity: str, action: str) -> str:
    from microloan.workflow import REGISTRY

    workflow = REGISTRY.get(entity)
    transition = workflow.transitions.get(action) if workflow else None
    if transition is not None and transition.label:
        return str(transition.label)
    if action in ACTIONS:
        return str(ACTIONS[action])
    return _humanise(action)


def _humanise(code: str) -> str:
    return code.replace("_", " ").capitalize()


# Code lists kept outside a model field's choices (contact outcomes, scorecard reasons), which
# their apps register here so that ``code_label`` knows them too.
REGISTERED: dict[str, object] = {}


def register_codes(choices) -> None:
    """``choices``: (code, label) pairs, or a TextChoices class."""
    for code, label in getattr(choices, "choices", choices):
        REGISTERED.setdefault(code, label)


@cache
def _all_choices() -> dict[str, str]:
    """Every code of every choice list of the project's models → its label (the first found),
    and the registered lists."""
    found: dict[str, str] = dict(REGISTERED)  # type: ignore[arg-type]
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for code, label in getattr(field, "flatchoices", None) or ():
                if isinstance(code, str):
                    found.setdefault(code, label)
    return found


def code_label(code: str) -> str:
    """A code from any of the project's choice lists as its label; anything else unchanged."""
    label = _all_choices().get(code)
    return str(label) if label is not None else code
