"""Shared helpers for the officer screens: turning domain errors into messages and the page's
status, so every view reads: validate form -> call service -> message -> redirect (or the page
again, 403 when the move was refused). (Page access is the permission table's:
``microloan.permissions.page``.)"""

from django.contrib import messages

from .errors import InvalidInput, NotAllowed, TransitionNotAllowed


def report_domain_error(request, exc, form=None) -> int:
    """Shows a domain error to the person: on the form's fields where it names them. Returns
    the status the page answers with: 403 for a refusal (role, four eyes, authority limit,
    branch), the API's answer, with the same reason shown on the page — never a redirect with
    a flash; 200 for what the person corrects on the page shown again (bad input, a move the
    object's status no longer allows)."""
    if isinstance(exc, InvalidInput):
        for field, reasons in exc.errors.items():
            for reason in reasons:
                if form is not None and field in form.fields:
                    form.add_error(field, reason)
                else:
                    messages.error(request, f"{field}: {reason}")
    elif isinstance(exc, NotAllowed):
        messages.error(request, exc.reason)
        return 403
    elif isinstance(exc, TransitionNotAllowed):
        messages.error(request, exc.message)
    else:
        raise exc
    return 200
