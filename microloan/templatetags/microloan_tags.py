from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def percent(rate, places: int = 2) -> str:
    """0.18 -> '18.00%' (rates are stored as fractions)."""
    if rate in (None, ""):
        return "—"
    q = Decimal(1).scaleb(-int(places))
    return f"{(Decimal(rate) * 100).quantize(q, rounding=ROUND_HALF_UP)}%"


@register.filter(name="can")
def can_filter(user, action: str) -> bool:
    """``{% if user|can:"borrower.create" %}``: the permission table decides what a page shows."""
    from microloan.permissions import can

    return can(user, action)


@register.filter(name="masked")
def masked_filter(value, field: str) -> str:
    """``{{ b.mobile|masked:"mobile" }}``: a personal field as every page shows it (microloan/pii.py)."""
    from microloan.pii import mask

    return mask(field, value)


@register.filter(name="party_masked")
def party_masked_filter(value, key: str) -> str:
    """``{{ c.party_name|party_masked:"name" }}``: a guarantor's value under ``key`` as every page
    shows it (``microloan.pii.mask_party``)."""
    from microloan.pii import mask_party

    return mask_party({key: value})[key]
