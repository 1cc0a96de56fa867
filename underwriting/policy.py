"""Configurable lending policy: the APR cap, the exposure cap, the committee and the SLA.
Read from settings.UNDERWRITING so an installation can change them without code."""

from decimal import Decimal

from django.conf import settings

DEFAULTS = {
    # The all-in annual cost above which regulators act on small-loan companies' new loans.
    "APR_CAP": "0.24",
    # The most one borrower may owe across approved and outstanding loans.
    "EXPOSURE_CAP": "200000.00",
    "COMMITTEE_SIZE": 3,
    "APPROVAL_SLA_HOURS": 48,
}


def policy(name: str):
    value = getattr(settings, "UNDERWRITING", {}).get(name, DEFAULTS[name])
    return Decimal(str(value)) if isinstance(DEFAULTS[name], str) else int(value)
