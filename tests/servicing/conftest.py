from datetime import date
from decimal import Decimal

import pytest

from microloan import scenarios
from microloan.business_date import business_date_set
from microloan.lending.schedule import build_schedule
from microloan.models import Role

from ..applications.factories import ProductFactory
from ..kernel.factories import UserFactory
from ..underwriting.factories import submitted_app, to_pending

BUSINESS_DATE = date(2026, 11, 20)
# What the fixture application is approved for (the loan: 10,000.00 over 12 months at 12%).
APPROVED_TERMS = dict(approved_amount=Decimal("10000.00"), approved_term=12, approved_rate=Decimal("0.1200"))


def approved_schedule(*, on: date = BUSINESS_DATE, fee: Decimal = Decimal("100.00")):
    """The schedule of those terms (annuity, monthly) from ``on`` with ``fee``: the fixture
    loan's own by default (sv_product's 1 % fee)."""
    return build_schedule(
        principal=APPROVED_TERMS["approved_amount"],
        annual_rate=APPROVED_TERMS["approved_rate"],
        term=APPROVED_TERMS["approved_term"],
        frequency="monthly",
        method="annuity",
        disbursement_date=on,
        fee=fee,
    )


@pytest.fixture
def biz_date(db):
    business_date_set(value=BUSINESS_DATE)
    return BUSINESS_DATE


@pytest.fixture
def reviewer(branch):
    return UserFactory(username="reviewer_s", role=Role.REVIEWER, branch=branch)


@pytest.fixture
def approver(branch):
    return UserFactory(username="approver_s", role=Role.MANAGER, branch=branch, approval_limit=Decimal("50000.00"))


@pytest.fixture
def sv_product(db):
    return ProductFactory(
        code="SV", min_rate=Decimal("0.05"), max_rate=Decimal("0.20"), fee_rate=Decimal("0.01"), grace_days=3
    )


@pytest.fixture
def approved_app(biz_date, officer, reviewer, approver, sv_product):
    app = to_pending(submitted_app(officer, sv_product), officer, reviewer)
    return scenarios.application_approved(
        app,
        officer=officer,
        reviewer=reviewer,
        approver=approver,
        on=biz_date,
        **APPROVED_TERMS,
    )


@pytest.fixture
def supervisor(branch):
    """作业监督岗: releases the disbursements officers prepare."""
    return UserFactory(username="supervisor_s", role=Role.SUPERVISOR, branch=branch)


@pytest.fixture
def loan(officer, reviewer, approver, supervisor, approved_app):
    """A disbursed 10,000.00 loan: 12 monthly annuity instalments at 12% from 2026-11-20,
    prepared by the officer and released by the operations supervisor."""
    return scenarios.loan_disbursed(
        approved_app,
        officer=officer,
        reviewer=reviewer,
        approver=approver,
        releaser=supervisor,
        on=BUSINESS_DATE,
        reference="TX-1",
    )


@pytest.fixture
def cashier(branch):
    return UserFactory(username="cashier_s", role=Role.OFFICER, branch=branch)
