"""The field visit (investigation) of an application under underwriting."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.services import application_lock
from applications.workflow import APPLICATION_WORKFLOW
from microloan.business_date import business_date
from microloan.errors import InvalidInput

from ..models import Investigation


@transaction.atomic
def application_investigate(
    *, actor, application, visited_on: date, findings: str, purpose_verified: bool, business_observations: str = ""
) -> Investigation:
    app = application_lock(application)
    APPLICATION_WORKFLOW.check(obj=app, action="investigate", actor=actor)
    if visited_on > business_date():
        raise InvalidInput({"visited_on": [_("A visit cannot be in the future.")]})
    if app.submitted_at and visited_on < timezone.localdate(app.submitted_at) - timedelta(days=90):
        raise InvalidInput({"visited_on": [_("The visit is more than 90 days before the application.")]})
    if not findings.strip():
        raise InvalidInput({"findings": [_("Describe what the visit found.")]})
    inv, _created = Investigation.objects.update_or_create(
        application=app,
        defaults={
            "visited_on": visited_on,
            "findings": findings.strip(),
            "purpose_verified": purpose_verified,
            "business_observations": business_observations,
            "investigator": actor,
        },
    )
    APPLICATION_WORKFLOW.apply(
        obj=app,
        action="investigate",
        actor=actor,
        data={"visited_on": visited_on.isoformat(), "purpose_verified": purpose_verified},
    )
    return inv


def investigations_erase(borrower_ids: list[int]) -> list[str]:
    """The anonymisation's part here (``applications.services.register_eraser``): the field
    visits' free-text notes on the borrowers' applications (where they live, what they
    said); the visit's date and verdict stay. One UPDATE; no files."""
    Investigation.objects.filter(application__borrower_id__in=borrower_ids).update(
        findings="", business_observations=""
    )
    return []
