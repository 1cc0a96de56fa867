"""A product's charges (the late fee, the service and insurance fees per instalment, the
prepayment fee): the one check of their values, for the product form, the API and the
configuration change alike (``Product.clean`` calls it). What they charge is servicing's
(``servicing.charges``)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# The product's charge settings (each 0 unless set: the product form leaves them optional).
CHARGE_FIELDS = ("late_fee_fixed", "late_fee_rate", "service_fee", "insurance_fee", "prepayment_fee_rate")

# The most a rate-based charge may be: the whole of what it is a fraction of.
MAX_CHARGE_RATE = Decimal("1")


def product_charge_errors(product) -> dict:
    """The errors, by field, of a product's charge settings (none when they are sound)."""
    errors = {}
    for name in ("late_fee_fixed", "service_fee", "insurance_fee"):
        value = getattr(product, name)
        if value is not None and value < 0:
            errors[name] = _("A charge cannot be negative.")
    for name in ("late_fee_rate", "prepayment_fee_rate"):
        value = getattr(product, name)
        if value is not None and not 0 <= value <= MAX_CHARGE_RATE:
            errors[name] = _("A charge's rate is a fraction between 0 and 1.")
    if (product.late_fee_fixed or 0) > 0 and (product.late_fee_rate or 0) > 0:
        errors["late_fee_rate"] = _("The late fee is either fixed or a fraction of the instalment, not both.")
    return errors
