"""Customer-service policy: complaint SLAs, follow-up visits, periodic credit reviews.

Read from ``settings.CUSTOMER_CARE`` (a dict; any key missing there takes the default below),
so an installation changes its deadlines without code, as underwriting/policy.py and
collection/policy.py do for theirs. The defaults, and why:

- A complaint is acknowledged by the end of the **next business day** after the day it was
  received, and resolved (a decision given to the borrower) within **15 calendar days**:
  the regulator's rules for consumer complaints at banks and insurers (2020) give 15 days
  from receipt for the decision; the one-day acknowledgement is the unit's own service level.
- A **post-disbursement check** (贷后检查: were the funds used for the stated purpose?) is due
  30 days after disbursement; the job creates it for loans disbursed in the last 90 days, so
  switching the feature on does not flood officers with visits for an old book.
- A **follow-up visit or call** (回访) is due 3 days after a complaint is resolved.
- Every live loan gets a **periodic credit review** (贷后定期检查) every 6 months, every 3
  months after a review that recommended watching it (or reducing the limit, or recalling),
  and at once when the daily close has moved its classification to a worse tier than the
  one its last review saw. The officer has 15 days to complete it.
"""

from datetime import date

from django.conf import settings

DEFAULTS = {
    "COMPLAINT_ACK_BUSINESS_DAYS": 1,
    "COMPLAINT_RESOLVE_DAYS": 15,
    # Dates (ISO strings) that are not business days besides Saturdays and Sundays.
    "HOLIDAYS": [],
    # Weekend days that are working days (调休 makeup days), ISO strings.
    "WORKING_WEEKENDS": [],
    "POST_DISBURSEMENT_VISIT_DAYS": 30,
    "POST_DISBURSEMENT_LOOKBACK_DAYS": 90,
    "COMPLAINT_FOLLOW_UP_DAYS": 3,
    "REVIEW_INTERVAL_MONTHS": 6,
    "WATCH_REVIEW_INTERVAL_MONTHS": 3,
    "REVIEW_DUE_DAYS": 15,
    # The worklist shows visits and reviews falling due within this many days.
    "DUE_SOON_DAYS": 7,
}


def care_policy(name: str):
    configured = getattr(settings, "CUSTOMER_CARE", {}) or {}
    value = configured.get(name, DEFAULTS[name])
    if isinstance(DEFAULTS[name], list):
        return frozenset(date.fromisoformat(str(v)) for v in (value or []))
    return int(value)
