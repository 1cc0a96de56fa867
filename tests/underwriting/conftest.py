from datetime import date
from decimal import Decimal

import pytest

from applications.models import DocumentStatus
from microloan.business_date import business_date_set
from microloan.models import Role

from ..conftest import client_for
from ..factories import ApplicationFactory, BorrowerFactory, DocumentFactory, ProductFactory, UserFactory

BUSINESS_DATE = date(2026, 11, 20)


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
    return ProductFactory(code="UW", max_amount=Decimal("300000.00"), min_rate=Decimal("0.05"),
                          max_rate=Decimal("0.20"), fee_rate=Decimal("0"))


def submitted_app(officer, product, *, amount="10000.00", borrower=None, **borrower_kw):
    borrower = borrower or BorrowerFactory(**{"branch": officer.branch, "segment": "salaried",
                                              "years_in_business": 4, "monthly_income": Decimal("8000.00"),
                                              **borrower_kw})
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer, amount=Decimal(amount),
                             term=12, status="submitted")
    for kind in product.required_documents:
        DocumentFactory(application=app, kind=kind, status=DocumentStatus.ACCEPTED)
    return app


INVESTIGATION = {"visited_on": "2026-11-18", "findings": "Shop open, stock matches", "purpose_verified": True}
ASSESSMENT = {"monthly_income": "8000.00", "monthly_expenses": "3000.00", "existing_installments": "2000.00",
              "overdue_count_24m": 0, "worst_status_24m": "none", "inquiries_6m": 4, "current_debt": "0.00"}


def to_pending(app, officer, reviewer):
    o, r = client_for(officer), client_for(reviewer)
    assert o.post(f"/api/v1/applications/{app.pk}/investigation/", INVESTIGATION, format="json").status_code == 200
    res = o.post(f"/api/v1/applications/{app.pk}/assessment/", ASSESSMENT, format="json")
    assert res.status_code == 200, res.content
    res = r.post(f"/api/v1/applications/{app.pk}/review/", {"opinion": "recommend"}, format="json")
    assert res.status_code == 200, res.content
    app.refresh_from_db()
    assert app.status == "pending_approval"
    return app
