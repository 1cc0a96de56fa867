"""Leads: a prospect recorded, and converted into a borrower and a draft application."""

from django.db import transaction

from ..models import Borrower, Lead
from ..workflow import LEAD_WORKFLOW
from .applications import application_create
from .borrowers import borrower_create


@transaction.atomic
def lead_create(*, actor, name: str, mobile: str, channel: str, **fields) -> Lead:
    lead = Lead(branch=actor.branch, officer=actor, name=name, mobile=mobile, channel=channel, **fields)
    LEAD_WORKFLOW.start(obj=lead, action="create", actor=actor)
    return lead


@transaction.atomic
def lead_convert(*, actor, lead: Lead, borrower_data: dict, application_data: dict | None = None):
    """Turns a prospect into a borrower (new, or the existing one with that ID number) and,
    when application data is given, a draft application. All or nothing."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    LEAD_WORKFLOW.check(obj=lead, action="convert", actor=actor)
    data = {"full_name": lead.name, "mobile": lead.mobile, **borrower_data}
    existing = Borrower.objects.filter(id_number=str(data.get("id_number", "")).strip().upper()).first()
    borrower = existing or borrower_create(actor=actor, branch=lead.branch, **data)
    application = None
    if application_data:
        application = application_create(actor=actor, borrower=borrower, **application_data)
    lead.borrower = borrower
    LEAD_WORKFLOW.apply(
        obj=lead,
        action="convert",
        actor=actor,
        extra_update_fields=["borrower"],
        data={"borrower": borrower.pk, "application": application.pk if application else None},
    )
    return borrower, application
