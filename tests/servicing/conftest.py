from datetime import date
from decimal import Decimal

import pytest

from microloan import scenarios
from microloan.business_date import business_date_set
from microloan.models import Role

from ..applications.factories import ProductFactory
from ..kernel.factories import UserFactory
from ..underwriting.factories import submitted_app, to_pending

BUSINESS_DATE = date(2026, 11, 20)


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
        approved_amount=Decimal("10000.00"),
        approved_term=12,
        approved_rate=Decimal("0.1200"),
    )


@pytest.fixture
def loan(officer, approved_app):
    """A disbursed 10,000.00 loan: 12 monthly annuity instalments at 12% from 2026-11-20."""
    from servicing import services

    services.contract_generate(actor=officer, application=approved_app)
    services.contract_sign(actor=officer, application=approved_app)
    return services.loan_disburse(
        actor=officer, application=approved_app, disbursed_on=BUSINESS_DATE, channel="bank_transfer", reference="TX-1"
    )


@pytest.fixture
def cashier(branch):
    return UserFactory(username="cashier_s", role=Role.OFFICER, branch=branch)
