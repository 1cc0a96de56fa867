"""A borrower's own data, exported (PIPL art. 45: the right to a copy): the sections of
``GET /api/v1/me/export/``.

Each section is a function of the borrower answering plain JSON values in a constant number
of queries. The apps later in the lifecycle add theirs (loans, complaints, credit records) in
their ``AppConfig.ready`` through ``register_section``, so the export reads every app while
this app imports none after it (the dependency rule)."""

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model, Q, QuerySet

from microloan.notifications.models import Notification

from .models import Application, Borrower, Consent, Document

Section = Callable[[Borrower], Any]
SECTIONS: dict[str, Section] = {}


def register_section(name: str, section: Section) -> None:
    SECTIONS.setdefault(name, section)


def plain(value):
    """A JSON value of a column's: amounts as decimal strings, dates ISO 8601 (API.md)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def rows(qs: QuerySet, fields: Iterable[str]) -> list[dict]:
    """``qs``'s rows as plain dicts of ``fields``, in one query."""
    return [{k: plain(v) for k, v in row.items()} for row in qs.values(*fields)]


def columns(model: type[Model], *, exclude: Iterable[str] = ()) -> list[str]:
    """Every concrete column of ``model`` (foreign keys as ``<name>_id``), but ``exclude``."""
    skip = set(exclude)
    return [f.attname for f in model._meta.concrete_fields if f.name not in skip and f.attname not in skip]


def _profile(borrower: Borrower) -> dict:
    # The borrower's own data, so in clear (the masks are for everybody else: microloan/pii.py).
    (row,) = rows(Borrower.objects.filter(pk=borrower.pk), [*columns(Borrower, exclude=["user"]), "branch__name"])
    return row


def _applications(borrower: Borrower) -> list[dict]:
    return rows(Application.objects.filter(borrower=borrower).order_by("id"), columns(Application))


def _documents(borrower: Borrower) -> list[dict]:
    # Metadata only: the files themselves are opened one by one (audited, API.md).
    fields = ["id", "application_id", "kind", "status", "original_name", "content_type", "size", "sha256"]
    return rows(Document.objects.filter(application__borrower=borrower).order_by("id"), [*fields, "uploaded_at"])


def _consents(borrower: Borrower) -> list[dict]:
    return rows(Consent.objects.filter(borrower=borrower).order_by("id"), columns(Consent, exclude=["file"]))


def _notifications(borrower: Borrower) -> list[dict]:
    """What was sent to them: in the app to their login, by SMS or e-mail to their address."""
    addresses = [a for a in (borrower.mobile, borrower.email) if a]
    mine = Q(to_address__in=addresses) | (Q(user_id=borrower.user_id) if borrower.user_id else Q(pk__in=[]))
    fields = ["id", "channel", "to_address", "subject", "body", "kind", "status", "created_at", "sent_at", "read_at"]
    return rows(Notification.objects.filter(mine).order_by("id"), fields)


for _name, _section in (
    ("profile", _profile),
    ("applications", _applications),
    ("documents", _documents),
    ("consents", _consents),
    ("notifications", _notifications),
):
    register_section(_name, _section)


def borrower_export_data(borrower: Borrower) -> dict[str, Any]:
    """Every section's data for ``borrower``: one query or a few per section, however much
    they hold."""
    return {name: section(borrower) for name, section in SECTIONS.items()}
