"""The input fields for numbers and business dates, the one home of what they accept, for
the API's serializers and the screens' forms alike.

- An amount, a rate or a count (a term, a number of periods) is written with the ASCII
  digits 0-9. Python's ``Decimal()`` and ``int()`` (and so DRF's and Django's number
  fields) read any Unicode digit, so "１０００" (full-width), "١٠٠٠" (Arabic-Indic) or
  "१०००" (Devanagari) would pass as 1000: a number that no officer's screen and no receipt
  writes back the way it was typed is refused instead.
- A business date (a payment, a disbursement, a visit, a report's range) lies in
  ``MIN_DATE``..``MAX_DATE``, 1900 to 2100, and is written in ASCII digits too: a loan dated
  1800 or 2999 is a typing error, and the schedule's arithmetic should never meet it.

``DecimalField``, ``IntegerField`` and ``DateField`` are DRF's with those rules;
``DecimalFormField``, ``IntegerFormField`` and ``DateFormField`` are Django's forms'.
``PrimaryKeyRelatedField`` takes a key only as a whole number. ``ModelSerializer`` and
``model_formfield`` (a model form's ``formfield_callback``) give the
fields DRF and Django build from model columns the same rules. tests/kernel/test_fields.py
checks that no app uses the unguarded classes."""

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

INTEGER_COLUMNS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2100, 12, 31)

NOT_ASCII_NUMBER = _("Write the number with the digits 0-9 (no full-width or other scripts' digits).")
NOT_ASCII_DATE = _("Write the date with the digits 0-9, as YYYY-MM-DD.")
OUT_OF_RANGE_DATE = _("Enter a date between %(min)s and %(max)s.")


def _not_ascii(value) -> bool:
    return isinstance(value, str) and not value.isascii()


def _check_range(value: date | None) -> None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(OUT_OF_RANGE_DATE % {"min": MIN_DATE, "max": MAX_DATE}, code="date_range")


# --- the API ------------------------------------------------------------------------------


class DecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        if _not_ascii(data):
            raise serializers.ValidationError(NOT_ASCII_NUMBER, code="not_ascii")
        return super().to_internal_value(data)


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if _not_ascii(data):
            raise serializers.ValidationError(NOT_ASCII_NUMBER, code="not_ascii")
        return super().to_internal_value(data)


class DateField(serializers.DateField):
    def to_internal_value(self, value):
        if _not_ascii(value):
            raise serializers.ValidationError(NOT_ASCII_DATE, code="not_ascii")
        result = super().to_internal_value(value)
        try:
            _check_range(result)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="date_range") from None
        return result


class PrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    # DRF's, taking an integer key only as a whole number (a JSON integer or ASCII digits)
    # before any lookup: DRF passes a float on to the column, which reads 1.5 as 1 and fails
    # on 1e400 (a JSON number Python decodes as infinity) with an OverflowError, a 500.

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        assert queryset is not None  # a writable related field has one (DRF asserts it too)
        pk = queryset.model._meta.pk
        if isinstance(pk, (models.AutoField, models.BigAutoField, *INTEGER_COLUMNS)) and not _whole_number(data):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


def _whole_number(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit())


class ModelSerializer(serializers.ModelSerializer):
    # DRF's, building the decimal and date fields of model columns from the classes above,
    # and the foreign keys' fields from PrimaryKeyRelatedField. (A comment, not a docstring:
    # drf-spectacular would show it as the description of every serializer built on it.)

    serializer_related_field = PrimaryKeyRelatedField

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: DecimalField,
        models.DateField: DateField,
        **{column: IntegerField for column in INTEGER_COLUMNS},
    }


# --- the screens ----------------------------------------------------------------------------


class DecimalFormField(forms.DecimalField):
    def to_python(self, value):
        if _not_ascii(value):
            raise ValidationError(NOT_ASCII_NUMBER, code="not_ascii")
        return super().to_python(value)


class IntegerFormField(forms.IntegerField):
    def to_python(self, value):
        if _not_ascii(value):
            raise ValidationError(NOT_ASCII_NUMBER, code="not_ascii")
        return super().to_python(value)


class DateInput(forms.DateInput):
    """``<input type="date">`` always carries an ISO value (``2027-01-11``): the browser's date
    control refuses a localised one such as zh-hans' ``2027/01/11`` and shows the field blank."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format or "%Y-%m-%d")


class DateFormField(forms.DateField):
    widget = DateInput

    def to_python(self, value):
        if _not_ascii(value):
            raise ValidationError(NOT_ASCII_DATE, code="not_ascii")
        result = super().to_python(value)
        _check_range(result)
        return result


class PercentInput(forms.TextInput):
    """A rate shown as a percentage: the fraction the column keeps (0.072) written as 7.2."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "class": "percent", **(attrs or {})})

    def format_value(self, value):
        return super().format_value(percent_text(value) if isinstance(value, (Decimal, int, float)) else value)


def percent_text(fraction) -> str:
    """0.072 -> "7.2", 0.24 -> "24", 1 -> "100": the percentage a person types back."""
    number = (Decimal(str(fraction)) * 100).normalize()
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class PercentFormField(DecimalFormField):
    """A rate typed as a percentage, "7.2" or "7.2%", kept as the fraction (0.072): the one
    home of how the screens take a rate (#14: rates typed and shown as percentages). The
    ``max_digits``/``decimal_places`` are the fraction's column's; the limits are in percent."""

    widget = PercentInput

    def __init__(self, *, max_digits=9, decimal_places=6, min_percent=0, max_percent=None, **kwargs):
        self.places = decimal_places
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)
        self.min_percent, self.max_percent = min_percent, max_percent

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
        number = super().to_python(value)
        if number is None:
            return None
        low, high = self.min_percent, self.max_percent
        if low is not None and number < low:
            raise ValidationError(_("At least %(n)s%%.") % {"n": low}, code="min_value")
        if high is not None and number > high:
            raise ValidationError(_("At most %(n)s%%.") % {"n": high}, code="max_value")
        if -number.as_tuple().exponent > self.places - 2:
            raise ValidationError(
                _("Give at most %(places)s decimal places of a percent.") % {"places": self.places - 2},
                code="max_decimal_places",
            )
        return number / 100


_FORM_FIELDS: dict[type, type] = {
    models.DecimalField: DecimalFormField,
    models.DateField: DateFormField,
    **{column: IntegerFormField for column in INTEGER_COLUMNS},
}


def model_formfield(db_field, **kwargs):
    """A model form's ``formfield_callback``: the form fields above for decimal, integer and
    date columns (by exact type: a DateTimeField, a DateField's subclass, keeps its own)."""
    form_class = _FORM_FIELDS.get(type(db_field))
    if form_class is not None:
        kwargs.setdefault("form_class", form_class)
    return db_field.formfield(**kwargs)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d+(\.\d+)?$"})
class DecimalString(serializers.CharField):
    """An amount or a rate the view has already written as a string ("1234.50"): in the
    schema a decimal string, so a generated client knows it is a number (output only)."""
