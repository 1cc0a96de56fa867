"""Scorecard arithmetic on hand-computed cases (DEFAULT_CONFIG)."""

from decimal import Decimal

import pytest

from underwriting.scoring import DEFAULT_CONFIG, ScorecardConfigError, score, validate_config

GOOD = {
    "segment": "salaried",
    "age": 38,
    "years_in_business": 4,
    "dsr": Decimal("0.357"),
    "overdue_count_24m": 0,
    "worst_status_24m": "none",
    "inquiries_6m": 4,
    "purpose_verified": True,
    "guarantee_type": "credit",
}


def test_good_applicant_hand_computed():
    # 300 base + 35 segment + 30 age + 25 stability + 25 dsr + 40 overdue + 30 worst + 8 inquiries
    # + 25 purpose + 10 guarantee = 528 -> grade A (min 520)
    r = score(DEFAULT_CONFIG, GOOD)
    assert r.score == 528 and r.grade == "A"
    # shortfalls: guarantee 20, dsr 15, stability 10, inquiries 7
    assert r.reason_codes == ["no_security", "dsr_high", "income_stability"]


def test_weak_applicant_hand_computed():
    weak = {
        **GOOD,
        "segment": "urban_low_income",
        "years_in_business": 0,
        "dsr": Decimal("0.785"),
        "overdue_count_24m": 3,
        "worst_status_24m": "31-60",
        "inquiries_6m": 7,
        "purpose_verified": False,
    }
    # 300 + 15 + 30 + 5 + 0 + 5 + 5 + 0 + 0 + 10 = 370 -> D (min 370)
    r = score(DEFAULT_CONFIG, weak)
    assert r.score == 370 and r.grade == "D"
    assert r.reason_codes == ["dsr_high", "credit_overdue", "income_stability"]


@pytest.mark.parametrize("dsr,points", [("0", 40), ("0.2999", 40), ("0.3", 25), ("0.5", 10), ("0.7", 0), ("3", 0)])
def test_band_edges_are_inclusive_lower_bounds(dsr, points):
    assert score(DEFAULT_CONFIG, {**GOOD, "dsr": Decimal(dsr)}).points["dsr"] == points


def test_a_perfect_applicant_has_no_reason_codes():
    best = {**GOOD, "years_in_business": 10, "dsr": Decimal("0.1"), "inquiries_6m": 0, "guarantee_type": "collateral"}
    r = score(DEFAULT_CONFIG, best)
    assert r.reason_codes == [] and r.score == 300 + 35 + 30 + 35 + 40 + 40 + 30 + 15 + 25 + 30


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: c["characteristics"][1]["bands"].reverse(),
        lambda c: c["grades"].reverse(),
        lambda c: c["characteristics"].append(dict(c["characteristics"][0])),
        lambda c: c["characteristics"][0].update(type="magic"),
        lambda c: c.pop("base"),
        lambda c: c["characteristics"][0].update(reason=""),
    ],
)
def test_malformed_configs_are_refused(mutate):
    import copy

    config = copy.deepcopy(DEFAULT_CONFIG)
    mutate(config)
    with pytest.raises(ScorecardConfigError):
        validate_config(config)


def test_default_config_is_valid():
    validate_config(DEFAULT_CONFIG)
