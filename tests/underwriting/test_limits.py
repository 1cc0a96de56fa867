"""The APR cap and the exposure cap give one answer at assessment, decision and disbursement,
through the API and through the services alike (underwriting/limits.py)."""

from decimal import Decimal

import pytest

from applications.models import ApplicationStatus
from servicing import services as servicing
from servicing.disbursement import disbursement_prepare
from servicing.services import quote
from underwriting import services as underwriting
from underwriting.limits import LimitExceeded, apr_cap_check, borrower_exposure, exposure_cap_check

from ..applications.factories import ApplicationFactory, BorrowerFactory
from ..conftest import client_for
from .conftest import ASSESSMENT, BUSINESS_DATE, INVESTIGATION, submitted_app

pytestmark = pytest.mark.django_db

AMOUNT, RATE = Decimal("10000.00"), Decimal("0.0500")
ALREADY_APPROVED = Decimal("30000.00")  # another application of the borrower's, approved, not paid out
BUREAU_DEBT = "1000000.00"  # owed to other lenders: not this lender's exposure
# The borrower as the credit report shows them: heavy debts elsewhere, instalments within capacity.
CREDIT = {**ASSESSMENT, "current_debt": BUREAU_DEBT}
APPROVE = {"decision": "approve", "approved_amount": str(AMOUNT), "approved_term": 12, "approved_rate": str(RATE)}
DISBURSE = {
    "disbursed_on": BUSINESS_DATE.isoformat(),
    "channel": "bank_transfer",
    "reference": "TX-9",
    "beneficiary_account": "6222020200112233445",
}
FIELD_CODE = {"approved_rate": "apr_cap", "approved_amount": "exposure_cap"}


def _post(user, app, action, body):
    return client_for(user).post(f"/api/v1/applications/{app.pk}/{action}/", body, format="json")


def _situation(officer, reviewer, approver, product, stage: str):
    """A borrower with an approved 30,000 elsewhere in the book and 1,000,000 of bureau debt,
    asking for 10,000 over 12 months at the product's 5%, brought (under the default caps)
    to just before ``stage``."""
    borrower = BorrowerFactory(
        branch=officer.branch, segment="salaried", years_in_business=4, monthly_income=Decimal("8000.00")
    )
    ApplicationFactory(
        borrower=borrower,
        product=product,
        created_by=officer,
        amount=ALREADY_APPROVED,
        approved_amount=ALREADY_APPROVED,
        status=ApplicationStatus.APPROVED,
    )
    app = submitted_app(officer, product, borrower=borrower, amount=str(AMOUNT))
    assert _post(officer, app, "investigation", INVESTIGATION).status_code == 200
    if stage == "assessment":
        return app
    assert _post(officer, app, "assessment", CREDIT).data["assessment"]["hard_rule_failures"] == []
    assert _post(reviewer, app, "review", {"opinion": "recommend"}).status_code == 200
    if stage == "decision":
        return app
    assert _post(approver, app, "decision", APPROVE).status_code == 200
    servicing.contract_generate(actor=officer, application=app)
    servicing.contract_sign(actor=officer, application=app)
    return app


def _answer(stage: str, via: str, app, *, officer, approver):
    """None when the stage lets the loan through the cap, else (code, message)."""
    if via == "api":
        if stage == "assessment":
            failures = _post(officer, app, "assessment", CREDIT).data["assessment"]["hard_rule_failures"]
            caps = [(f["code"], f["message"]) for f in failures if f["code"] in FIELD_CODE.values()]
            assert len(caps) <= 1 and len(caps) == len(failures), failures
            return caps[0] if caps else None
        r = (
            _post(approver, app, "decision", APPROVE)
            if stage == "decision"
            else _post(officer, app, "disburse", DISBURSE)
        )
        if r.status_code in (200, 201, 202):
            return None
        assert r.status_code == 400, r.data
        ((field, (message,)),) = r.data.items()
        return FIELD_CODE[field], message
    try:
        if stage == "assessment":
            a = underwriting.application_assess(
                actor=officer,
                application=app,
                **{k: (Decimal(v) if isinstance(v, str) and k != "worst_status_24m" else v) for k, v in CREDIT.items()},
            )
            return next(((f["code"], f["message"]) for f in a.hard_rule_failures), None)
        if stage == "decision":
            underwriting.application_decide(
                actor=approver,
                application=app,
                decision="approve",
                approved_amount=AMOUNT,
                approved_term=12,
                approved_rate=RATE,
            )
        else:
            disbursement_prepare(
                actor=officer,
                application=app,
                disbursed_on=BUSINESS_DATE,
                channel="bank_transfer",
                beneficiary_account="6222020200112233445",
            )
    except LimitExceeded as exc:
        return exc.code, exc.message
    return None


APR = quote(
    principal=AMOUNT, annual_rate=RATE, term=12, frequency="monthly", method="annuity", disbursement_date=BUSINESS_DATE
).apr


@pytest.mark.parametrize(
    "cap,side,setting,expected",
    [
        (
            "apr",
            "over",
            {"APR_CAP": str(APR - Decimal("0.0001"))},
            ("apr_cap", f"The APR {APR} exceeds the cap of {APR - Decimal('0.0001')}."),
        ),
        ("apr", "at", {"APR_CAP": str(APR)}, None),
        # 30,000 approved + 10,000 asked for: the bureau's 1,000,000 at other lenders does not count.
        (
            "exposure",
            "over",
            {"EXPOSURE_CAP": "39999.99"},
            ("exposure_cap", "Exposure 30000.00 plus 10000.00 exceeds the per-borrower cap of 39999.99."),
        ),
        ("exposure", "at", {"EXPOSURE_CAP": "40000.00"}, None),
    ],
)
def test_each_cap_gives_the_same_answer_at_assessment_decision_and_disbursement(
    settings, officer, reviewer, approver, uw_product, cap, side, setting, expected
):
    answers = {}
    for stage in ("assessment", "decision", "disbursement"):
        for via in ("api", "service"):
            settings.UNDERWRITING = {}
            app = _situation(officer, reviewer, approver, uw_product, stage)
            settings.UNDERWRITING = setting
            answers[stage, via] = _answer(stage, via, app, officer=officer, approver=approver)
    assert answers == dict.fromkeys(answers, expected)


def test_the_cap_functions_allow_equal_and_refuse_a_cent_more(settings, officer, uw_product):
    settings.UNDERWRITING = {"APR_CAP": "0.2400", "EXPOSURE_CAP": "40000.00"}
    apr_cap_check(Decimal("0.2400"))
    with pytest.raises(LimitExceeded) as exc:
        apr_cap_check(Decimal("0.2401"))
    assert (exc.value.code, exc.value.errors) == (
        "apr_cap",
        {"approved_rate": ["The APR 0.2401 exceeds the cap of 0.2400."]},
    )
    app = submitted_app(officer, uw_product, amount="40000.00")
    assert borrower_exposure(borrower=app.borrower, exclude_pk=app.pk) == Decimal("0.00")
    exposure_cap_check(borrower=app.borrower, amount=app.amount, application=app)
    with pytest.raises(LimitExceeded) as exc:
        exposure_cap_check(borrower=app.borrower, amount=app.amount + Decimal("0.01"), application=app)
    assert exc.value.code == "exposure_cap" and list(exc.value.errors) == ["approved_amount"]
    # Without the application left out, its own amount is not counted twice: it is not yet approved.
    exposure_cap_check(borrower=app.borrower, amount=app.amount)


def test_other_lenders_instalments_weigh_in_capacity_not_in_exposure(officer, uw_product):
    """The bureau's instalments raise the existing instalments the DSR is computed from."""
    app = submitted_app(officer, uw_product)
    _post(officer, app, "investigation", INVESTIGATION)
    a = _post(
        officer, app, "assessment", {**ASSESSMENT, "current_debt": BUREAU_DEBT, "current_installments": "2500.00"}
    ).data["assessment"]
    # DSR = (2500 + 856.12) / 8000, not (2000 + 856.12) / 8000 as the officer's figure alone gives.
    assert (a["existing_installments"], a["dsr"]) == ("2500.00", "0.4195")
    assert a["max_affordable_installment"] == "1500.00"  # min(8000*0.5-2500, 8000-3000-2500)
    assert [f["code"] for f in a["hard_rule_failures"]] == []
