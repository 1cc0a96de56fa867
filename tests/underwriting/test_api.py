"""Investigation, assessment, review and decision through the API."""

from decimal import Decimal

import pytest

from applications.models import ApplicationStatus
from applications.workflow import APPLICATION_WORKFLOW
from microloan import scenarios
from microloan.models import AuditEvent, Role
from underwriting.models import AuthorityLimit, CommitteeMember, Decision
from underwriting.scoring import DEFAULT_CONFIG
from underwriting.services import scorecard_publish

from ..applications.factories import BorrowerFactory
from ..conftest import client_for
from ..kernel.factories import BranchFactory, UserFactory
from .conftest import ASSESSMENT, INVESTIGATION
from .factories import CONSENTED_ON, FOUR_EYES_STEPS, pending_where, submitted_app, to_pending

pytestmark = pytest.mark.django_db


def post(user, app, action, body=None):
    return client_for(user).post(f"/api/v1/applications/{app.pk}/{action}/", body or {}, format="json")


def test_assessment_hand_computed_through_the_api(officer, uw_product):
    app = submitted_app(officer, uw_product)
    assert post(officer, app, "investigation", INVESTIGATION).status_code == 200
    r = post(officer, app, "assessment", ASSESSMENT)
    assert r.status_code == 200, r.content
    a = r.data["assessment"]
    # 10,000 over 12 months at 5% (the product's minimum): instalments of 856.07, the last one
    # 856.12 (it takes the rounding remainder); the largest counts. DSR = (2000+856.12)/8000.
    assert a["proposed_installment"] == "856.12" and a["dsr"] == "0.3570"
    assert a["max_affordable_installment"] == "2000.00"  # min(8000*0.5-2000, 8000-3000-2000)
    assert (a["score"], a["grade"]) == (528, "A")
    assert a["reason_codes"] == ["no_security", "dsr_high", "income_stability"]
    assert a["recommendation"] == "approve"
    assert (a["recommended_amount"], a["recommended_term"], a["recommended_rate"]) == ("10000.00", 12, "0.050000")
    assert r.data["status"] == "under_review" and r.data["score"] == 528 and r.data["grade"] == "A"


def test_weak_applicant_is_declined_for_capacity(officer, uw_product):
    app = submitted_app(officer, uw_product)
    post(officer, app, "investigation", {**INVESTIGATION, "purpose_verified": False})
    r = post(
        officer,
        app,
        "assessment",
        {
            **ASSESSMENT,
            "monthly_income": "3000.00",
            "existing_installments": "1500.00",
            "overdue_count_24m": 3,
            "worst_status_24m": "31-60",
            "inquiries_6m": 7,
        },
    )
    a = r.data["assessment"]
    assert a["recommendation"] == "decline" and a["recommended_amount"] is None
    assert any(f["code"] == "capacity" for f in a["hard_rule_failures"])


@pytest.mark.parametrize(
    "override,code",
    [
        ({"worst_status_24m": "90+"}, "credit_record"),
        # Other lenders' instalments (from the credit report) weigh in the capacity rule; their
        # debt is not this lender's exposure (tests/underwriting/test_limits.py).
        ({"current_debt": "250000.00", "current_installments": "3950.00"}, "capacity"),
    ],
)
def test_hard_rules_decline_with_reason_and_block_approval(officer, reviewer, approver, uw_product, override, code):
    app = submitted_app(officer, uw_product)
    post(officer, app, "investigation", INVESTIGATION)
    r = post(officer, app, "assessment", {**ASSESSMENT, **override})
    assert r.data["assessment"]["recommendation"] == "decline"
    assert code in [f["code"] for f in r.data["assessment"]["hard_rule_failures"]]
    post(reviewer, app, "review", {"opinion": "not_recommend", "comment": "hard rule"})
    r = post(approver, app, "decision", {"decision": "approve", "approved_rate": "0.10"})
    assert r.status_code == 403 and "Hard rules" in r.data["detail"]
    r = post(approver, app, "decision", {"decision": "reject", "reason_code": "policy", "comment": "hard rule"})
    assert r.status_code == 200 and r.data["status"] == "rejected"


def test_apr_above_cap_is_a_hard_rule(officer, uw_product, settings):
    settings.UNDERWRITING = {"APR_CAP": "0.04"}  # the product's 5% floor is above it
    app = submitted_app(officer, uw_product)
    post(officer, app, "investigation", INVESTIGATION)
    a = post(officer, app, "assessment", ASSESSMENT).data["assessment"]
    assert "apr_cap" in [f["code"] for f in a["hard_rule_failures"]]


def test_assessment_without_credit_data_names_the_field(officer, uw_product):
    app = submitted_app(officer, uw_product)
    body = {k: v for k, v in ASSESSMENT.items() if k in ("monthly_income", "monthly_expenses", "existing_installments")}
    r = post(officer, app, "assessment", body)
    assert r.status_code == 400 and "overdue_count_24m" in r.data


def test_review_requires_investigation_assessment_and_accepted_documents(officer, reviewer, uw_product):
    app = submitted_app(officer, uw_product)
    app.documents.filter(kind="income_proof").update(status="pending")
    post(officer, app, "assessment", ASSESSMENT)
    r = post(reviewer, app, "review", {"opinion": "recommend"})
    assert r.status_code == 400
    assert "investigation" in r.data and "income_proof" in r.data["documents"][0]


def test_not_recommend_needs_a_comment(officer, reviewer, uw_product):
    app = submitted_app(officer, uw_product)
    post(officer, app, "investigation", INVESTIGATION)
    post(officer, app, "assessment", ASSESSMENT)
    r = post(reviewer, app, "review", {"opinion": "not_recommend"})
    assert r.status_code == 400 and "comment" in r.data


def test_approve_within_authority_with_changed_terms(officer, reviewer, approver, uw_product):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    r = post(
        approver,
        app,
        "decision",
        {
            "decision": "approve",
            "approved_amount": "9000.00",
            "approved_term": 10,
            "approved_rate": "0.0800",
            "conditions": "salary account at our bank",
        },
    )
    assert r.status_code == 200, r.content
    assert r.data["status"] == "approved"
    assert (r.data["approved_amount"], r.data["approved_term"], r.data["approved_rate"]) == ("9000.00", 10, "0.080000")
    d = Decision.objects.get(application=app)
    assert d.final and d.scorecard_version == 1 and d.score == 528


@pytest.mark.parametrize(
    "body,field",
    [
        ({"approved_amount": "500000.00"}, "approved_amount"),
        ({"approved_term": 48}, "approved_term"),
        ({"approved_rate": "0.30"}, "approved_rate"),
        ({"decision": "maybe"}, "decision"),
    ],
)
def test_approval_outside_product_is_400_on_field(officer, reviewer, approver, uw_product, body, field):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    r = post(approver, app, "decision", {"decision": "approve", **body})
    assert r.status_code == 400 and field in r.data
    app.refresh_from_db()
    assert app.status == "pending_approval"


@pytest.mark.parametrize("decision", ["reject", "return"])
def test_reject_and_return_need_a_reason_code_and_carry_it_into_the_audit(
    officer, reviewer, approver, uw_product, decision
):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    r = post(approver, app, "decision", {"decision": decision})
    assert r.status_code == 400 and "reason_code" in r.data
    r = post(approver, app, "decision", {"decision": decision, "reason_code": "capacity", "comment": "income unclear"})
    assert r.status_code == 200
    target = {"reject": "rejected", "return": "returned"}[decision]
    assert r.data["status"] == target
    ev = AuditEvent.objects.get(entity="application", entity_id=app.pk, to_state=target)
    assert ev.reason == "capacity: income unclear" and ev.data["reason_code"] == "capacity"
    assert r.data["status_history"][-1]["reason"] == "capacity: income unclear"


def test_returned_application_is_resubmitted_and_goes_round_again(officer, reviewer, approver, uw_product):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    post(approver, app, "decision", {"decision": "return", "reason_code": "documents", "comment": "need bank slips"})
    r = post(officer, app, "submit")
    assert r.status_code == 200 and r.data["status"] == "submitted"
    to_pending(app, officer, reviewer)
    r = post(approver, app, "decision", {"decision": "approve"})
    assert r.status_code == 200 and r.data["status"] == "approved"
    assert list(Decision.objects.filter(application=app).values_list("round", flat=True)) == [1, 2]


# --- four eyes -------------------------------------------------------------------------


def test_creator_cannot_decide(branch, reviewer, uw_product):
    boss = UserFactory(role=Role.MANAGER, branch=branch, approval_limit=Decimal("100000"))
    app = to_pending(submitted_app(boss, uw_product), boss, reviewer)
    r = post(boss, app, "decision", {"decision": "approve"})
    assert r.status_code == 403 and "Four eyes" in r.data["detail"]


def test_reviewer_cannot_decide_even_after_a_role_change(officer, reviewer, uw_product):
    app = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    reviewer.role, reviewer.approval_limit = Role.MANAGER, Decimal("100000")
    reviewer.save()
    r = post(reviewer, app, "decision", {"decision": "approve"})
    assert r.status_code == 403 and "Four eyes" in r.data["detail"]


def test_investigator_cannot_review(branch, officer, uw_product):
    app = submitted_app(officer, uw_product)
    post(officer, app, "investigation", INVESTIGATION)
    post(officer, app, "assessment", ASSESSMENT)
    officer.role = Role.REVIEWER
    officer.save()
    r = post(officer, app, "review", {"opinion": "recommend"})
    assert r.status_code == 403 and "Four eyes" in r.data["detail"]


DECISIONS = {
    "approve": {"decision": "approve"},
    "reject": {"decision": "reject", "reason_code": "capacity", "comment": "no"},
    "return": {"decision": "return", "reason_code": "documents", "comment": "more"},
}


@pytest.mark.parametrize("step", FOUR_EYES_STEPS)
def test_whoever_created_investigated_assessed_or_reviewed_may_not_decide(step, officer, reviewer, uw_product):
    suspect = UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("100000"))
    app = pending_where(step, suspect, officer=officer, reviewer=reviewer, product=uw_product)
    for decision, body in DECISIONS.items():
        r = post(suspect, app, "decision", body)
        assert r.status_code == 403, (decision, r.content)
        assert "Four eyes" in r.data["detail"] and step in r.data["detail"], r.data["detail"]
    app.refresh_from_db()
    assert app.status == "pending_approval" and not Decision.objects.filter(application=app).exists()
    # another manager may
    other = UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("100000"))
    r = post(other, app, "decision", {"decision": "approve"})
    assert r.status_code == 200 and r.data["status"] == "approved"


@pytest.mark.parametrize("step", ["create", "investigate", "assess"])
def test_whoever_created_investigated_or_assessed_may_not_review(step, branch, officer, reviewer, uw_product):
    suspect = UserFactory(role=Role.MANAGER, branch=branch)
    app = submitted_app(suspect if step == "create" else officer, uw_product)
    assert post(suspect if step == "investigate" else officer, app, "investigation", INVESTIGATION).status_code == 200
    assert post(suspect if step == "assess" else officer, app, "assessment", ASSESSMENT).status_code == 200
    suspect.role = Role.REVIEWER
    suspect.save()
    r = post(suspect, app, "review", {"opinion": "recommend"})
    assert r.status_code == 403 and "Four eyes" in r.data["detail"] and step in r.data["detail"]
    r = post(reviewer, app, "review", {"opinion": "recommend"})
    assert r.status_code == 200 and r.data["status"] == "pending_approval"


# --- authority limits and the committee ------------------------------------------------


def test_amount_above_limit_is_refused_with_reason(officer, reviewer, uw_product):
    app = to_pending(
        submitted_app(officer, uw_product, amount="60000.00", monthly_income=Decimal("30000")), officer, reviewer
    )
    manager = UserFactory(role=Role.MANAGER, branch=officer.branch)
    AuthorityLimit.objects.create(role=Role.MANAGER, branch=None, max_amount=Decimal("30000"))
    r = post(manager, app, "decision", {"decision": "approve", "approved_amount": "60000.00"})
    assert r.status_code == 403 and "limit" in r.data["detail"] and "30000" in r.data["detail"]
    # within the limit the same manager may approve a reduced amount
    r = post(manager, app, "decision", {"decision": "approve", "approved_amount": "30000.00"})
    assert r.status_code == 200 and r.data["status"] == "approved"


def test_most_specific_authority_limit_wins(branch):
    from underwriting.services import authority_limit

    child = BranchFactory(parent=branch)
    m = UserFactory(role=Role.MANAGER, branch=child)
    AuthorityLimit.objects.create(role=Role.MANAGER, branch=None, max_amount=Decimal("10000"))
    assert authority_limit(m) == Decimal("10000")
    AuthorityLimit.objects.create(role=Role.MANAGER, branch=branch, max_amount=Decimal("20000"))
    assert authority_limit(m) == Decimal("20000")
    AuthorityLimit.objects.create(role=Role.MANAGER, branch=child, max_amount=Decimal("30000"))
    assert authority_limit(m) == Decimal("30000")
    m.approval_limit = Decimal("5000")
    assert authority_limit(m) == Decimal("5000")


def test_committee_needs_the_configured_number_of_distinct_approvers(officer, reviewer, uw_product, settings):
    settings.UNDERWRITING = {"COMMITTEE_SIZE": 3}
    app = to_pending(
        submitted_app(officer, uw_product, amount="120000.00", monthly_income=Decimal("60000")), officer, reviewer
    )
    members = [UserFactory(role=Role.MANAGER, branch=officer.branch, approval_limit=Decimal("50000")) for _ in range(3)]
    for m in members:
        CommitteeMember.objects.create(user=m)
    body = {"decision": "approve", "approved_amount": "120000.00", "approved_rate": "0.06"}
    r = post(members[0], app, "decision", body)
    assert r.status_code == 200 and r.data["status"] == "pending_approval"
    assert (r.data["committee_votes"], r.data["committee_size"]) == (1, 3)
    r = post(members[0], app, "decision", body)  # the same member again does not count
    assert r.status_code == 403
    r = post(members[1], app, "decision", {**body, "approved_amount": "110000.00"})
    assert r.status_code == 400 and "proposed terms" in r.data["approved_amount"][0]
    assert post(members[1], app, "decision", body).data["status"] == "pending_approval"
    r = post(members[2], app, "decision", body)
    assert r.status_code == 200 and r.data["status"] == "approved" and r.data["approved_amount"] == "120000.00"
    assert Decision.objects.filter(application=app, committee_vote=True).count() == 3


# --- scorecard versions ----------------------------------------------------------------


def test_a_new_scorecard_version_leaves_earlier_decisions_as_they_were(officer, reviewer, approver, uw_product):
    first = to_pending(submitted_app(officer, uw_product), officer, reviewer)
    post(approver, first, "decision", {"decision": "approve"})
    # when the administrator publishes version 2 with harsher weights
    import copy

    config = copy.deepcopy(DEFAULT_CONFIG)
    config["base"] = 200
    admin = UserFactory(role=Role.ADMIN, branch=officer.branch)
    assert scorecard_publish(actor=admin, config=config, note="harsher").version == 2
    second = submitted_app(officer, uw_product)
    post(officer, second, "investigation", INVESTIGATION)
    a2 = post(officer, second, "assessment", ASSESSMENT).data["assessment"]
    # then the new case uses v2 and the earlier decision still shows v1 and its score
    assert (a2["scorecard_version"], a2["score"]) == (2, 428)
    d = Decision.objects.get(application=first)
    assert (d.scorecard_version, d.score, d.grade) == (1, 528, "A")
    first.refresh_from_db()
    assert (first.score, first.grade) == (528, "A")


def test_only_admins_publish_scorecards(officer):
    from microloan.errors import NotAllowed

    with pytest.raises(NotAllowed):
        scorecard_publish(actor=officer, config=DEFAULT_CONFIG)


# --- the whole transition table --------------------------------------------------------

UW_ACTIONS = {
    "investigation": ("investigate", INVESTIGATION),
    "assessment": ("assess", ASSESSMENT),
    "review": ("review", {"opinion": "recommend"}),
    "decision": ("approve", {"decision": "approve"}),
}
ACTORS = {
    "investigate": "officer",
    "assess": "officer",
    "review": "reviewer",
    "approve": "approver",
    "submit": "officer",
    "withdraw": "officer",
}


@pytest.mark.parametrize("endpoint", [*UW_ACTIONS, "submit", "withdraw"])
@pytest.mark.parametrize("status", [s.value for s in ApplicationStatus])
def test_every_move_from_every_status(officer, reviewer, approver, uw_product, status, endpoint):
    # given an application in `status` whose prerequisites are all in place
    app = submitted_app(officer, uw_product)
    if status in ("under_review", "pending_approval", "approved", "rejected", "returned", "contracted", "disbursed"):
        post(officer, app, "investigation", INVESTIGATION)
        post(officer, app, "assessment", ASSESSMENT)
    if status in ("pending_approval",):
        post(reviewer, app, "review", {"opinion": "recommend"})
    app.refresh_from_db()
    type(app).objects.filter(pk=app.pk).update(status=status)
    action, body = UW_ACTIONS.get(endpoint, (endpoint, {}))
    actor = {"officer": officer, "reviewer": reviewer, "approver": approver}[ACTORS[action]]
    # when
    r = post(actor, app, endpoint, body)
    app.refresh_from_db()
    # then
    t = APPLICATION_WORKFLOW.transitions[action]
    if status in t.sources:
        assert r.status_code == 200, (status, endpoint, r.content)
        assert app.status == t.target
    else:
        assert r.status_code == 409, (status, endpoint, r.content)
        assert r.data["status"] == status and app.status == status


@pytest.mark.parametrize("endpoint", list(UW_ACTIONS))
@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.AUDITOR, Role.BORROWER])
def test_roles_outside_underwriting_are_403(branch, officer, uw_product, endpoint, role):
    app = submitted_app(officer, uw_product)
    user = UserFactory(role=role, branch=branch)
    if role == Role.BORROWER:
        app.borrower.user = user
        app.borrower.save()
    r = post(user, app, endpoint, UW_ACTIONS[endpoint][1])
    assert r.status_code == 403


def test_other_branch_cannot_act(officer, other_branch, uw_product):
    app = submitted_app(officer, uw_product)
    stranger = UserFactory(role=Role.MANAGER, branch=other_branch, approval_limit=Decimal("1e6"))
    assert post(stranger, app, "investigation", INVESTIGATION).status_code == 404


# --- credit records --------------------------------------------------------------------

CSV = (
    "id_number,as_of,overdue_count_24m,worst_status_24m,current_debt,current_installments,inquiries_6m\n"
    "{id},2026-10-01,1,1-30,12000.00,800.00,2\n"
)


def test_credit_records_import_from_csv(officer, borrower):
    from django.core.files.uploadedfile import SimpleUploadedFile

    scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON)
    client = client_for(officer)
    f = SimpleUploadedFile("c.csv", CSV.format(id=borrower.id_number).encode())
    r = client.post("/api/v1/credit-records/import/", {"file": f}, format="multipart")
    assert r.status_code == 201, r.content
    assert r.data[0]["worst_status_24m"] == "1-30" and r.data[0]["current_debt"] == "12000.00"


def test_csv_import_is_all_or_nothing_with_line_numbers(officer, borrower, other_branch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from underwriting.models import CreditRecord

    scenarios.consent_recorded(borrower, officer=officer, on=CONSENTED_ON)
    theirs = BorrowerFactory(branch=other_branch)
    text = CSV.format(id=borrower.id_number) + f"{theirs.id_number},2026-10-01,x,bad,-1,0,0\n"
    r = client_for(officer).post(
        "/api/v1/credit-records/import/", {"file": SimpleUploadedFile("c.csv", text.encode())}, format="multipart"
    )
    assert r.status_code == 400 and r.data["file"][0].startswith("line 3:")
    assert CreditRecord.objects.count() == 0


def test_credit_record_entered_by_hand_is_used_by_the_assessment(officer, uw_product):
    app = submitted_app(officer, uw_product)
    client = client_for(officer)
    r = client.post(
        "/api/v1/credit-records/",
        {
            "borrower": app.borrower_id,
            "as_of": "2026-10-01",
            "overdue_count_24m": 0,
            "worst_status_24m": "none",
            "inquiries_6m": 4,
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    post(officer, app, "investigation", INVESTIGATION)
    body = {k: ASSESSMENT[k] for k in ("monthly_income", "monthly_expenses", "existing_installments")}
    assert post(officer, app, "assessment", body).data["assessment"]["score"] == 528
