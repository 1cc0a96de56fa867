"""The ``policy`` kind: one policy setting's key (``UNDERWRITING`` ``APR_CAP``; a nested area's
key dotted, ``COLLECTION`` ``CONDUCT.MAX_DIAL_ATTEMPTS``) set to a value, or back to what the
settings say (``value`` null). The value is checked by the policy's own typed reader and
range checks (``microloan.policy``), merged over the settings and the other overrides."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import policy as policy_module
from ..errors import InvalidInput
from ..fields import NOT_ASCII_NUMBER
from . import overrides
from .models import PolicyOverride
from .registry import UPDATE, Kind


def plain(value: Any) -> Any:
    """A policy value as JSON holds it: decimals, dates and times as strings, sets sorted."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, time)):
        return value.isoformat(timespec="minutes") if isinstance(value, time) else value.isoformat()
    return value


def _digits_ok(value: Any) -> bool:
    if isinstance(value, str):
        return value.isascii()
    if isinstance(value, Mapping):
        return all(_digits_ok(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_digits_ok(v) for v in value)
    return True


class PolicyKind(Kind):
    name = "policy"
    label_text = gettext_lazy("policy setting")
    operations = frozenset({UPDATE})

    def needs_target(self, operation: str) -> bool:
        return False

    def _others(self, setting: str, key: str) -> tuple:
        return tuple(r for r in overrides.current_overrides() if (r[0], r[1]) != (setting, key))

    def lock(self, target_id, payload=None):
        p = payload or {}
        list(PolicyOverride.objects.select_for_update().filter(setting=p.get("setting"), key=p.get("key")))

    def current(self, target_id, payload=None):
        setting, key = (payload or {}).get("setting"), (payload or {}).get("key")
        if (
            not isinstance(setting, str)
            or not isinstance(key, str)
            or (setting, key) not in policy_module.policy_keys()
        ):
            return {}
        value = policy_module.policy_value(policy_module.policy(), setting, key)
        return {"setting": setting, "key": key, "value": plain(value)}

    def clean(self, *, operation, target_id, payload):
        unknown = sorted(set(payload) - {"setting", "key", "value"})
        if unknown:
            raise InvalidInput({k: [_("Not a field of this kind of configuration.")] for k in unknown})
        setting, key = payload.get("setting"), payload.get("key")
        if setting not in policy_module.SETTINGS:
            raise InvalidInput({"setting": [_("One of: %(all)s.") % {"all": ", ".join(policy_module.SETTINGS)}]})
        if (setting, key) not in policy_module.policy_keys():
            raise InvalidInput({"key": [_("%(setting)s has no key %(key)s.") % {"setting": setting, "key": key}]})
        if "value" not in payload:
            raise InvalidInput({"value": [_("This field is required.")]})
        value = payload["value"]
        others = self._others(setting, key)
        if value is None:  # back to the settings' value
            return {"setting": setting, "key": key, "value": None}
        if not _digits_ok(value):
            raise InvalidInput({"value": [str(NOT_ASCII_NUMBER)]})
        try:
            read = policy_module.policy_from((*others, (setting, key, json.dumps(value))))
        except (ImproperlyConfigured, TypeError, ValueError) as exc:
            raise InvalidInput({"value": [_("Not a valid value: %(why)s") % {"why": exc}]}) from None
        return {"setting": setting, "key": key, "value": plain(policy_module.policy_value(read, setting, key))}

    @transaction.atomic
    def apply(self, *, operation, target_id, payload, actor):
        setting, key = payload["setting"], payload["key"]
        row = PolicyOverride.objects.select_for_update().filter(setting=setting, key=key).first()
        clean = self.clean(operation=operation, target_id=target_id, payload=payload)
        # This process reads the overrides again at once (and once more after the commit).
        transaction.on_commit(overrides.forget)
        if clean["value"] is None:
            if row is not None:
                row.delete()
            overrides.forget()
            return None
        row, _created = PolicyOverride.objects.update_or_create(
            setting=setting, key=key, defaults={"value": clean["value"]}
        )
        overrides.forget()
        return row.pk

    def label(self, target_id):
        return str(self.label_text)

    def field_label(self, name):
        labels = {"setting": _("Setting"), "key": _("Key"), "value": _("Value")}
        return str(labels.get(name, name))

    def display(self, name, value, payload):
        from ..administration import policyscreen

        row = policyscreen.ROWS.get(f"{payload.get('setting')}:{payload.get('key')}")
        if row is None:
            return None
        if name == "key":
            return str(row.label)
        if name == "value" and value is not None:
            try:
                return policyscreen.shown(row, value)
            except (TypeError, ValueError, KeyError, ArithmeticError):
                return None
        return None
