"""The scorecard's reason codes as words: what the case file and the decision page show
(a published scorecard may add a characteristic; its code then shows as it is)."""

from django.utils.translation import gettext_lazy as _

from microloan.labels import register_codes

REASONS = [
    ("capacity", _("Repayment capacity")),
    ("segment_risk", _("Segment risk")),
    ("age", _("Age")),
    ("income_stability", _("Income stability")),
    ("dsr_high", _("High debt service ratio")),
    ("credit_overdue", _("Overdue credit history")),
    ("credit_worst_status", _("Worst credit status")),
    ("credit_inquiries", _("Recent credit inquiries")),
    ("purpose_unverified", _("Purpose not verified")),
    ("no_security", _("No security")),
]
register_codes(REASONS)
