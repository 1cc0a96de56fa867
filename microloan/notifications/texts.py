"""The words of a message: the language it is written in and the lender's signature that
opens an SMS. Reminders, complaint messages and overdue notices use both."""

from __future__ import annotations

from django.conf import settings


def reader_language(language: str | None) -> str:
    """The language a message is written in: the reader's, when the product speaks it; the
    installation's default otherwise."""
    return language if language and language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def sms_signature(language: str | None) -> str:
    """The lender's name that opens an SMS (the carriers ask for it): "【示范小额贷款有限公司】",
    "[Demo Microcredit Co., Ltd.] ", the English name for an English reader when the settings
    give one. Reminders, complaint messages and overdue notices all sign with it."""
    from django.utils import translation
    from django.utils.translation import gettext

    language = reader_language(language)
    lender = getattr(settings, "LENDER", {}) or {}
    name = (lender.get("name_en") if language == "en" else None) or lender.get("name") or ""
    if not name:
        return ""
    with translation.override(language):
        return gettext("[%(lender)s] ") % {"lender": name}
