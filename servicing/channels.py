"""How money moves to and from a borrower: the forms offer these, the pages and receipts show
their words (registered with microloan/labels.py)."""

from django.utils.translation import gettext_lazy as _

from microloan.labels import register_codes

DISBURSEMENT_CHANNELS = [("bank_transfer", _("Bank transfer")), ("cash", _("Cash")), ("wallet", _("Mobile wallet"))]
REPAYMENT_CHANNELS = [
    ("cash", _("Cash")),
    ("transfer", _("Bank transfer")),
    ("pos", _("POS")),
    ("wallet", _("Mobile wallet")),
]

register_codes(DISBURSEMENT_CHANNELS)
register_codes(REPAYMENT_CHANNELS)
