"""GET /api/v1/me/export/: the signed-in borrower's own data as one JSON document — the
profile in clear, applications, documents' metadata, consents, notifications, loans with
schedules and repayments, complaints — in a constant number of queries, audited (no values)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microloan import scenarios
from microloan.business_date import business_date_set
from microloan.models import AuditEvent, Role
from microloan.notifications.models import Notification

from ..care.factories import ComplaintFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory
from ..servicing.factories import LoanFactory
from .factories import DocumentFactory

ON = date(2026, 11, 20)
PATH = "/api/v1/me/export/"


@pytest.fixture(autouse=True)
def biz_date(db):
    business_date_set(value=ON)


@pytest.fixture
def cashier(branch):
    return UserFactory(username="cashier_e", role=Role.OFFICER, branch=branch)


def _loan(officer, borrower, cashier):
    loan = LoanFactory(officer=officer, borrower=borrower, on=ON)
    scenarios.repayment_made(loan, cashier=cashier, amount="500.00", on=ON)
    return loan


def test_the_export_holds_the_borrowers_own_data_in_clear(officer, borrower, borrower_user, cashier, other_branch):
    # given
    borrower.address = "北京市朝阳区建国路88号"
    borrower.save(update_fields=["address"])
    loan = _loan(officer, borrower, cashier)
    ComplaintFactory(borrower=borrower)
    Notification.objects.create(user=borrower_user, channel="in_app", body="您的还款已入账", kind="repayment")
    Notification.objects.create(channel="sms", to_address="13800000000", body="not theirs", kind="x")
    someone_else = LoanFactory(officer=UserFactory(branch=other_branch, role=Role.OFFICER))
    # when
    r = client_for(borrower_user).get(PATH)
    # then
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    data = r.json()
    assert data["profile"]["id_number"] == borrower.id_number and data["profile"]["address"] == borrower.address
    assert data["profile"]["mobile"] == borrower.mobile
    assert [a["id"] for a in data["applications"]] == [loan.application_id]
    assert {d["kind"] for d in data["documents"]} >= set(loan.product.required_documents)
    assert "file" not in data["documents"][0]
    assert {c["purpose"] for c in data["consents"]} == {"credit_inquiry", "data_processing"}
    assert "file" not in data["consents"][0] and data["consents"][0]["sha256"]
    assert len(data["credit_records"]) == 1
    (exported,) = data["loans"]
    assert exported["id"] == loan.pk and exported["principal"] == "10000.00"
    assert len(exported["schedule"]) == 12 and exported["schedule"][0]["due_date"].startswith("2026-12")
    assert [p["amount"] for p in exported["repayments"]] == ["500.00"]
    assert [c["category"] for c in data["complaints"]] == ["fees"]
    bodies = [n["body"] for n in data["notifications"]]
    assert "您的还款已入账" in bodies and "not theirs" not in bodies  # the repayment's SMS is theirs too
    assert someone_else.pk not in {x["id"] for x in data["loans"]}


def test_the_export_is_audited_without_values(borrower, borrower_user):
    client_for(borrower_user).get(PATH)
    event = AuditEvent.objects.get(entity="borrower", entity_id=borrower.pk, action="export")
    assert event.actor == borrower_user
    assert set(event.data) == {"sections"} and "profile" in event.data["sections"]
    assert borrower.id_number not in str(event.data) and borrower.full_name not in str(event.data)


def test_only_a_borrower_exports_and_only_their_own(officer, borrower, branch):
    assert client_for(officer).get(PATH).status_code == 403
    unlinked = UserFactory(username="nobody_e", role=Role.BORROWER, branch=branch)
    assert client_for(unlinked).get(PATH).status_code == 403


def test_the_export_makes_constant_queries(officer, borrower, borrower_user, cashier):
    # given one loan with a repayment, a document and a complaint
    _loan(officer, borrower, cashier)
    ComplaintFactory(borrower=borrower)
    client = client_for(borrower_user)
    with CaptureQueriesContext(connection) as one:
        assert client.get(PATH).status_code == 200
    # when there are three loans, more documents and complaints
    for _ in range(2):
        loan = _loan(officer, borrower, cashier)
        DocumentFactory(application=loan.application)
        ComplaintFactory(borrower=borrower)
    with CaptureQueriesContext(connection) as three:
        r = client.get(PATH)
    # then
    assert len(r.json()["loans"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_amounts_are_decimal_strings(officer, borrower, borrower_user, cashier):
    _loan(officer, borrower, cashier)
    data = client_for(borrower_user).get(PATH).json()
    assert Decimal(data["loans"][0]["annual_rate"]) > 0 and isinstance(data["loans"][0]["annual_rate"], str)
    assert isinstance(data["profile"]["monthly_income"], str)
