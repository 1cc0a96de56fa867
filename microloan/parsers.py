"""The API's request-body parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES): DRF's, with two
limits no endpoint has to remember.

- JSON nested deeper than ``MAX_DEPTH`` is refused before it is decoded: Python's decoder
  recurses once per level and a body of a thousand ``[`` ends in a RecursionError, a 500; no
  request of this API nests more than a few levels.
- A key or a string that ``microloan.inputs.text_refusal`` refuses (a NUL, an unpaired
  surrogate) is refused wherever it sits, also inside free-form JSON such as an
  application's ``guarantors``, which no serializer field looks into.

A refusal is a 400 in the contract's shape (microloan/api.py): ``{"guarantors": ["..."]}``
naming the top-level field the problem is in, or ``{"detail": "..."}`` when the body is not
an object. ``loads`` is the same parser for a view that reads its raw body itself (the
payment callback, which checks a signature over the exact bytes)."""

import json
import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from .inputs import printable_name, text_refusal

MAX_DEPTH = 32
# A JSON string (optionally a key, when a colon follows) or a bracket; strings are matched
# whole so brackets inside them do not count.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?|[\[\]{}]')


def _refuse(field: str | None, reason: str):
    if field is None:
        raise ParseError({"detail": reason})
    raise ParseError({field: [reason]})


def _key_text(token: str) -> str:
    try:
        return json.loads(token)
    except ValueError:
        return token.strip('"')


def _check_depth(text: str) -> None:
    depth, top_object, field = 0, False, None
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token[0] == '"':
            if m.group(1) and depth == 1 and top_object:
                field = _key_text(token[: m.start(1) - m.start()])
            continue
        if token in "[{":
            if depth == 0:
                top_object = token == "{"
            depth += 1
            if depth > MAX_DEPTH:
                _refuse(
                    printable_name(field) if field is not None and top_object else None,
                    _("Nested more than %(n)d levels deep.") % {"n": MAX_DEPTH},
                )
        else:
            depth -= 1
            if depth == 1 and top_object:
                field = None


def _check_text(value: Any, field: str | None) -> None:
    if isinstance(value, str):
        reason = text_refusal(value)
        if reason:
            _refuse(field, reason)
    elif isinstance(value, dict):
        for key, item in value.items():
            reason = text_refusal(key)
            if reason:
                _refuse(field, reason)
            _check_text(item, field)
    elif isinstance(value, list):
        for item in value:
            _check_text(item, field)


def check_data(data: Any) -> Any:
    """Refuses refused text anywhere in decoded data; a top-level object's problems are
    named by their field."""
    if isinstance(data, dict):
        for key, item in data.items():
            reason = text_refusal(key)
            if reason:
                _refuse(None, reason)
            _check_text(item, key)
    else:
        _check_text(data, None)
    return data


def loads(raw: bytes | str) -> Any:
    """A JSON body decoded under the limits above; ParseError (400) otherwise."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ParseError(_("The body is not %(enc)s text: %(e)s") % {"enc": "UTF-8", "e": exc}) from None
    _check_depth(text)
    try:
        data = json.loads(text, parse_constant=strict_constant)
    except (ValueError, RecursionError) as exc:
        raise ParseError(_("JSON parse error - %(e)s") % {"e": exc}) from None
    return check_data(data)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        # DRF's choice of charset, which refuses bytes-to-bytes codecs (a bz2 "charset" would
        # inflate a small body past the upload limit); not in its type stubs.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(_("The body is not %(enc)s text: %(e)s") % {"enc": encoding, "e": exc}) from None
        return loads(text)


def _check_form(data):
    for name, values in data.lists():
        for value in values:
            reason = text_refusal(name) or text_refusal(value)
            if reason:
                _refuse(printable_name(name), reason)
    return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _check_form(super().parse(stream, media_type, parser_context))


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_form(parsed.data)
        return parsed
