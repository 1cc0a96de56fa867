"""Quote, contract, signing and disbursement through the API, on a balanced ledger."""

import subprocess
from datetime import timedelta
from decimal import Decimal

import pytest

from applications.models import ApplicationStatus
from microloan.ledger import Acct, balances_by_loan, trial_balance
from microloan.models import Role
from servicing.models import Contract, Disbursement, Installment, Loan

from ..applications.factories import BorrowerFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory
from .conftest import BUSINESS_DATE, approved_schedule

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


def post(user, app, action, body=None, **headers):
    return client_for(user).post(f"/api/v1/applications/{app.pk}/{action}/", body or {}, format="json", **headers)


DISBURSE = {
    "disbursed_on": BUSINESS_DATE.isoformat(),
    "channel": "bank_transfer",
    "reference": "TX-001",
    "beneficiary_account": "6222 0202 0011 2233 445",
}


def released(officer, supervisor, app, body=None, **headers):
    """The maker-checker pair through the API: the officer prepares, the supervisor releases."""
    prepared = post(officer, app, "disburse", body or DISBURSE)
    assert prepared.status_code == 202, prepared.content
    return post(supervisor, app, "release", **headers)


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


# --- quote -----------------------------------------------------------------------------


def test_quote_is_anonymous_and_matches_the_engine():
    from rest_framework.test import APIClient

    body = {
        "principal": "5000.00",
        "annual_rate": "0.1800",
        "term": 6,
        "frequency": "monthly",
        "method": "annuity",
        "disbursement_date": "2026-01-15",
        "fee": "0.00",
    }
    r = APIClient().post("/api/v1/quotes/", body, format="json")
    assert r.status_code == 200, r.content
    assert r.data["apr"] == "0.1800" and r.data["installments"][0]["total"] == "877.63"
    assert r.data["installments"][5]["total"] == "877.61" and r.data["total_principal"] == "5000.00"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"principal": "-1"}, "principal"),
        ({"term": 0}, "term"),
        ({"method": "balloon"}, "method"),
        ({"frequency": "daily"}, "frequency"),
        ({"fee": "6000.00"}, "fee"),
        ({"annual_rate": "abc"}, "annual_rate"),
        ({"disbursement_date": "2026-02-30"}, "disbursement_date"),
    ],
)
def test_quote_bad_input_names_the_field(body, field):
    from rest_framework.test import APIClient

    base = {"principal": "5000.00", "annual_rate": "0.18", "term": 6, "method": "annuity"}
    r = APIClient().post("/api/v1/quotes/", {**base, **body}, format="json")
    assert r.status_code == 400 and field in r.data, r.data


def test_quote_with_product_enforces_its_ranges(sv_product):
    from rest_framework.test import APIClient

    body = {"principal": "500.00", "annual_rate": "0.30", "term": 6, "method": "annuity", "product": sv_product.pk}
    r = APIClient().post("/api/v1/quotes/", body, format="json")
    assert r.status_code == 400 and "principal" in r.data and "annual_rate" in r.data


# --- contract and signing --------------------------------------------------------------


@pytest.mark.parametrize("language,title", [("zh-hans", "借款合同"), ("en", "Loan Contract")])
def test_contract_pdf_in_both_languages_has_parties_apr_and_every_instalment(officer, approved_app, language, title):
    r = post(officer, approved_app, "contract", {"language": language})
    assert r.status_code == 200, r.content
    assert r.data["status"] == "approved" and r.data["contract"]["version"] == 1
    pdf = client_for(officer).get(f"/api/v1/applications/{approved_app.pk}/contract.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    text = pdf_text(content)
    schedule = approved_schedule()
    assert title in text and approved_app.borrower.full_name in text and approved_app.borrower.id_number in text
    assert f"{schedule.apr * 100:.2f}%" in text
    for i in schedule.installments:
        assert i.due_date.isoformat() in text and f"{i.total:,.2f}" in text
    import hashlib

    assert Contract.objects.get(application=approved_app).sha256 == hashlib.sha256(content).hexdigest()


def test_regenerating_after_a_change_makes_a_new_version(officer, approved_app):
    assert post(officer, approved_app, "contract", {"language": "zh-hans"}).data["contract"]["version"] == 1
    assert post(officer, approved_app, "contract", {"language": "zh-hans"}).data["contract"]["version"] == 1
    assert post(officer, approved_app, "contract", {"language": "en"}).data["contract"]["version"] == 2
    assert Contract.objects.filter(application=approved_app).count() == 2


def test_sign_needs_a_contract_and_records_who_when_how(officer, approved_app):
    r = post(officer, approved_app, "sign")
    assert r.status_code == 409 and "Generate the contract" in r.data["detail"]
    post(officer, approved_app, "contract")
    # Electronic signing is the borrower's own, in the app (tests/servicing/test_esign.py).
    assert post(officer, approved_app, "sign", {"method": "electronic"}).status_code == 400
    r = post(officer, approved_app, "sign", {"method": "in_person"})
    assert r.status_code == 200 and r.data["status"] == "contracted"
    c = Contract.objects.get(application=approved_app)
    assert c.signed_by == officer and c.sign_method == "in_person" and c.signed_at is not None
    assert c.signed_sha256 == c.sha256


# --- disbursement ----------------------------------------------------------------------


def contracted(officer, app):
    post(officer, app, "contract")
    assert post(officer, app, "sign").status_code == 200
    return app


def test_disbursement_creates_the_loan_schedule_and_journal(officer, supervisor, approved_app):
    contracted(officer, approved_app)
    r = released(officer, supervisor, approved_app)
    assert r.status_code == 201, r.content
    loan = Loan.objects.get(pk=r.data["loan"])
    assert (loan.principal, loan.fee, loan.disbursed_amount) == (
        Decimal("10000.00"),
        Decimal("100.00"),
        Decimal("9900.00"),
    )
    assert loan.penalty_rate == Decimal("0.18")  # contract rate × 1.5 by default
    expected = approved_schedule()
    rows = list(Installment.objects.filter(loan=loan).order_by("number"))
    assert [(i.due_date, i.principal_due, i.interest_due) for i in rows] == [
        (e.due_date, e.principal, e.interest) for e in expected.installments
    ]
    assert loan.apr == expected.apr and loan.maturity_date == expected.installments[-1].due_date
    bal = balances_by_loan(loan_ids=[loan.pk], account_codes=[Acct.LOAN_PRINCIPAL, Acct.CASH, Acct.FEE_INCOME])
    assert bal[loan.pk][Acct.LOAN_PRINCIPAL] == Decimal("10000.00")
    tb = trial_balance()
    assert tb["balanced"] and tb["total_debit"] == Decimal("10000.00")
    approved_app.refresh_from_db()
    assert approved_app.status == "disbursed"


def test_disbursement_without_signature_is_409_with_reason(officer, approved_app):
    post(officer, approved_app, "contract")
    r = post(officer, approved_app, "disburse", DISBURSE)
    assert r.status_code == 409 and r.data["status"] == "approved" and "signed" in r.data["detail"]
    assert Loan.objects.count() == 0


@pytest.mark.parametrize("status", [s.value for s in ApplicationStatus if s.value != "contracted"])
def test_disbursement_refused_from_every_wrong_state(officer, approved_app, status):
    contracted(officer, approved_app)
    type(approved_app).objects.filter(pk=approved_app.pk).update(status=status)
    r = post(officer, approved_app, "disburse", DISBURSE)
    assert r.status_code == 409 and r.data["status"] == status
    assert Loan.objects.count() == 0


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COLLECTOR, Role.AUDITOR])
def test_disbursement_refused_for_other_roles(branch, officer, approved_app, role):
    contracted(officer, approved_app)
    r = post(UserFactory(role=role, branch=branch), approved_app, "disburse", DISBURSE)
    assert r.status_code == 403 and Loan.objects.count() == 0


@pytest.mark.parametrize(
    "body,field",
    [
        ({"disbursed_on": (BUSINESS_DATE + timedelta(days=1)).isoformat()}, "disbursed_on"),
        ({"disbursed_on": "2020-01-01"}, "disbursed_on"),
        ({"channel": ""}, "channel"),
        ({"disbursed_on": "not-a-date"}, "disbursed_on"),
    ],
)
def test_disbursement_bad_input_is_400_on_field(officer, approved_app, body, field):
    contracted(officer, approved_app)
    r = post(officer, approved_app, "disburse", {**DISBURSE, **body})
    assert r.status_code == 400 and field in r.data
    assert Loan.objects.count() == 0


def test_a_repeated_idempotency_key_prepares_once_and_creates_one_loan(officer, supervisor, approved_app):
    contracted(officer, approved_app)
    first = post(officer, approved_app, "disburse", DISBURSE, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(officer, approved_app, "disburse", DISBURSE, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 202
    assert first.data["disbursement"] == again.data["disbursement"] and Disbursement.objects.count() == 1
    other = post(officer, approved_app, "disburse", {**DISBURSE, "reference": "TX-002"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422
    one = post(supervisor, approved_app, "release", HTTP_IDEMPOTENCY_KEY="r-1")
    two = post(supervisor, approved_app, "release", HTTP_IDEMPOTENCY_KEY="r-1")
    assert one.status_code == two.status_code == 201 and one.data["loan"] == two.data["loan"]
    assert Loan.objects.count() == 1


# --- loans API -------------------------------------------------------------------------


def disbursed_loan(officer, app) -> Loan:
    contracted(officer, app)
    supervisor = UserFactory(role=Role.SUPERVISOR, branch=officer.branch)
    return Loan.objects.get(pk=released(officer, supervisor, app).data["loan"])


def test_loan_and_schedule_endpoints(officer, approved_app):
    loan = disbursed_loan(officer, approved_app)
    client = client_for(officer)
    r = client.get(f"/api/v1/loans/{loan.pk}/")
    assert r.status_code == 200
    for field in (
        "status",
        "principal",
        "outstanding_principal",
        "days_past_due",
        "overdue_amount",
        "penalty_outstanding",
        "bucket",
        "classification",
        "business_date",
    ):
        assert field in r.data
    assert (r.data["status"], r.data["principal"], r.data["bucket"], r.data["classification"]) == (
        "active",
        "10000.00",
        "current",
        "normal",
    )
    s = client.get(f"/api/v1/loans/{loan.pk}/schedule/")
    assert len(s.data["installments"]) == 12
    row = s.data["installments"][0]
    assert row["status"] == "due" and row["paid_principal"] == "0.00" and row["total"] == "888.49"


def test_borrowers_and_other_branches_never_see_a_loan(officer, approved_app, branch, other_branch):
    loan = disbursed_loan(officer, approved_app)
    stranger = UserFactory(role=Role.OFFICER, branch=other_branch)
    assert client_for(stranger).get(f"/api/v1/loans/{loan.pk}/").status_code == 404
    assert client_for(stranger).get(f"/api/v1/loans/{loan.pk}/schedule/").status_code == 404
    other_borrower = UserFactory(role=Role.BORROWER, branch=branch)
    BorrowerFactory(branch=branch, user=other_borrower)
    assert client_for(other_borrower).get(f"/api/v1/loans/{loan.pk}/").status_code == 404
    owner = UserFactory(role=Role.BORROWER, branch=branch)
    approved_app.borrower.user = owner
    approved_app.borrower.save()
    assert client_for(owner).get(f"/api/v1/loans/{loan.pk}/schedule/").status_code == 200
    assert client_for(owner).get("/api/v1/loans/").data["count"] == 1


def test_loan_list_makes_constant_queries(officer, approved_app):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..collection.conftest import clone_loan

    loan = disbursed_loan(officer, approved_app)
    client = client_for(officer)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/loans/").data["count"] == 1
    for _ in range(5):
        clone_loan(loan)
    with CaptureQueriesContext(connection) as six:
        assert client.get("/api/v1/loans/").data["count"] == 6
    assert len(one) == len(six) <= 4
