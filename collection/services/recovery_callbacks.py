"""A payment channel's money on a written-off loan: not a repayment (the loan is off the
books) but a recovery, recorded by the verified callback for a person's confirmation like any
other (``recovery_record`` with no actor; the journal entry is posted on confirmation).
Once per (channel, transaction id): a replay returns the recovery already recorded; the same
id for another loan or amount is a 400. Registered at start-up in
``servicing.repayments.callbacks.WRITTEN_OFF_RECEIVERS`` (collection.apps)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from microloan.errors import InvalidInput
from microloan.lending.money import money
from servicing.models import Loan

from ..case_models import Recovery
from .recoveries import recovery_record


def _replay(existing: Recovery, *, loan: Loan, amount) -> tuple[Recovery, bool]:
    if existing.loan_id != loan.pk or existing.amount != money(amount):
        raise InvalidInput({"transaction_id": [_("This transaction id was already used for another payment.")]})
    return existing, False


def recovery_from_channel(
    *, channel_code: str, transaction_id: str, loan: Loan, amount, paid_on: date
) -> tuple[Recovery, bool]:
    """(the recovery, whether it is new) for a channel's payment on written-off ``loan``."""
    existing = Recovery.objects.filter(channel=channel_code, external_id=transaction_id).first()
    if existing:
        return _replay(existing, loan=loan, amount=amount)
    try:
        with transaction.atomic():
            r = recovery_record(
                actor=None,
                loan=loan,
                amount=amount,
                received_on=paid_on,
                channel=channel_code,
                reference=transaction_id,
                external_id=transaction_id,
            )
    except IntegrityError:  # lost a race with the same notice: the winner's recovery
        return _replay(Recovery.objects.get(channel=channel_code, external_id=transaction_id), loan=loan, amount=amount)
    return r, True
