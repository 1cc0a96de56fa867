"""``{% load intake_documents %}``: whether the page shows the links that open documents
(the rule itself: applications.documents.serving)."""

from django import template

from ..documents.serving import may_open_documents

register = template.Library()


@register.filter
def opens_documents(user) -> bool:
    return may_open_documents(user)
