"""Shared helpers for the officer screens: staff-only access and turning domain errors into
messages, so every view reads: validate form -> call service -> message -> redirect."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .errors import InvalidInput, NotAllowed, TransitionNotAllowed


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff_member and not request.user.is_superuser:
            raise PermissionDenied("Staff only.")
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles):
    """Staff of the given roles only (superusers too); anyone else gets 403."""

    def decorator(view):
        @staff_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.role not in roles and not request.user.is_superuser:
                raise PermissionDenied("Not for your role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def report_domain_error(request, exc, form=None) -> None:
    """Shows a domain error to the person: on the form's fields where it names them."""
    if isinstance(exc, InvalidInput):
        for field, reasons in exc.errors.items():
            for reason in reasons:
                if form is not None and field in form.fields:
                    form.add_error(field, reason)
                else:
                    messages.error(request, f"{field}: {reason}")
    elif isinstance(exc, NotAllowed):
        messages.error(request, exc.reason)
    elif isinstance(exc, TransitionNotAllowed):
        messages.error(request, exc.message)
    else:
        raise exc
