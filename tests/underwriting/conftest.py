from decimal import Decimal

import pytest

from microloan.business_date import business_date_set
from microloan.models import Role

from ..applications.factories import ProductFactory
from ..kernel.factories import UserFactory

# submitted_app and to_pending: other packages' fixtures and tests import them from here.
from .factories import BUSINESS_DATE, FIGURES, VISIT, api_body, submitted_app, to_pending  # noqa: F401

# The request bodies of the investigation and assessment endpoints (to_pending gives the
# services the same figures, typed).
INVESTIGATION = api_body(VISIT)
ASSESSMENT = api_body(FIGURES)


@pytest.fixture(autouse=True)
def fixed_business_date(db):
    business_date_set(value=BUSINESS_DATE)


@pytest.fixture
def reviewer(branch):
    return UserFactory(username="reviewer_a", role=Role.REVIEWER, branch=branch)


@pytest.fixture
def approver(branch):
    return UserFactory(username="approver_a", role=Role.MANAGER, branch=branch, approval_limit=Decimal("50000.00"))


@pytest.fixture
def uw_product(db):
    return ProductFactory(
        code="UW",
        max_amount=Decimal("300000.00"),
        min_rate=Decimal("0.05"),
        max_rate=Decimal("0.20"),
        fee_rate=Decimal("0"),
    )
