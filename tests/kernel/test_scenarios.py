"""microloan.scenarios: applications and loans walked through the services, as the demo seed
and the fixtures use them; and the loan factory built on them."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q

from applications.models import Application, DocumentStatus
from microloan import scenarios
from microloan.business_date import business_date_set
from microloan.ledger import JournalEntry
from microloan.models import AuditEvent, Role
from servicing.models import Loan, LoanStatus

from ..applications.factories import BorrowerFactory, ProductFactory
from ..servicing.factories import LoanFactory
from ..underwriting.factories import ApproverFactory, ReviewerFactory
from .factories import UserFactory

ON = date(2026, 11, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(branch):
    business_date_set(value=ON)
    return {
        "officer": UserFactory(role=Role.OFFICER, branch=branch),
        "reviewer": ReviewerFactory(branch=branch),
        "approver": ApproverFactory(branch=branch),
        "releaser": UserFactory(role=Role.SUPERVISOR, branch=branch),
    }


@pytest.fixture
def draft(staff, product):
    officer = staff["officer"]
    return scenarios.application_draft(
        officer=officer, borrower=BorrowerFactory(branch=officer.branch), product=product, amount="10000.00", term=12
    )


def moves(app: Application) -> list[str]:
    return list(
        AuditEvent.objects.filter(entity="application", entity_id=app.pk)
        .exclude(to_state="")
        .order_by("id")
        .values_list("to_state", flat=True)
    )


# The application's audited moves on the way to a loan: investigation and assessment each
# leave it under review, the contract's generation leaves it approved until signed.
WAY = [
    "draft",
    "submitted",
    "under_review",
    "under_review",
    "pending_approval",
    "approved",
    "approved",
    "contracted",
    "pending_release",
    "disbursed",
]


@pytest.mark.parametrize(
    ("scenario", "status", "people"),
    [
        ("application_submitted", "submitted", ("officer",)),
        ("application_under_review", "under_review", ("officer", "reviewer")),
        ("application_pending", "pending_approval", ("officer", "reviewer")),
        ("application_approved", "approved", ("officer", "reviewer", "approver")),
        ("application_contracted", "contracted", ("officer", "reviewer", "approver")),
        ("disbursement_prepared", "pending_release", ("officer", "reviewer", "approver")),
    ],
)
def test_each_scenario_walks_a_draft_to_its_status_through_every_audited_move(staff, draft, scenario, status, people):
    kwargs = {p: staff[p] for p in people}
    if scenario != "application_submitted":
        kwargs["on"] = ON
    app = getattr(scenarios, scenario)(draft, **kwargs)
    assert app.status == status
    assert moves(app) == WAY[: WAY.index(status) + 1 + (status == "under_review")]


def test_documents_stay_pending_without_a_reviewer_and_are_accepted_by_one(staff, product):
    officer = staff["officer"]
    apps = [
        scenarios.application_draft(
            officer=officer, borrower=BorrowerFactory(branch=officer.branch), product=product, amount="5000.00", term=6
        )
        for _ in range(2)
    ]
    scenarios.application_submitted(apps[0], officer=officer)
    scenarios.application_submitted(apps[1], officer=officer, reviewer=staff["reviewer"])
    assert {d.status for d in apps[0].documents.all()} == {DocumentStatus.PENDING}
    assert {d.status for d in apps[1].documents.all()} == {DocumentStatus.ACCEPTED}
    assert sorted(d.kind for d in apps[1].documents.all()) == sorted(product.required_documents)


def test_a_scenario_walks_on_from_where_the_stored_application_stands(staff, draft):
    pending = scenarios.application_pending(draft, **{k: staff[k] for k in ("officer", "reviewer")}, on=ON)
    stale = Application.objects.get(pk=draft.pk)
    stale.status = "draft"  # a caller's stale copy: the scenario reads the stored status
    loan = scenarios.loan_disbursed(stale, **staff, on=ON, reference="TX-9")
    assert moves(pending) == WAY
    assert loan.application_id == draft.pk and loan.disbursed_on == ON


@pytest.mark.parametrize(
    ("decision", "terms", "status"),
    [
        ("reject", {"reason_code": "capacity", "comment": "income not proven"}, "rejected"),
        ("return", {"reason_code": "documents", "comment": "add bank statements"}, "returned"),
    ],
)
def test_a_rejected_application_goes_no_further_a_returned_one_goes_round_again(staff, draft, decision, terms, status):
    staff = {k: v for k, v in staff.items() if k != "releaser"}
    app = scenarios.application_decided(draft, **staff, on=ON, decision=decision, **terms)
    assert app.status == status
    if status == "rejected":
        with pytest.raises(ValueError, match=status):
            scenarios.application_approved(app, **staff, on=ON)
        return
    app = scenarios.application_approved(app, **staff, on=ON)
    assert moves(app)[5:] == ["returned", "submitted", "under_review", "under_review", "pending_approval", "approved"]
    assert app.documents.count() == len(app.product.required_documents)  # none uploaded twice


def test_withdrawn_leaves_the_documents_pending(staff, draft):
    app = scenarios.application_withdrawn(draft, officer=staff["officer"])
    assert app.status == "withdrawn"
    assert moves(app) == ["draft", "submitted", "withdrawn"]


def test_the_loan_factory_builds_a_disbursed_loan_through_the_services():
    business_date_set(value=ON)
    loan = LoanFactory(on=ON, approved_rate=Decimal("0.1200"), reference="TX-1")
    assert loan.status == LoanStatus.ACTIVE and loan.disbursed_on == ON
    assert loan.principal == Decimal("10000.00") and loan.installments.count() == 12
    assert loan.application.approved_rate == Decimal("0.1200")
    assert moves(loan.application) == WAY
    # each move by its own people: the review by the reviewer, the decision by the approver
    roles = dict(
        AuditEvent.objects.filter(entity="application", entity_id=loan.application_id).values_list(
            "action", "actor__role"
        )
    )
    assert (roles["review"], roles["approve"], roles["sign"]) == (Role.REVIEWER, Role.MANAGER, Role.OFFICER)
    # the maker-checker pair: prepared by the officer, released by the operations supervisor
    assert (roles["disburse"], roles["release"]) == (Role.OFFICER, Role.SUPERVISOR)
    assert JournalEntry.objects.filter(source_key=f"disbursement:{loan.pk}").exists()
    with pytest.raises(TypeError):
        LoanFactory.build()


def test_the_loan_factory_takes_its_people_product_and_terms(staff):
    product = ProductFactory(required_documents=["borrower_id"])
    loan = LoanFactory(**staff, product=product, amount=Decimal("6000.00"), term=6, method="equal_principal", on=ON)
    assert (loan.product, loan.principal, loan.installments.count()) == (product, Decimal("6000.00"), 6)
    assert loan.application.created_by == staff["officer"]
    assert Loan.objects.count() == 1


def test_repayment_made_posts_through_the_service(staff):
    loan = LoanFactory(**staff, on=ON)
    repayment = scenarios.repayment_made(loan, cashier=staff["officer"], amount="500.00", on=ON)
    assert repayment.amount == Decimal("500.00") and repayment.paid_on == ON
    assert AuditEvent.objects.filter(
        Q(entity="repayment", entity_id=repayment.pk) | Q(entity="loan", entity_id=loan.pk, action="repayment")
    ).exists()
    assert JournalEntry.objects.filter(source_key__startswith=f"repayment:{repayment.pk}:").exists()
