"""``{% load intake_labels %}``: a product's codes (repayment method, frequency) as words, for
pages that show them from records that keep only the code (a loan's terms)."""

from django import template

from ..models import Frequency, Method

register = template.Library()


@register.filter
def method_label(code: str) -> str:
    return str(dict(Method.choices).get(code, code))


@register.filter
def frequency_label(code: str) -> str:
    return str(dict(Frequency.choices).get(code, code))
