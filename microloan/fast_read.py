"""A serializer's output without DRF's per-field machinery, for the hot reads (bench/API_RESULTS.md).

DRF's ``Serializer.to_representation`` deep-copies every field for each serializer (a list
makes one per page), binds it, and for each value goes through ``get_attribute`` (with its
exception handling), a ``PKOnlyObject`` for each foreign key and the field's
``to_representation``. For a ModelSerializer made of plain columns that is most of the cost of
writing a loan out.

``FastRead`` builds, once per serializer class, a plan from the serializer's own declared
fields (``Meta.fields`` and any declared field, so a field added there appears as before):
for each readable field, how to read its value from the instance and the field's own
``to_representation`` (the same, shared, field object: the field types accepted here keep no
state per request and never read the context). A foreign key shown by its id reads the id
column (``borrower_id``), as DRF's pk-only optimisation does. If any field is of another kind
(a nested serializer, a ``SerializerMethodField``, a field with its own ``get_attribute``, a
dotted source...), the class falls back to DRF's path entirely: same output, DRF's speed.
tests/kernel/test_fast_read.py checks the output equals DRF's.
"""

from operator import attrgetter

from django.core.exceptions import FieldDoesNotExist
from rest_framework import fields as drf_fields
from rest_framework import relations

from .api import FieldsBuiltOnce

# Field classes whose to_representation depends on the field's own settings only (not on the
# serializer, the request or the context); subclasses qualify when they keep DRF's.
_PURE_REPRESENTATIONS = frozenset(
    cls.to_representation
    for cls in (
        drf_fields.BooleanField,
        drf_fields.CharField,
        drf_fields.EmailField,
        drf_fields.IntegerField,
        drf_fields.BigIntegerField,
        drf_fields.FloatField,
        drf_fields.DecimalField,
        drf_fields.DateField,
        drf_fields.DateTimeField,
        drf_fields.ChoiceField,
        drf_fields.MultipleChoiceField,
        drf_fields.JSONField,
        drf_fields.ReadOnlyField,
        drf_fields.UUIDField,
    )
)
_UNSET = object()


class FastRead(FieldsBuiltOnce):
    # A comment, not a docstring: drf-spectacular would show an inherited docstring as the
    # description of every serializer that mixes this in. See the module's docstring.

    def to_representation(self, instance):
        cls = type(self)
        plan = cls.__dict__.get("_fast_read_plan", _UNSET)
        if plan is _UNSET:
            plan = _plan(self)
            cls._fast_read_plan = plan  # type: ignore[attr-defined]
        if plan is None:
            return super().to_representation(instance)  # type: ignore[misc]
        out = {}
        for name, read, represent in plan:
            value = read(instance)
            out[name] = None if value is None else represent(value)
        return out


def _identity(value):
    return value


def _plan(serializer):
    """[(name, read, represent)] for the serializer's readable fields, or None."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    plan = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        if len(field.source_attrs) != 1:  # "*" or a dotted source
            return None
        source = field.source_attrs[0]
        if type(field).get_attribute is drf_fields.Field.get_attribute and (
            type(field).to_representation in _PURE_REPRESENTATIONS
        ):
            plan.append((name, attrgetter(source), field.to_representation))
        elif _is_plain_primary_key(field) and model is not None:
            try:
                column = model._meta.get_field(source)
            except FieldDoesNotExist:
                return None
            if not (column.many_to_one or column.one_to_one) or not column.concrete:
                return None
            plan.append((name, attrgetter(column.attname), _identity))
        else:
            return None
    return plan


def _is_plain_primary_key(field) -> bool:
    return (
        isinstance(field, relations.PrimaryKeyRelatedField)
        and type(field).to_representation is relations.PrimaryKeyRelatedField.to_representation
        and type(field).get_attribute is relations.RelatedField.get_attribute
        and field.pk_field is None
        and field.use_pk_only_optimization()
    )
