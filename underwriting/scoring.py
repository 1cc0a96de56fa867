"""A transparent points scorecard. The weights, bands and grades are data (a Scorecard row's
``config``); this module only reads them. Pure functions, so results are easy to check by hand."""

from dataclasses import dataclass
from decimal import Decimal

DEFAULT_CONFIG: dict = {
    "base": 300,
    "characteristics": [
        {
            "name": "segment",
            "reason": "segment_risk",
            "type": "category",
            "points": {"salaried": 35, "small_business": 30, "farmer": 25, "urban_low_income": 15},
        },
        {"name": "age", "reason": "age", "type": "bands", "bands": [[18, 10], [25, 25], [35, 30], [51, 20], [61, 5]]},
        {
            "name": "years_in_business",
            "reason": "income_stability",
            "type": "bands",
            "bands": [[0, 5], [1, 15], [3, 25], [6, 35]],
        },
        {
            "name": "dsr",
            "reason": "dsr_high",
            "type": "bands",
            "bands": [["0", 40], ["0.3", 25], ["0.5", 10], ["0.7", 0]],
        },
        {
            "name": "overdue_count_24m",
            "reason": "credit_overdue",
            "type": "bands",
            "bands": [[0, 40], [1, 20], [3, 5], [6, 0]],
        },
        {
            "name": "worst_status_24m",
            "reason": "credit_worst_status",
            "type": "category",
            "points": {"none": 30, "1-30": 20, "31-60": 5, "61-90": 0, "90+": 0},
        },
        {"name": "inquiries_6m", "reason": "credit_inquiries", "type": "bands", "bands": [[0, 15], [3, 8], [6, 0]]},
        {
            "name": "purpose_verified",
            "reason": "purpose_unverified",
            "type": "category",
            "points": {"true": 25, "false": 0},
        },
        {
            "name": "guarantee_type",
            "reason": "no_security",
            "type": "category",
            "points": {"collateral": 30, "pledge": 25, "guarantor": 20, "credit": 10},
        },
    ],
    # Highest first; the first band whose minimum the score reaches gives the grade.
    "grades": [
        {"grade": "A", "min": 520, "rate_spread": "0.00", "amount_factor": "1.00"},
        {"grade": "B", "min": 470, "rate_spread": "0.02", "amount_factor": "1.00"},
        {"grade": "C", "min": 420, "rate_spread": "0.04", "amount_factor": "0.80"},
        {"grade": "D", "min": 370, "rate_spread": "0.06", "amount_factor": "0.60"},
        {"grade": "E", "min": 0, "decline": True},
    ],
    "policy": {"dsr_limit": "0.50", "reason_codes_shown": 3},
}


class ScorecardConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ScoreResult:
    score: int
    grade: str
    points: dict[str, int]
    reason_codes: list[str]
    grade_spec: dict


def validate_config(config: dict) -> None:
    """Refuses a config an administrator could not have meant (so a bad edit never scores)."""
    try:
        int(config["base"])
        names = set()
        for c in config["characteristics"]:
            if c["name"] in names:
                raise ScorecardConfigError(f"characteristic {c['name']} appears twice")
            names.add(c["name"])
            if c["type"] == "category":
                if not c["points"] or not all(isinstance(v, int) for v in c["points"].values()):
                    raise ScorecardConfigError(f"{c['name']}: points must be whole numbers")
            elif c["type"] == "bands":
                lows = [Decimal(str(lo)) for lo, _ in c["bands"]]
                if lows != sorted(lows) or len(set(lows)) != len(lows):
                    raise ScorecardConfigError(f"{c['name']}: band lower bounds must increase")
                if not all(isinstance(p, int) for _, p in c["bands"]):
                    raise ScorecardConfigError(f"{c['name']}: points must be whole numbers")
            else:
                raise ScorecardConfigError(f"{c['name']}: unknown type {c['type']}")
            if not c.get("reason"):
                raise ScorecardConfigError(f"{c['name']}: a reason code is required")
        mins = [g["min"] for g in config["grades"]]
        if mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ScorecardConfigError("grades must be ordered by decreasing minimum, ending at 0")
        Decimal(config["policy"]["dsr_limit"])
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, ScorecardConfigError):
            raise
        raise ScorecardConfigError(f"malformed scorecard: {exc!r}") from None


def _key(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def characteristic_points(c: dict, value) -> int:
    if c["type"] == "category":
        return int(c["points"].get(_key(value), 0))
    v = Decimal(str(value))
    points = c["bands"][0][1]
    for low, pts in c["bands"]:
        if v >= Decimal(str(low)):
            points = pts
    return int(points)


def max_points(c: dict) -> int:
    values = c["points"].values() if c["type"] == "category" else (p for _, p in c["bands"])
    return max(values)


def score(config: dict, inputs: dict) -> ScoreResult:
    """``inputs`` maps each characteristic's name to the applicant's value."""
    points = {c["name"]: characteristic_points(c, inputs[c["name"]]) for c in config["characteristics"]}
    total = int(config["base"]) + sum(points.values())
    grade = next(g for g in config["grades"] if total >= g["min"])
    # Reason codes: the characteristics that cost the most points against their best band.
    shortfalls = sorted(
        ((max_points(c) - points[c["name"]], c["reason"]) for c in config["characteristics"]),
        key=lambda t: (-t[0], t[1]),
    )
    shown = int(config.get("policy", {}).get("reason_codes_shown", 3))
    reasons = [reason for gap, reason in shortfalls if gap > 0][:shown]
    return ScoreResult(score=total, grade=grade["grade"], points=points, reason_codes=reasons, grade_spec=grade)
