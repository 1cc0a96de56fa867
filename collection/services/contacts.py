"""Contacts with borrowers under the conduct rules: no contact at night (borrower local time),
daily caps on calls across all staff, no third parties but the loan's guarantors. Every
attempt is logged, the refused ones with why."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Borrower
from microloan.audit import audit_record
from microloan.errors import InvalidInput
from microloan.permissions import require
from microloan.policy import policy

from ..case_models import CollectionCase, ContactAttempt, refusal_text
from ..selectors import contact_sheet


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


@transaction.atomic
def contact_log(
    *,
    actor,
    case: CollectionCase,
    channel: str,
    party: str = "borrower",
    party_name: str = "",
    connected: bool = False,
    outcome: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> ContactAttempt:
    """Logs every attempt. One the conduct rules forbid is logged as refused, with why, and
    the caller shows that reason; nothing about the debt goes to a third party."""
    require(actor, "collection.contact")
    if channel not in ("call", "sms", "visit", "letter"):
        raise InvalidInput({"channel": [_("Choose call, sms, visit or letter.")]})
    case = CollectionCase.objects.select_related("loan__borrower__branch", "loan__application").get(pk=case.pk)
    # Lock the borrower: the daily caps count attempts across all staff, so two collectors
    # calling at once must not both squeeze under the limit.
    borrower = Borrower.objects.select_for_update().select_related("branch").get(pk=case.loan.borrower_id)
    at = at or timezone.now()
    local = _local(at, borrower.branch.timezone)
    code, params = "", dict[str, object]()
    conduct = policy().collection.conduct
    start, end = conduct.contact_start, conduct.contact_end
    guarantors = {
        str(g.get("name", "")).strip() for g in (case.loan.application.guarantors or []) if isinstance(g, dict)
    }
    if party == "third_party" or (party == "guarantor" and party_name.strip() not in guarantors):
        code = "third_party"
    elif not (start <= local.time() < end):
        code, params = "quiet_hours", {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "now": local.strftime("%H:%M")}
    elif channel == "call":
        day_start = datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)
        today = ContactAttempt.objects.filter(
            borrower=borrower, channel="call", refused=False, at__gte=day_start, at__lt=day_start + timedelta(days=1)
        )
        counts = today.aggregate(dials=Count("id"), connected=Count("id", filter=Q(connected=True)))
        if counts["dials"] >= conduct.max_dial_attempts:
            code, params = "dial_limit", {"n": counts["dials"], "max": conduct.max_dial_attempts}
        elif counts["connected"] >= conduct.max_connected_calls:
            code, params = "connected_limit", {"n": counts["connected"], "max": conduct.max_connected_calls}
    reason = refusal_text(code, params) if code else ""
    attempt = ContactAttempt.objects.create(
        case=case,
        borrower=borrower,
        actor=actor,
        at=at,
        channel=channel,
        party=party,
        party_name=party_name,
        connected=connected and not reason,
        outcome=outcome,
        notes=notes,
        refused=bool(reason),
        refusal_reason=reason,
        refusal_code=code,
        refusal_params=params,
    )
    audit_record(
        actor=actor,
        entity="loan",
        entity_id=case.loan_id,
        action="contact_refused" if reason else "contact",
        reason=reason,
        data={
            "case": case.pk,
            "attempt": attempt.pk,
            "channel": channel,
            "party": party,
            "connected": attempt.connected,
        },
    )
    return attempt


def contact_sheet_reveal(*, actor, case: CollectionCase) -> list[dict]:
    """The case's contact sheet with the numbers (and guarantors' names) in clear, for those who
    call (``collection.reveal_contacts``); each reveal is an audit row naming who saw which
    case's numbers and how many — never the values."""
    require(actor, "collection.reveal_contacts")
    sheet = contact_sheet(case=case, clear=True)
    audit_record(
        actor=actor,
        entity="collection_case",
        entity_id=case.pk,
        action="reveal_contacts",
        data={"parties": [row["party"] for row in sheet]},
    )
    return sheet
