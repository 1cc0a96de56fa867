"""Configurable collection policy, read from ``settings.COLLECTION`` with these defaults, so
an installation can change thresholds and rates without code (as underwriting/policy.py)."""

from decimal import Decimal

from django.conf import settings

DEFAULTS = {
    # Five-tier classification by days past due (after the 2023 risk-classification rules):
    # any overdue -> at least special mention; the class applies when DPD is OVER the number.
    "CLASSIFICATION_OVER_DAYS": {"special_mention": 0, "substandard": 90, "doubtful": 270, "loss": 360},
    # Provision required per class, as a fraction of outstanding principal.
    "PROVISION_RATES": {"normal": "0.01", "special_mention": "0.02", "substandard": "0.25", "doubtful": "0.50",
                        "loss": "1.00"},
    # Penalty interest: daily rate = annual penalty rate / this many days.
    "PENALTY_DAY_BASIS": 360,
    # Loans per chunk: one chunk is one transaction (and one Celery task). Its cost is a few
    # set-based statements over the chunk's rows, so memory stays flat whatever the portfolio;
    # 5,000 keeps a chunk's transaction well under a second at the benchmark's mix.
    "CHUNK_SIZE": 5000,
}

CLASS_ORDER = ("normal", "special_mention", "substandard", "doubtful", "loss")


def policy(name: str):
    configured = getattr(settings, "COLLECTION", {}) or {}
    default = DEFAULTS[name]
    value = configured.get(name, default)
    if isinstance(default, dict):
        value = {**default, **(value or {})}
    if name == "PROVISION_RATES":
        return {k: Decimal(str(v)) for k, v in value.items()}
    if name == "CLASSIFICATION_OVER_DAYS":
        return {k: int(v) for k, v in value.items()}
    return int(value)


# --- collection cases: the escalation ladder and the conduct rules ------------------------

DEFAULT_STEPS = [("overdue_notice", 1), ("officer_call", 3), ("field_visit", 15), ("branch_manager", 30),
                 ("legal_review", 90)]
DEFAULT_CONDUCT = {"CONTACT_START": "08:00", "CONTACT_END": "22:00", "MAX_CONNECTED_CALLS": 3,
                   "MAX_DIAL_ATTEMPTS": 6}


def escalation_steps() -> list[tuple[str, int]]:
    """The ladder: (step, from this many days past due), in order."""
    configured = (getattr(settings, "COLLECTION", {}) or {}).get("ESCALATION_STEPS")
    return [(str(s), int(d)) for s, d in (configured or DEFAULT_STEPS)]


def conduct(name: str):
    return ((getattr(settings, "COLLECTION", {}) or {}).get("CONDUCT") or {}).get(name, DEFAULT_CONDUCT[name])
