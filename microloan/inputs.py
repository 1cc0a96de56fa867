"""What text the product refuses at the door, the one home for it: a NUL character (PostgreSQL
stores none, in a text column or in JSON) and an unpaired surrogate (not Unicode text at all:
it cannot be encoded to UTF-8, so the database, a log line or a JSON answer would fail on it).

``text_refusal`` says why a string is refused; the API's parsers (microloan/parsers.py) ask it
of every key and string in a request body, and ``InputGuardMiddleware`` asks it of every
query-string parameter and, on the officer screens, every posted form field. A refusal is a
400 that names the parameter: ``{"q": ["..."]}`` on the API (the contract's error shape,
microloan/api.py), a short translated page otherwise. So no view meets such text and no
filter sends it to the database, whatever the endpoint."""

import re
from collections.abc import Iterable

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

API_PREFIX = "/api/"
_SURROGATE = re.compile("[\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def text_refusal(value: str) -> str | None:
    """Why ``value`` cannot be taken as text, or None when it can."""
    if "\x00" in value:
        return _("Contains a NUL character (U+0000), which is not allowed.")
    if _SURROGATE.search(value):
        return _("Contains an unpaired surrogate, which is not valid Unicode text.")
    return None


def printable_name(name: str) -> str:
    """A parameter's name fit to show back: refused characters written as escapes."""
    return name if text_refusal(name) is None else name.encode("unicode_escape", "backslashreplace").decode("ascii")


def first_refused(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """(name, reason) of the first parameter whose name or value is refused."""
    for name, value in pairs:
        reason = text_refusal(name) or (text_refusal(value) if isinstance(value, str) else None)
        if reason:
            return printable_name(name), reason
    return None


def _pairs(querydict) -> Iterable[tuple[str, str]]:
    for name, values in querydict.lists():
        for value in values:
            yield name, value


def refused_response(request, name: str, reason: str):
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({name: [reason]}, status=400)
    title = _("Bad request")
    text = _("The parameter “%(name)s” was refused: %(reason)s") % {"name": name, "reason": reason}
    return HttpResponseBadRequest(
        f'<!doctype html><html lang="{escape(getattr(request, "LANGUAGE_CODE", ""))}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>",
        content_type="text/html; charset=utf-8",
    )


class InputGuardMiddleware:
    """Refuses a request whose query string, or (outside the API, whose bodies the parsers
    check) posted form, holds text ``text_refusal`` refuses. After LocaleMiddleware, so the
    refusal is in the user's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = first_refused(_pairs(request.GET))
        if (
            refused is None
            and request.method == "POST"
            and not request.path_info.startswith(API_PREFIX)
            and request.content_type in FORM_TYPES
        ):
            refused = first_refused(_pairs(request.POST))
        if refused is not None:
            return refused_response(request, *refused)
        return self.get_response(request)
