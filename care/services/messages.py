"""The borrower's messages about a complaint (SMS and in-app), through gettext: the English is
the message id, the Chinese is in locale/zh_Hans/LC_MESSAGES/django.po, and each message is
rendered under the borrower's own language (``Borrower.language``; the installation's
``LANGUAGE_CODE`` for one the product does not speak)."""

from django.utils import translation
from django.utils.translation import gettext as _

from microloan.notifications import Channel, notifications_enqueue_many, reader_language, sms_signature

from ..models import Complaint

RECEIVED, RESOLVED = "received", "resolved"
SMS_RESOLUTION_CHARS = 120


def complaint_text(
    kind: str, *, name: str, reference: str, ack_due: str, resolve_due: str, resolution: str = ""
) -> tuple[str, str]:
    """(subject, body) of a complaint message, in the active language."""
    fields = {"name": name, "ref": reference, "ack_due": ack_due, "resolve_due": resolve_due, "resolution": resolution}
    if kind == RECEIVED:
        return (
            _("Complaint received"),
            _(
                "Dear %(name)s, we have received your complaint (no. %(ref)s). We will contact you by "
                "%(ack_due)s and tell you our decision by %(resolve_due)s."
            )
            % fields,
        )
    if kind == RESOLVED:
        return (
            _("Your complaint has been resolved"),
            _(
                "Dear %(name)s, your complaint no. %(ref)s has been resolved: %(resolution)s If you disagree, "
                "reply or call us; you can rate how we handled it in the app."
            )
            % fields,
        )
    raise ValueError(kind)


def complaint_notify(c: Complaint, borrower, kind: str, key: str) -> int:
    """Writes the borrower's message (SMS to the mobile, in-app when they have a login) to the
    outbox, in the caller's transaction. The dedupe key makes each message go out once."""
    language = reader_language(borrower.language)
    short = c.resolution if len(c.resolution) <= SMS_RESOLUTION_CHARS else c.resolution[:SMS_RESOLUTION_CHARS] + "…"
    fields = {
        "name": borrower.full_name,
        "reference": c.reference,
        "ack_due": c.ack_due_on.isoformat(),
        "resolve_due": c.resolve_due_on.isoformat(),
    }
    with translation.override(language):
        subject, sms = complaint_text(kind, **fields, resolution=short)
        _subject, inapp = complaint_text(kind, **fields, resolution=c.resolution)
        signature = sms_signature(language)
    common = {
        "language": language,
        "subject": subject,
        "kind": f"complaint_{kind}",
        "reference": f"complaint:{c.pk}",
        "tz_name": borrower.branch.timezone,
    }
    rows = []
    if borrower.mobile:
        rows.append(
            {
                **common,
                "channel": Channel.SMS,
                "to_address": borrower.mobile,
                "body": signature + sms,
                "dedupe_key": f"{key}:{Channel.SMS}",
            }
        )
    if borrower.user_id:
        rows.append(
            {
                **common,
                "channel": Channel.INAPP,
                "user_id": borrower.user_id,
                "body": inapp,
                "dedupe_key": f"{key}:{Channel.INAPP}",
            }
        )
    return notifications_enqueue_many(rows)
