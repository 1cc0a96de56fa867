"""What the customer-service API modules share: choice fields documented as patterns (see
care/api/__init__.py), the permissions, picking the objects the caller may see, the history."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from applications.models import Borrower
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import Role


def code_field(choices, **kwargs) -> serializers.ChoiceField:
    """A choice input documented as a string of the listed codes (see the module note)."""
    values = [str(v) for v, _label in choices]
    schema = {
        "type": "string",
        "pattern": "^(" + "|".join(re.escape(v) for v in values) + ")$",
        "description": "One of: " + ", ".join(values),
    }
    field_class = extend_schema_field(schema)(type("CodeField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)


def code_out(choices) -> serializers.CharField:
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(str(v) for v, _l in choices))


class IsStaffMember(BasePermission):
    message = gettext_lazy("Staff only.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff_member or user.is_superuser))


class IsBorrower(BasePermission):
    message = gettext_lazy("For borrowers' own logins.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.BORROWER)


def my_borrower(user) -> Borrower:
    borrower = Borrower.objects.select_related("branch").filter(user=user).first()
    if borrower is None:
        raise NotAllowed(_("Your login is not linked to a borrower profile."))
    return borrower


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


def pick(qs, pk, field: str, message: str):
    """The object ``pk`` among those the caller may see, or a 400 naming the field."""
    if pk is None:
        return None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput({field: [message]})
    return obj


class HistoryOut(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", default=None)
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
