"""The policy module: typed settings with defaults, validation and one reader (microloan/policy.py)."""

from datetime import date, time
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from microloan.policy import CLASS_ORDER, policy


def test_the_defaults_are_the_documented_ones(settings):
    settings.UNDERWRITING, settings.COLLECTION, settings.CUSTOMER_CARE = {}, {}, {}
    p = policy()
    assert (p.underwriting.apr_cap, p.underwriting.exposure_cap) == (Decimal("0.24"), Decimal("200000.00"))
    assert (p.underwriting.committee_size, p.underwriting.approval_sla_hours) == (3, 48)
    assert dict(p.collection.classification_over_days) == {
        "special_mention": 0,
        "substandard": 90,
        "doubtful": 270,
        "loss": 360,
    }
    assert list(p.collection.provision_rates) == list(CLASS_ORDER)
    assert (p.collection.penalty_day_basis, p.collection.chunk_size) == (360, 5000)
    assert p.collection.escalation_steps[0] == ("overdue_notice", 1)
    assert (p.collection.conduct.contact_start, p.collection.conduct.contact_end) == (time(8), time(22))
    assert (p.collection.conduct.max_connected_calls, p.collection.conduct.max_dial_attempts) == (3, 6)
    assert (p.care.complaint_ack_business_days, p.care.complaint_resolve_days, p.care.holidays) == (1, 15, frozenset())
    assert (p.documents.max_per_application, p.documents.max_bytes_per_application) == (40, 200 * 1024 * 1024)
    assert (p.documents.max_per_uploader_per_day, p.documents.max_image_pixels) == (200, 60_000_000)
    assert p.servicing.overpayment_tolerance == Decimal("1000.00")


def test_settings_are_typed_merged_and_reread_when_they_change(settings):
    settings.UNDERWRITING = {"APR_CAP": "0.18", "COMMITTEE_SIZE": "5"}
    settings.COLLECTION = {
        "CLASSIFICATION_OVER_DAYS": {"substandard": 60},
        "PROVISION_RATES": {"loss": 1},
        "CONDUCT": {"CONTACT_START": "09:30"},
        "ESCALATION_STEPS": [["overdue_notice", 2]],
    }
    settings.CUSTOMER_CARE = {"HOLIDAYS": ["2026-10-01"], "WORKING_WEEKENDS": [date(2026, 10, 10)]}
    p = policy()
    assert (p.underwriting.apr_cap, p.underwriting.committee_size) == (Decimal("0.18"), 5)
    assert p.collection.classification_over_days["substandard"] == 60
    assert p.collection.classification_over_days["doubtful"] == 270  # the rest keep their defaults
    assert p.collection.provision_rates["loss"] == Decimal("1") and p.collection.escalation_steps == (
        ("overdue_notice", 2),
    )
    assert (p.collection.conduct.contact_start, p.collection.conduct.max_dial_attempts) == (time(9, 30), 6)
    assert (p.care.holidays, p.care.working_weekends) == ({date(2026, 10, 1)}, {date(2026, 10, 10)})
    settings.UNDERWRITING = {}
    assert policy().underwriting.apr_cap == Decimal("0.24")
    with pytest.raises(AttributeError):
        policy().underwriting.apr_cap = Decimal("1")  # frozen


@pytest.mark.parametrize(
    "name,value,says",
    [
        ("UNDERWRITING", {"APR_CAP": "a lot"}, "UNDERWRITING[APR_CAP]"),
        ("UNDERWRITING", {"APR_CAP": "1.5"}, "at most 1"),
        ("UNDERWRITING", {"COMMITEE_SIZE": 3}, "unknown key(s) COMMITEE_SIZE"),
        ("UNDERWRITING", {"COMMITTEE_SIZE": True}, "COMMITTEE_SIZE"),
        ("COLLECTION", {"CLASSIFICATION_OVER_DAYS": {"doubtful": 30}}, "CLASSIFICATION_OVER_DAYS"),
        ("COLLECTION", {"PROVISION_RATES": {"loss": "1.5"}}, "PROVISION_RATES"),
        ("COLLECTION", {"CONDUCT": {"CONTACT_START": "23:00"}}, "CONDUCT.CONTACT_END"),
        ("COLLECTION", {"CONDUCT": {"QUIET": 1}}, "CONDUCT.QUIET"),
        ("COLLECTION", {"ESCALATION_STEPS": [["a", 5], ["b", 3]]}, "ESCALATION_STEPS"),
        ("CUSTOMER_CARE", {"HOLIDAYS": "2026-10-01"}, "HOLIDAYS"),
        ("CUSTOMER_CARE", {"WORKING_WEEKENDS": ["2026-10-12"]}, "Saturdays or Sundays"),
        ("CUSTOMER_CARE", {"REVIEW_DUE_DAYS": -1}, "REVIEW_DUE_DAYS"),
        ("DOCUMENTS", {"MAX_PER_APPLICATION": 0}, "DOCUMENTS[MAX_PER_APPLICATION] must be at least 1"),
        ("DOCUMENTS", {"MAX_IMAGE_PIXELS": "many"}, "DOCUMENTS[MAX_IMAGE_PIXELS]"),
        ("SERVICING", {"OVERPAYMENT_TOLERANCE": "-1"}, "SERVICING[OVERPAYMENT_TOLERANCE] must be an amount of 0"),
        ("SERVICING", {"OVERPAYMENT_TOLERANCE": "lots"}, "SERVICING[OVERPAYMENT_TOLERANCE]"),
    ],
)
def test_a_bad_setting_is_refused_naming_it_and_check_reports_it(settings, name, value, says):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured) as exc:
        policy()
    assert says in str(exc.value)
    from django.core.management.base import SystemCheckError

    with pytest.raises(SystemCheckError, match="microloan.E001"):
        call_command("check")
