"""Every date field on a page carries an ISO value in both languages (#14 point 3): a
zh-hans ``value="2027/01/11"`` is refused by ``<input type="date">``, which shows it blank."""

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.utils import translation

from microloan import fields

FORM_MODULES = [
    "applications.forms",
    "underwriting.forms",
    "servicing.forms",
    "care.forms",
    "collection.forms",
    "reporting.forms",
    "microloan.ledger.views",
]


def date_fields():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != name:
                continue
            for field_name, field in cls.base_fields.items():
                if isinstance(field, forms.DateField):
                    yield f"{name}.{cls.__name__}.{field_name}", field


DATE_FIELDS = dict(date_fields())


def test_the_forms_have_date_fields():
    assert len(DATE_FIELDS) >= 10


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("where", sorted(DATE_FIELDS))
def test_a_date_field_renders_an_iso_value(where, language):
    field = DATE_FIELDS[where]
    assert isinstance(field.widget, fields.DateInput), where
    with translation.override(language):
        html = field.widget.render("d", datetime.date(2027, 1, 11))
    assert 'type="date"' in html
    assert 'value="2027-01-11"' in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_iso_value_is_read_back_in_both_languages(language):
    with translation.override(language):
        assert fields.DateFormField().clean("2027-01-11") == datetime.date(2027, 1, 11)
