"""API plumbing shared by every app: pagination, filtering, choice fields documented as
patterns, reading a request body and the query parameters, and one exception handler that
turns domain errors into the contract's shapes and never lets a 500 through for bad input."""

import copy
import logging
import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import InvalidInput, NotAllowed, TransitionNotAllowed

log = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class FilterBackend(DjangoFilterBackend):
    """django-filter builds a FilterSet class, a form and its validation on every request,
    also for a detail view or a list asked for without any filter, where they filter nothing
    (up to a millisecond, bench/API_RESULTS.md). With an empty query string and the FilterSet
    made from ``filterset_fields`` (no required filter, no default), that work is skipped;
    a view with its own ``filterset_class`` always gets it."""

    def filter_queryset(self, request, queryset, view):
        if not request.query_params and getattr(view, "filterset_class", None) is None:
            return queryset
        return super().filter_queryset(request, queryset, view)


class FieldsBuiltOnce:
    # For a ModelSerializer whose fields depend on its class alone (no context, no instance):
    # DRF introspects the model to build them on every instantiation, about a millisecond of
    # a small read (bench/API_RESULTS.md). They are built once per class and each serializer
    # gets copies made the way DRF copies declared fields, so no field object is shared
    # between requests. (A comment, not a docstring: drf-spectacular would show an inherited
    # docstring as the description of every serializer that mixes this in.)

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class ScopedQueryset:
    # For every API view that lists or finds objects: the objects the caller may see come from
    # the view's ``scoped_queryset()`` (a selector scoped to ``self.request.user``), and while
    # drf-spectacular builds the schema (``swagger_fake_view``, no real request) the view's
    # empty ``queryset`` stands in, so the schema still knows the model and no selector runs
    # for an anonymous user. The guard lives here only (tests/kernel/test_api.py). (A comment,
    # not a docstring: drf-spectacular would show it as the description of every such view.)

    queryset: Any

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset.none()
        return self.scoped_queryset()

    def scoped_queryset(self):
        raise NotImplementedError(f"{type(self).__name__} names the objects its caller may see")


def code_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice input documented as a string of the listed codes (a pattern) rather than as an
    enum component, so the field never collides with the enums other apps already publish
    under the same name (``status``, ``category``, ``channel``...)."""
    values = [str(v) for v, _label in choices]
    schema = {
        "type": "string",
        "pattern": "^(" + "|".join(re.escape(v) for v in values) + ")$",
        "description": "One of: " + ", ".join(values),
    }
    field_class = extend_schema_field(schema)(type("CodeField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)


def code_out(choices) -> serializers.CharField:
    """A choice output: a read-only string whose description lists the codes."""
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(str(v) for v, _l in choices))


def read(serializer_class, request) -> dict:
    """The request body validated by ``serializer_class`` (a 400 naming the fields otherwise)."""
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def id_param(params, name: str, message: str) -> int | None:
    """A query parameter that names an object by its id: None when absent, else the id, or a
    400 naming the parameter. ASCII digits only: ``str.isdigit`` also accepts "²" and other
    digits that ``int`` refuses, or reads as a number nobody typed."""
    value = params.get(name)
    if not value:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > 2**63 - 1:
        raise InvalidInput({name: [message]})
    return int(value)


def choice_param(params, name: str, choices) -> str:
    """A query parameter that takes one of ``choices`` (codes, or (code, label) pairs): "" when
    absent, else the code, or a 400 naming the parameter and listing the codes."""
    value = params.get(name)
    if not value:
        return ""
    codes = [str(c[0] if isinstance(c, tuple | list) else c) for c in choices]
    if value not in codes:
        raise InvalidInput({name: [_("Choose one of: %(v)s.") % {"v": ", ".join(codes)}]})
    return value


def exception_handler(exc, context):
    if isinstance(exc, InvalidInput):
        return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, NotAllowed):
        return Response({"detail": exc.reason}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, TransitionNotAllowed):
        return Response({"detail": exc.message, "status": exc.status}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        data = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ObjectDoesNotExist):
        exc = Http404()
    response = drf_exception_handler(exc, context)
    if response is None and not isinstance(exc, APIException):
        log.exception("Unhandled API error", exc_info=exc)
    return response
