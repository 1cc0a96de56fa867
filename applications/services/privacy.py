"""Personal information (PIPL): the borrower's copy of their own data."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from microloan.audit import audit_record
from microloan.business_date import business_date
from microloan.errors import NotAllowed
from microloan.permissions import require

from ..export import borrower_export_data
from ..models import Borrower


@transaction.atomic
def borrower_export(*, actor) -> dict:
    """Everything held about the signed-in borrower (``applications.export``'s sections),
    unmasked — it is theirs — and an audit row saying that they took a copy (which sections;
    no values)."""
    require(actor, "me.export")
    borrower = Borrower.objects.filter(user=actor).first()
    if borrower is None:
        raise NotAllowed(_("Your login is not linked to a borrower profile."))
    data = borrower_export_data(borrower)
    audit_record(actor=actor, entity="borrower", entity_id=borrower.pk, action="export", data={"sections": list(data)})
    return {"exported_at": timezone.now().isoformat(), "business_date": business_date().isoformat(), **data}
