"""The borrower's messages about a complaint (SMS and in-app): their words and recipients are
rows of the notice table (``applications.notices.NOTICES``: ``complaint_received``,
``complaint_resolved``), rendered under the borrower's own language; the SMS carries the
resolution shortened to ``SMS_RESOLUTION_CHARS``, the in-app message all of it."""

from applications import notices

from ..models import Complaint

RECEIVED, RESOLVED = "received", "resolved"
SMS_RESOLUTION_CHARS = 120
KINDS = {RECEIVED: notices.COMPLAINT_RECEIVED, RESOLVED: notices.COMPLAINT_RESOLVED}


def complaint_notify(c: Complaint, borrower, kind: str, key: str) -> int:
    """Writes the borrower's message (SMS to the mobile, in-app when they have a login) to the
    outbox, in the caller's transaction. The dedupe key makes each message go out once."""
    short = c.resolution if len(c.resolution) <= SMS_RESOLUTION_CHARS else c.resolution[:SMS_RESOLUTION_CHARS] + "…"
    return notices.borrower_notify(
        borrower,
        KINDS[kind],
        key=key,
        reference=f"complaint:{c.pk}",
        ref=c.reference,
        ack_due=c.ack_due_on.isoformat(),
        resolve_due=c.resolve_due_on.isoformat(),
        resolution=c.resolution,
        sms_fields={"resolution": short},
    )
