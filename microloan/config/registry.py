"""The kinds of configuration a change may touch. The kernel knows none of the apps' models:
each app registers its kinds from its ``AppConfig.ready`` (``<app>/configkinds.py``), the
kernel registers ``policy`` itself.

A kind answers, each in the terms of its own model and form:

- ``current(target_id, payload)``: the target as it is now, JSON-safe (the change's ``before``);
- ``clean(operation=, target_id=, payload=)``: the payload validated by the model's or the
  form's own validation (``InvalidInput`` naming the field: a 400), returned JSON-safe;
- ``apply(operation=, target_id=, payload=, actor=)``: in the caller's transaction, the
  target locked (``select_for_update``), the payload validated again (the record or the
  rules may have moved since the proposal) and written; returns the target's id;
- ``label(target_id)``: what the pages show for the target;
- ``lock(target_id, payload)``: locks the target before the apply compares it with the
  proposal's ``before`` (a concurrent apply of another change waits, then finds it moved).

``ModelFormKind`` answers them for a model edited through a ``ModelForm``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import ProtectedError
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from ..errors import InvalidInput
from .models import ConfigOperation

CREATE, UPDATE, DELETE = ConfigOperation.CREATE, ConfigOperation.UPDATE, ConfigOperation.DELETE


class _Encoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, models.Model):
            return o.pk
        if isinstance(o, models.QuerySet):
            return [x.pk for x in o]
        return super().default(o)


def json_safe(value: Any) -> Any:
    """Decimals and dates as strings, model instances as their ids: what a JSON column keeps."""
    return json.loads(json.dumps(value, cls=_Encoder))


class Kind:
    name: str = ""
    label_text: Any = ""  # gettext_lazy
    operations: frozenset[str] = frozenset({CREATE, UPDATE, DELETE})

    def needs_target(self, operation: str) -> bool:
        return operation != CREATE

    def current(self, target_id: int | None, payload: dict | None = None) -> dict:
        raise NotImplementedError

    def lock(self, target_id: int | None, payload: dict | None = None) -> None:
        """Locks the target (``select_for_update``) before the apply compares and writes it."""

    def clean(self, *, operation: str, target_id: int | None, payload: dict) -> dict:
        raise NotImplementedError

    def apply(self, *, operation: str, target_id: int | None, payload: dict, actor) -> int | None:
        raise NotImplementedError

    def label(self, target_id: int | None) -> str:
        return f"#{target_id}" if target_id else _("(new)")

    def field_label(self, name: str) -> str:
        """What the diff calls a field (a nested value's path: its field's label first)."""
        return name

    def display(self, name: str, value: Any, payload: dict) -> str | None:
        """The value as the diff shows it, or None for the plain rendering."""
        return None


class ModelFormKind(Kind):
    """A model edited through ``form_class`` (a ModelForm): a create gives every required
    field, an update the fields it changes, a delete nothing."""

    def __init__(self, *, name: str, label, form_class, operations: Iterable[str] | None = None):
        self.name = name
        self.label_text = label
        self.form_class = form_class
        self.model: type[models.Model] = form_class._meta.model
        if operations is not None:
            self.operations = frozenset(operations)

    @property
    def fields(self) -> list[str]:
        return list(self.form_class.base_fields)

    def _get(self, target_id, *, lock: bool = False) -> models.Model:
        qs = self.model._default_manager.all()
        found = (qs.select_for_update() if lock else qs).filter(pk=target_id).first() if target_id else None
        if found is None:
            raise InvalidInput({"target_id": [_("No such %(kind)s.") % {"kind": self.label_text}]})
        return found

    def snapshot(self, obj: models.Model) -> dict:
        return json_safe(model_to_dict(obj, fields=self.fields))

    def lock(self, target_id, payload=None):
        if target_id:
            list(self.model._default_manager.select_for_update().filter(pk=target_id).values_list("pk"))

    def current(self, target_id, payload=None):
        if not target_id:
            return {}
        obj = self.model._default_manager.filter(pk=target_id).first()
        return self.snapshot(obj) if obj is not None else {}

    def _form(self, *, operation, obj, payload):
        unknown = sorted(set(payload) - set(self.fields))
        if unknown:
            raise InvalidInput({k: [_("Not a field of this kind of configuration.")] for k in unknown})
        data = {**(self.snapshot(obj) if operation == UPDATE else {}), **payload}
        form = self.form_class(data=data, instance=obj if operation == UPDATE else self.model())
        if not form.is_valid():
            raise InvalidInput(form.errors)
        return form

    def clean(self, *, operation, target_id, payload):
        if operation == DELETE:
            self._get(target_id)
            if payload:
                raise InvalidInput({"payload": [_("A deletion proposes no values.")]})
            return {}
        obj = self._get(target_id) if operation == UPDATE else None
        if operation == UPDATE and not payload:
            raise InvalidInput({"payload": [_("Propose at least one value to change.")]})
        form = self._form(operation=operation, obj=obj, payload=payload)
        keys = payload if operation == UPDATE else self.fields
        return json_safe({k: self._normal(k, form.cleaned_data.get(k)) for k in keys})

    def _normal(self, name: str, value: Any) -> Any:
        """A decimal as its column keeps it ("30000" is "30000.00"), so a diff compares alike."""
        try:
            column = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return value
        if isinstance(column, models.DecimalField) and isinstance(value, Decimal):
            return value.quantize(Decimal(1).scaleb(-column.decimal_places))
        return value

    def apply(self, *, operation, target_id, payload, actor):
        obj = self._get(target_id, lock=True) if operation != CREATE else None
        if operation == DELETE:
            assert obj is not None
            pk = obj.pk
            try:
                obj.delete()
            except ProtectedError:
                raise InvalidInput({"target_id": [_("It is in use and cannot be deleted.")]}) from None
            return pk
        form = self._form(operation=operation, obj=obj, payload=payload)
        return form.save().pk

    def label(self, target_id):
        if not target_id:
            return _("(new)")
        obj = self.model._default_manager.filter(pk=target_id).first()
        return str(obj) if obj is not None else f"#{target_id}"

    def field_label(self, name):
        head, sep, rest = name.partition(" · ")
        field = self.form_class.base_fields.get(head)
        label = str(field.label) if field is not None and field.label else head
        return f"{label}{sep}{rest}"

    def display(self, name, value, payload):
        from ..fields import percent_text

        try:
            column = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if getattr(column, "is_rate", False) and value not in (None, ""):
            return f"{percent_text(value)}%"
        if column.is_relation and value not in (None, ""):
            found = column.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
            return str(found) if found is not None else f"#{value}"
        return None


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Called from an ``AppConfig.ready``; registering a name twice keeps the last (a reload)."""
    REGISTRY[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    try:
        return REGISTRY[name]
    except KeyError:
        raise InvalidInput({"kind": [_("Unknown kind of configuration: %(kind)s.") % {"kind": name}]}) from None
