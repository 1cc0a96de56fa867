"""Disbursement as a maker-checker pair (#11): one person prepares it, another releases or
returns it (servicing/disbursement.py, DISBURSEMENT_WORKFLOW). Four eyes on the API and the
page alike (403 with the reason), the journal entry only at release, the approval's
conditions each met with an accepted document, admission and the caps checked again at
release, and the supervisor's queue in their branch tree."""

import json
from decimal import Decimal

import pytest

from applications.models import DocumentStatus
from microloan import scenarios
from microloan.audit import audit_history
from microloan.ledger import Acct, JournalEntry, trial_balance
from microloan.models import Role
from servicing.disbursement import disbursement_prepare, disbursement_release, disbursement_return
from servicing.models import Disbursement, DisbursementStatus, Loan

from ..applications.factories import ApplicationFactory, DocumentFactory
from ..conftest import client_for
from ..kernel.factories import UserFactory
from ..underwriting.factories import submitted_app, to_pending
from .conftest import APPROVED_TERMS, BUSINESS_DATE

pytestmark = pytest.mark.django_db

ACCOUNT = "6222020200112233445"
PREPARE = {
    "disbursed_on": BUSINESS_DATE.isoformat(),
    "channel": "bank_transfer",
    "reference": "TX-MC",
    "beneficiary_account": ACCOUNT,
}
CONDITIONS = "salary account opened at our bank\nshop lease renewed"


def post(user, app, action, body=None):
    return client_for(user).post(f"/api/v1/applications/{app.pk}/{action}/", body or {}, format="json")


@pytest.fixture
def contracted_app(officer, approved_app):
    assert post(officer, approved_app, "contract").status_code == 200
    assert post(officer, approved_app, "sign").status_code == 200
    return approved_app


@pytest.fixture
def conditional_app(biz_date, officer, reviewer, approver, sv_product):
    """Approved with two conditions, contracted; one accepted document besides the required ones."""
    app = to_pending(submitted_app(officer, sv_product), officer, reviewer)
    app = scenarios.application_contracted(
        app,
        officer=officer,
        reviewer=reviewer,
        approver=approver,
        on=biz_date,
        **APPROVED_TERMS,
        conditions=CONDITIONS,
    )
    assert app.status == "contracted"
    return app


def accepted_doc(app):
    return app.documents.filter(status=DocumentStatus.ACCEPTED).order_by("id").first()


# --- four eyes ----------------------------------------------------------------------------


def test_the_preparer_may_not_release_api_403_with_the_reason_another_person_may(branch, contracted_app):
    manager = UserFactory(role=Role.MANAGER, branch=branch)
    prepared = post(manager, contracted_app, "disburse", PREPARE)
    assert prepared.status_code == 202 and prepared.data["status"] == "pending_release"
    assert prepared.data["beneficiary_account"] == "****3445" and prepared.data["amount"] == "9900.00"

    r = post(manager, contracted_app, "release")
    assert r.status_code == 403 and "Four eyes" in r.data["detail"] and "prepare" in r.data["detail"]
    r = post(manager, contracted_app, "return-release", {"reason": "mine"})
    assert r.status_code == 403 and "Four eyes" in r.data["detail"]
    assert Loan.objects.count() == 0 and JournalEntry.objects.filter(kind="disbursement").count() == 0

    other = UserFactory(role=Role.MANAGER, branch=branch)
    r = post(other, contracted_app, "release")
    assert r.status_code == 201 and r.data["status"] == "disbursed", r.data
    d = Disbursement.objects.get()
    assert (d.status, d.prepared_by, d.decided_by, d.loan_id) == ("released", manager, other, r.data["loan"])


@pytest.mark.parametrize("role", [Role.OFFICER, Role.REVIEWER, Role.COLLECTOR, Role.AUDITOR, Role.ADMIN])
def test_only_a_supervisor_or_a_manager_releases(branch, officer, contracted_app, role):
    assert post(officer, contracted_app, "disburse", PREPARE).status_code == 202
    r = post(UserFactory(role=role, branch=branch), contracted_app, "release")
    assert r.status_code == 403 and Loan.objects.count() == 0


def test_the_supervisor_may_not_prepare(branch, supervisor, contracted_app):
    r = post(supervisor, contracted_app, "disburse", PREPARE)
    assert r.status_code == 403 and Disbursement.objects.count() == 0


def test_release_needs_a_prepared_disbursement(supervisor, contracted_app):
    r = post(supervisor, contracted_app, "release")
    assert r.status_code == 409 and r.data["status"] == "contracted"


def test_the_page_refuses_the_preparer_403_with_the_reason_and_offers_only_the_allowed_moves(
    client, branch, contracted_app, supervisor
):
    manager = UserFactory(role=Role.MANAGER, branch=branch)
    client.force_login(manager)
    url = f"/applications/{contracted_app.pk}/contract/"
    page = client.get(url).content.decode()
    assert 'id="disburse-form"' in page and 'id="release-form"' not in page

    r = client.post(url, {"step": "disburse", **PREPARE})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="pending-disbursement"' in page and 'id="release-form"' not in page and 'id="four-eyes"' in page
    assert 'id="disburse-form"' not in page

    r = client.post(url, {"step": "release"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and "Four eyes: you may not release this disbursement" in r.content.decode()
    assert Loan.objects.count() == 0
    r = client.post(url, {"step": "release"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 403 and "双人复核" in r.content.decode()

    client.force_login(supervisor)
    page = client.get(url).content.decode()
    assert 'id="release-form"' in page and 'id="return-form"' in page and ACCOUNT in page
    r = client.post(url, {"step": "release"})
    loan = Loan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/loans/{loan.pk}/"


# --- release: the loan and the journal ------------------------------------------------------


def test_the_journal_entry_and_the_loan_are_made_at_release_and_balance(officer, supervisor, contracted_app):
    d = disbursement_prepare(actor=officer, application=contracted_app, disbursed_on=BUSINESS_DATE, **_kw())
    contracted_app.refresh_from_db()
    assert contracted_app.status == "pending_release"
    assert not Loan.objects.exists() and not JournalEntry.objects.filter(kind="disbursement").exists()

    loan = disbursement_release(actor=supervisor, disbursement=d)
    entry = JournalEntry.objects.get(source_key=f"disbursement:{loan.pk}")
    lines = {(line.account.code, line.debit, line.credit) for line in entry.lines.select_related("account")}
    assert lines == {
        (Acct.LOAN_PRINCIPAL, Decimal("10000.00"), Decimal("0.00")),
        (Acct.CASH, Decimal("0.00"), Decimal("9900.00")),
        (Acct.FEE_INCOME, Decimal("0.00"), Decimal("100.00")),
    }
    assert entry.created_by == supervisor and trial_balance()["balanced"]
    assert (loan.disbursed_amount, loan.channel, loan.reference) == (Decimal("9900.00"), "bank_transfer", "TX-MC")
    contracted_app.refresh_from_db()
    assert contracted_app.status == "disbursed"
    assert [(e.action, e.to_state, e.actor) for e in audit_history(entity="disbursement", entity_id=d.pk)] == [
        ("prepare", "pending_release", officer),
        ("release", "released", supervisor),
    ]


def _kw(**over):
    return {"channel": "bank_transfer", "reference": "TX-MC", "beneficiary_account": ACCOUNT, **over}


# --- return ---------------------------------------------------------------------------------


def test_a_return_needs_a_reason_sends_it_back_and_a_new_preparation_is_released(officer, supervisor, contracted_app):
    assert post(officer, contracted_app, "disburse", PREPARE).status_code == 202
    r = post(supervisor, contracted_app, "return-release", {"reason": " "})
    assert r.status_code == 400 and "reason" in r.data

    r = post(supervisor, contracted_app, "return-release", {"reason": "wrong account: not the borrower's"})
    assert r.status_code == 200 and r.data["status"] == "contracted" and r.data["disbursement_status"] == "returned"
    first = Disbursement.objects.get()
    assert (first.status, first.return_reason, first.decided_by) == (
        "returned",
        "wrong account: not the borrower's",
        supervisor,
    )
    events = [(e.action, e.reason) for e in audit_history(entity="application", entity_id=contracted_app.pk)]
    assert ("return_release", "wrong account: not the borrower's") in events
    assert post(supervisor, contracted_app, "release").status_code == 409

    again = post(officer, contracted_app, "disburse", {**PREPARE, "beneficiary_account": "6222020200112233999"})
    assert again.status_code == 202 and again.data["disbursement"] != first.pk
    r = post(supervisor, contracted_app, "release")
    assert r.status_code == 201
    assert Disbursement.objects.get(status="released").beneficiary_account == "6222020200112233999"


def test_the_page_returns_with_a_reason(client, officer, supervisor, contracted_app):
    disbursement_prepare(actor=officer, application=contracted_app, disbursed_on=BUSINESS_DATE, **_kw())
    client.force_login(supervisor)
    url = f"/applications/{contracted_app.pk}/contract/"
    r = client.post(url, {"step": "return", "reason": "amount to be confirmed"})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert 'id="returned-disbursements"' in page and "amount to be confirmed" in page
    assert Disbursement.objects.get().status == DisbursementStatus.RETURNED


# --- the preparation's facts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "body,field",
    [
        ({"beneficiary_account": ""}, "beneficiary_account"),
        ({"beneficiary_account": "１２３４５６７８"}, "beneficiary_account"),  # full-width digits
        ({"beneficiary_account": "12<script>"}, "beneficiary_account"),
        ({"amount": "10000.00"}, "amount"),  # the fee is deducted: 9,900.00 is paid out
        ({"conditions_met": [{"number": 1, "document": 1}]}, "conditions_met"),  # there are none
        ({"conditions_met": "x"}, "conditions_met"),
    ],
)
def test_bad_preparation_is_400_on_the_field(officer, contracted_app, body, field):
    r = post(officer, contracted_app, "disburse", {**PREPARE, **body})
    assert r.status_code == 400 and field in r.data, r.data
    assert Disbursement.objects.count() == 0


def test_cash_needs_no_account_and_the_amount_may_be_stated(officer, contracted_app):
    r = post(officer, contracted_app, "disburse", {**PREPARE, "channel": "cash", "beneficiary_account": ""})
    assert r.status_code == 202, r.data
    d = Disbursement.objects.get()
    assert (d.channel, d.beneficiary_account, d.amount) == ("cash", "", Decimal("9900.00"))


def test_a_second_preparation_is_refused_while_one_waits(officer, contracted_app):
    assert post(officer, contracted_app, "disburse", PREPARE).status_code == 202
    r = post(officer, contracted_app, "disburse", PREPARE)
    assert r.status_code == 409 and r.data["status"] == "pending_release"


# --- conditions -----------------------------------------------------------------------------


def test_each_condition_must_be_met_with_an_accepted_document(officer, supervisor, conditional_app):
    doc = accepted_doc(conditional_app)
    r = post(officer, conditional_app, "disburse", PREPARE)
    assert r.status_code == 400 and len(r.data["conditions_met"]) == 2
    assert "salary account opened at our bank" in r.data["conditions_met"][0]

    only_one = [{"number": 1, "document": doc.pk}]
    r = post(officer, conditional_app, "disburse", {**PREPARE, "conditions_met": only_one})
    assert r.status_code == 400 and "shop lease renewed" in r.data["conditions_met"][0]

    elsewhere = ApplicationFactory(borrower=conditional_app.borrower, product=conditional_app.product)
    foreign = DocumentFactory(application=elsewhere, kind="other", status=DocumentStatus.ACCEPTED)
    rejected = DocumentFactory(application=conditional_app, kind="other", status=DocumentStatus.REJECTED)
    for bad in (foreign.pk, rejected.pk):
        met = [{"number": 1, "document": doc.pk}, {"number": 2, "document": bad}]
        r = post(officer, conditional_app, "disburse", {**PREPARE, "conditions_met": met})
        assert r.status_code == 400 and "Condition 2" in r.data["conditions_met"][0], r.data

    met = [{"number": 1, "document": doc.pk, "note": "account 6222…"}, {"number": 2, "document": doc.pk}]
    r = post(officer, conditional_app, "disburse", {**PREPARE, "conditions_met": met})
    assert r.status_code == 202, r.data
    assert [c["condition"] for c in r.data["conditions_met"]] == CONDITIONS.split("\n")

    # the document is rejected after the preparation: the release is refused
    doc.status = DocumentStatus.REJECTED
    doc.save(update_fields=["status"])
    r = post(supervisor, conditional_app, "release")
    assert r.status_code == 400 and "condition 1" in r.data["conditions_met"][0], r.data
    assert Loan.objects.count() == 0
    doc.status = DocumentStatus.ACCEPTED
    doc.save(update_fields=["status"])
    assert post(supervisor, conditional_app, "release").status_code == 201


def test_the_page_records_each_condition_with_its_document(client, officer, conditional_app):
    doc = accepted_doc(conditional_app)
    client.force_login(officer)
    url = f"/applications/{conditional_app.pk}/contract/"
    page = client.get(url).content.decode()
    assert 'name="condition_1"' in page and 'name="condition_2"' in page and "shop lease renewed" in page
    r = client.post(url, {"step": "disburse", **PREPARE, "condition_1": doc.pk})
    assert r.status_code == 200 and Disbursement.objects.count() == 0
    r = client.post(url, {"step": "disburse", **PREPARE, "condition_1": doc.pk, "condition_2": doc.pk})
    assert r.status_code == 302
    d = Disbursement.objects.get()
    assert [(c.number, c.document_id) for c in d.conditions.all()] == [(1, doc.pk), (2, doc.pk)]
    page = client.get(url).content.decode()
    assert 'id="pending-conditions"' in page


# --- admission again at release -------------------------------------------------------------


def test_exposure_is_checked_again_at_release(settings, officer, supervisor, contracted_app):
    assert post(officer, contracted_app, "disburse", PREPARE).status_code == 202
    # between preparation and release another 30,000 is approved for the same borrower
    ApplicationFactory(
        borrower=contracted_app.borrower,
        product=contracted_app.product,
        created_by=officer,
        amount=Decimal("30000.00"),
        approved_amount=Decimal("30000.00"),
        status="approved",
    )
    settings.UNDERWRITING = {"EXPOSURE_CAP": "39999.99"}
    r = post(supervisor, contracted_app, "release")
    assert r.status_code == 400 and "exceeds the per-borrower cap" in r.data["approved_amount"][0], r.data
    assert Loan.objects.count() == 0 and Disbursement.objects.get().status == "pending_release"
    settings.UNDERWRITING = {"EXPOSURE_CAP": "40000.00"}
    assert post(supervisor, contracted_app, "release").status_code == 201


def test_the_apr_cap_and_the_borrowers_admission_are_checked_again_at_release(
    settings, officer, supervisor, contracted_app
):
    d = disbursement_prepare(actor=officer, application=contracted_app, disbursed_on=BUSINESS_DATE, **_kw())
    settings.UNDERWRITING = {"APR_CAP": "0.1000"}
    r = post(supervisor, contracted_app, "release")
    assert r.status_code == 400 and "exceeds the cap" in r.data["approved_rate"][0]
    settings.UNDERWRITING = {}
    borrower = contracted_app.borrower
    borrower.credit_disqualified = True
    borrower.save(update_fields=["credit_disqualified"])
    r = post(supervisor, contracted_app, "release")
    assert r.status_code == 400 and "credit record" in r.data["borrower"][0]
    disbursement_return(actor=supervisor, disbursement=d, reason="credit record disqualifies")
    assert not Loan.objects.exists()


# --- the supervisor's queue ------------------------------------------------------------------


def test_the_release_queue_lists_the_pending_releases_of_the_branch_tree(
    client, branch, other_branch, officer, supervisor, contracted_app
):
    disbursement_prepare(actor=officer, application=contracted_app, disbursed_on=BUSINESS_DATE, **_kw())
    client.force_login(supervisor)
    page = client.get("/disbursements/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"/applications/{contracted_app.pk}/contract/#release-form" in text and 'id="nav-releases"' in text

    stranger = UserFactory(role=Role.SUPERVISOR, branch=other_branch)
    client.force_login(stranger)
    assert f"/applications/{contracted_app.pk}/" not in client.get("/disbursements/").content.decode()

    client.force_login(officer)
    assert client.get("/disbursements/").status_code == 403


def test_the_queue_tells_a_manager_their_own_preparation_is_for_someone_else(client, branch, contracted_app):
    manager = UserFactory(role=Role.MANAGER, branch=branch)
    disbursement_prepare(actor=manager, application=contracted_app, disbursed_on=BUSINESS_DATE, **_kw())
    client.force_login(manager)
    text = client.get("/disbursements/").content.decode()
    assert "#release-form" not in text and "four-eyes" in text


# --- the API's record of the pairs ----------------------------------------------------------


def test_the_disbursements_api_lists_the_branch_trees_pairs_with_the_account_masked(
    branch, other_branch, officer, supervisor, contracted_app
):
    assert post(officer, contracted_app, "disburse", PREPARE).status_code == 202
    r = client_for(supervisor).get("/api/v1/disbursements/?status=pending_release")
    assert r.status_code == 200 and r.data["count"] == 1
    row = r.data["results"][0]
    assert (row["application"], row["status"], row["amount"], row["beneficiary_account"]) == (
        contracted_app.pk,
        "pending_release",
        "9900.00",
        "****3445",
    )
    assert client_for(supervisor).get("/api/v1/disbursements/?status=released").data["count"] == 0
    stranger = UserFactory(role=Role.SUPERVISOR, branch=other_branch)
    assert client_for(stranger).get("/api/v1/disbursements/").data["count"] == 0
    assert client_for(stranger).get(f"/api/v1/disbursements/{row['id']}/").status_code == 404
    borrower = UserFactory(role=Role.BORROWER, branch=branch)
    assert client_for(borrower).get("/api/v1/disbursements/").status_code == 403  # the permission table


def test_a_released_disbursement_cannot_be_released_again(officer, supervisor, contracted_app):
    assert post(officer, contracted_app, "disburse", PREPARE).status_code == 202
    assert post(supervisor, contracted_app, "release").status_code == 201
    r = post(supervisor, contracted_app, "release")
    assert r.status_code == 409 and r.data["status"] == "disbursed"
    assert Loan.objects.count() == 1 and JournalEntry.objects.filter(kind="disbursement").count() == 1


def test_staff_outside_the_pair_see_the_account_masked_on_the_page(client, branch, officer, contracted_app):
    disbursement_prepare(actor=officer, application=contracted_app, disbursed_on=BUSINESS_DATE, **_kw())
    client.force_login(UserFactory(role=Role.AUDITOR, branch=branch))
    page = client.get(f"/applications/{contracted_app.pk}/contract/").content.decode()
    assert ACCOUNT not in page and "****3445" in page and 'id="release-form"' not in page


@pytest.mark.parametrize("field", ["reference", "channel", "beneficiary_account"])
@pytest.mark.parametrize("value", ["a\x00b", "\ud800"])
def test_nul_and_lone_surrogates_in_the_preparation_are_400_not_500(officer, contracted_app, field, value):
    body = json.dumps({**PREPARE, field: value})  # ASCII, the surrogate escaped as JSON allows
    r = client_for(officer).post(
        f"/api/v1/applications/{contracted_app.pk}/disburse/", body, content_type="application/json"
    )
    assert r.status_code == 400 and Disbursement.objects.count() == 0, r.content
