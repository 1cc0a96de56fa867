"""Shared helpers for the officer screens: turning domain errors into messages, so every view
reads: validate form -> call service -> message -> redirect. (Page access is the permission
table's: ``microloan.permissions.page``.)"""

from django.contrib import messages

from .errors import InvalidInput, NotAllowed, TransitionNotAllowed


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
