"""Four eyes on servicing's and origination's moves, on the API and the page alike: a refused
move is a 403 carrying the reason (never a 200 or a redirect with a flash), and nothing changes;
someone else may take it. The rules are the tables' (``not_by``, ``not_by_related``):

- a repayment is reversed by someone other than who posted it (REPAYMENT_WORKFLOW);
- a restructuring is approved or rejected by someone other than who requested it;
- a disbursement is released or returned by someone other than who prepared it, and released
  by someone other than who approved the application (a rule across entities);
- an application is reviewed by someone other than who created, investigated or assessed it,
  and decided by someone other than who created, investigated, assessed or reviewed it
  (applications/workflow.py, NOT_BY_REVIEWER, NOT_BY_DECIDER)."""

from decimal import Decimal

import pytest

from microloan.ledger import JournalEntry
from microloan.models import Role
from servicing.disbursement import disbursement_prepare
from servicing.models import Disbursement, Loan, Repayment, Restructuring
from servicing.workflow import DISBURSEMENT_WORKFLOW

from ..conftest import client_for
from ..kernel.factories import UserFactory
from ..underwriting.factories import FIGURES, FOUR_EYES_STEPS, VISIT, pending_where, submitted_app
from .conftest import BUSINESS_DATE

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def refused(response, *words) -> bool:
    text = response.data["detail"] if hasattr(response, "data") else response.content.decode()
    return response.status_code == 403 and "Four eyes" in text and all(w in text for w in words)


# --- repayment: reversal not by whoever posted it -------------------------------------------


@pytest.fixture
def posted(loan, officer):
    r = client_for(officer).post(
        f"/api/v1/loans/{loan.pk}/repayments/",
        {"amount": "500.00", "paid_on": BUSINESS_DATE.isoformat(), "channel": "cash"},
        format="json",
    )
    assert r.status_code == 201, r.data
    return Repayment.objects.get(pk=r.data["id"])


def test_reversal_refused_to_the_poster_on_the_api_and_the_page(client, loan, officer, cashier, posted):
    api = client_for(officer).post(
        f"/api/v1/loans/{loan.pk}/repayments/{posted.pk}/reverse/", {"reason": "typo"}, format="json"
    )
    assert refused(api, "post")
    client.force_login(officer)
    url = f"/loans/{loan.pk}/"
    assert f'name="repayment" value="{posted.pk}"' not in client.get(url).content.decode()  # no button
    page = client.post(url, {"step": "reverse", "repayment": posted.pk, "reason": "typo"}, **EN)
    assert refused(page, "Four eyes: you may not reverse this repayment")
    posted.refresh_from_db()
    assert posted.status == "posted"

    # someone else reverses it (the page here; the API the same)
    client.force_login(cashier)
    assert f'name="repayment" value="{posted.pk}"' in client.get(url).content.decode()
    r = client.post(url, {"step": "reverse", "repayment": posted.pk, "reason": "typo"})
    assert r.status_code == 302
    posted.refresh_from_db()
    assert posted.status == "reversed"


def test_reversal_by_another_person_on_the_api(loan, cashier, posted):
    r = client_for(cashier).post(
        f"/api/v1/loans/{loan.pk}/repayments/{posted.pk}/reverse/", {"reason": "typo"}, format="json"
    )
    assert r.status_code == 200 and r.data["status"] == "reversed"


# --- restructuring: decided not by whoever requested it -----------------------------------


@pytest.fixture
def requested(loan, approver):
    r = client_for(approver).post(
        f"/api/v1/loans/{loan.pk}/restructurings/",
        {"kind": "extension", "cause": "hardship", "periods": 3, "reason": "flood"},
        format="json",
    )
    assert r.status_code == 201, r.data
    return Restructuring.objects.get(pk=r.data["id"])


@pytest.mark.parametrize("approve", [True, False], ids=["approve", "reject"])
def test_restructuring_decision_refused_to_the_requester_on_the_api_and_the_page(
    client, loan, approver, requested, approve
):
    url = f"/api/v1/loans/{loan.pk}/restructurings/{requested.pk}/decision/"
    api = client_for(approver).post(url, {"approve": approve}, format="json")
    assert refused(api, "request")
    client.force_login(approver)
    page_url = f"/loans/{loan.pk}/"
    assert 'value="restructure-decision"' not in client.get(page_url).content.decode()
    page = client.post(
        page_url,
        {"step": "restructure-decision", "restructuring": requested.pk, "approve": "1" if approve else "0"},
        **EN,
    )
    action = "approve" if approve else "reject"
    assert refused(page, f"Four eyes: you may not {action} this restructuring")
    requested.refresh_from_db()
    loan.refresh_from_db()
    assert (requested.status, loan.status) == ("requested", "active")

    boss = UserFactory(role=Role.MANAGER, branch=loan.branch)
    r = client_for(boss).post(url, {"approve": approve}, format="json")
    assert r.status_code == 200 and r.data["status"] == ("approved" if approve else "rejected"), r.data


# --- disbursement: released or returned not by whoever prepared it ------------------------


def _prepared(app, by):
    return disbursement_prepare(
        actor=by,
        application=app,
        disbursed_on=BUSINESS_DATE,
        channel="bank_transfer",
        beneficiary_account="6222020200112233445",
    )


@pytest.fixture
def contracted(officer, approved_app):
    """The fixture application (approved by ``approver``), its contract generated and signed."""
    for action in ("contract", "sign"):
        r = client_for(officer).post(f"/api/v1/applications/{approved_app.pk}/{action}/", {}, format="json")
        assert r.status_code == 200, r.data
    approved_app.refresh_from_db()
    assert approved_app.status == "contracted"
    return approved_app


@pytest.mark.parametrize(
    "api_action,step,body", [("release", "release", {}), ("return-release", "return", {"reason": "mine"})]
)
def test_the_preparer_is_refused_release_and_return_on_the_api_and_the_page(
    client, branch, contracted, api_action, step, body
):
    maker = UserFactory(role=Role.MANAGER, branch=branch)
    _prepared(contracted, maker)
    api = client_for(maker).post(f"/api/v1/applications/{contracted.pk}/{api_action}/", body, format="json")
    assert refused(api, "prepare")
    client.force_login(maker)
    page = client.post(f"/applications/{contracted.pk}/contract/", {"step": step, **body}, **EN)
    assert refused(page, "prepare")
    assert Disbursement.objects.get().status == "pending_release" and Loan.objects.count() == 0


def test_the_approver_may_not_release_what_they_approved_on_the_api_and_the_page(
    client, officer, approver, supervisor, contracted
):
    d = _prepared(contracted, officer)
    # the table: the approver may return it (not a payment) but not release it
    assert [t.action for t in DISBURSEMENT_WORKFLOW.available(obj=d, actor=approver)] == ["return"]
    assert DISBURSEMENT_WORKFLOW.available_many(objs=[d], actor=approver)[d.pk] == [
        DISBURSEMENT_WORKFLOW.transitions["return"]
    ]
    api = client_for(approver).post(f"/api/v1/applications/{contracted.pk}/release/", {}, format="json")
    assert refused(api, "approve", "application")
    client.force_login(approver)
    url = f"/applications/{contracted.pk}/contract/"
    text = client.get(url).content.decode()
    assert 'id="release-form"' not in text and 'id="four-eyes-approver"' in text
    assert "#release-form" not in client.get("/disbursements/").content.decode()
    page = client.post(url, {"step": "release"}, **EN)
    assert refused(page, "Four eyes: you may not release this disbursement", "on its application")
    page = client.post(url, {"step": "release"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 403 and "双人复核" in page.content.decode()
    assert Loan.objects.count() == 0 and not JournalEntry.objects.filter(kind="disbursement").exists()

    r = client_for(supervisor).post(f"/api/v1/applications/{contracted.pk}/release/", {}, format="json")
    assert r.status_code == 201 and Loan.objects.count() == 1


def test_a_committee_voter_may_not_release_either(officer, contracted):
    from microloan.audit import audit_record

    voter = UserFactory(role=Role.MANAGER, branch=officer.branch)
    audit_record(actor=voter, entity="application", entity_id=contracted.pk, action="committee_vote")
    _prepared(contracted, officer)
    r = client_for(voter).post(f"/api/v1/applications/{contracted.pk}/release/", {}, format="json")
    assert refused(r, "committee_vote", "application")


# --- application: reviewed and decided by a second (third...) person ----------------------

DECISIONS = {
    "approve": {"decision": "approve", "approved_amount": "10000.00", "approved_term": 12, "approved_rate": "0.1000"},
    "reject": {"decision": "reject", "reason_code": "capacity"},
    "return": {"decision": "return", "reason_code": "documents", "comment": "more"},
}


@pytest.mark.parametrize("decision", sorted(DECISIONS))
@pytest.mark.parametrize("step", FOUR_EYES_STEPS)
def test_a_decision_is_refused_to_whoever_worked_on_the_application_api_and_page(
    client, biz_date, officer, reviewer, sv_product, step, decision
):
    suspect = UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("100000"))
    app = pending_where(step, suspect, officer=officer, reviewer=reviewer, product=sv_product)
    api = client_for(suspect).post(f"/api/v1/applications/{app.pk}/decision/", DECISIONS[decision], format="json")
    assert refused(api, step)
    client.force_login(suspect)
    page = client.post(f"/approvals/{app.pk}/", DECISIONS[decision], **EN)
    assert refused(page, f"Four eyes: you may not {decision} this application", step)
    app.refresh_from_db()
    assert app.status == "pending_approval"


def test_the_review_is_refused_to_the_assessor_api_and_page(client, biz_date, officer, reviewer, sv_product):
    from underwriting import services as uw

    app = submitted_app(officer, sv_product)
    uw.application_investigate(actor=officer, application=app, **VISIT)
    uw.application_assess(actor=reviewer, application=app, **FIGURES)  # the reviewer assessed it
    api = client_for(reviewer).post(
        f"/api/v1/applications/{app.pk}/review/", {"opinion": "recommend", "comment": "ok"}, format="json"
    )
    assert refused(api, "assess")
    client.force_login(reviewer)
    page = client.post(f"/underwriting/{app.pk}/", {"step": "review", "rev-opinion": "recommend"}, **EN)
    assert refused(page, "Four eyes: you may not review this application", "assess")
    app.refresh_from_db()
    assert app.status == "under_review"
    other = UserFactory(role=Role.REVIEWER, branch=officer.branch)
    r = client_for(other).post(
        f"/api/v1/applications/{app.pk}/review/", {"opinion": "recommend", "comment": "ok"}, format="json"
    )
    assert r.status_code == 200 and r.data["status"] == "pending_approval", r.data
