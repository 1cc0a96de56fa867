"""Intake's tables tested whole (applications/workflow.py): the application, the lead, the
document and the consent; and the pages' buttons come from them."""

import pytest

from applications.models import (
    Application,
    ApplicationStatus,
    Consent,
    ConsentStatus,
    Document,
    DocumentStatus,
    Lead,
    LeadStatus,
)
from applications.services import document_review, lead_convert, lead_create
from applications.workflow import APPLICATION_WORKFLOW, CONSENT_WORKFLOW, DOCUMENT_WORKFLOW, LEAD_WORKFLOW
from microloan.audit import audit_history
from microloan.errors import NotAllowed, TransitionNotAllowed
from microloan.models import Role

from ..applications.factories import ApplicationFactory, DocumentFactory
from ..kernel.factories import UserFactory
from ..workflow_cases import check_four_eyes, check_one_move, every_move, four_eyes_moves, statuses_are_the_enums

TABLES = [
    (APPLICATION_WORKFLOW, Application, ApplicationStatus),
    (LEAD_WORKFLOW, Lead, LeadStatus),
    (DOCUMENT_WORKFLOW, Document, DocumentStatus),
    (CONSENT_WORKFLOW, Consent, ConsentStatus),
]
MODELS = {w.entity: m for w, m, _e in TABLES}


@pytest.mark.parametrize(
    "workflow,action,status,role", [p for w, _m, enum in TABLES for p in every_move(w, enum.values)]
)
def test_every_move_of_every_table(workflow, action, status, role):
    check_one_move(workflow, MODELS[workflow.entity], action, status, role)


@pytest.mark.parametrize("workflow,enum", [pytest.param(w, e, id=w.entity) for w, _m, e in TABLES])
def test_tables_name_only_the_enums_statuses(workflow, enum):
    statuses_are_the_enums(workflow, enum.values)


@pytest.mark.django_db
def test_a_lead_is_registered_and_converted_once_through_its_table(officer, branch):
    lead = lead_create(actor=officer, name="Wang Fang", mobile="13800138000", channel="street")
    borrower, _app = lead_convert(
        actor=officer,
        lead=lead,
        borrower_data={"id_number": "11010519491231002X", "segment": "salaried", "monthly_income": "8000.00"},
    )
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.borrower == borrower
    assert [(e.action, e.from_state, e.to_state) for e in audit_history(entity="lead", entity_id=lead.pk)] == [
        ("create", "", "new"),
        ("convert", "new", "converted"),
    ]
    with pytest.raises(TransitionNotAllowed):
        lead_convert(actor=officer, lead=lead, borrower_data={"id_number": "11010519491231002X"})
    collector = UserFactory(role=Role.COLLECTOR, branch=branch)
    with pytest.raises(NotAllowed):
        lead_create(actor=collector, name="Li", mobile="13900139000", channel="street")


@pytest.mark.django_db
def test_a_document_review_moves_through_its_table_and_may_be_corrected(officer, borrower, product):
    doc = DocumentFactory(application=ApplicationFactory(borrower=borrower, product=product, created_by=officer))
    document_review(actor=officer, document=doc, decision="rejected", reason="blurred")
    document_review(actor=officer, document=doc, decision="rejected", reason="blurred")  # the same: no move
    document_review(actor=officer, document=doc, decision="accepted")
    with pytest.raises(TransitionNotAllowed):
        document_review(actor=officer, document=doc, decision="accepted", reason="again, differently")
    assert [(e.action, e.from_state, e.to_state) for e in audit_history(entity="document", entity_id=doc.pk)] == [
        ("reject", "pending", "rejected"),
        ("accept", "rejected", "accepted"),
    ]


@pytest.mark.django_db
def test_the_application_page_shows_only_the_moves_the_table_allows(client, officer, borrower, product, branch):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    DocumentFactory(application=app)
    client.force_login(officer)
    html = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="action-submit"' in html and 'id="action-withdraw"' in html
    assert 'class="review-doc"' in html and 'id="upload-form"' in html
    client.force_login(UserFactory(role=Role.COLLECTOR, branch=branch))
    html = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'id="action-submit"' not in html and 'class="review-doc"' not in html and 'id="upload-form"' not in html


@pytest.mark.django_db
@pytest.mark.parametrize("workflow,action", four_eyes_moves([w for w, _m, _e in TABLES]))
def test_four_eyes_read_from_the_audit_trail(workflow, action, branch):
    check_four_eyes(workflow, MODELS[workflow.entity], action, lambda role: UserFactory(role=role, branch=branch))


def test_the_applications_four_eyes_are_in_its_table():
    """Nobody reviews what they created, investigated or assessed; nobody decides what they
    created, investigated, assessed or reviewed."""
    rules = {a: t.not_by for a, t in APPLICATION_WORKFLOW.transitions.items() if t.not_by}
    steps = {"create", "investigate", "assess"}
    assert rules == {
        "review": steps,
        "approve": steps | {"review"},
        "reject": steps | {"review"},
        "return": steps | {"review"},
    }


def test_a_consents_expiry_is_a_date_not_a_move():
    """Only the stored moves are statuses: an expired consent is still granted, read against
    its expires_on (Consent.objects.valid_on)."""
    assert CONSENT_WORKFLOW.table() == [
        ("record", "", "granted"),
        ("accept", "", "granted"),  # the borrower's own, in the app (POST /api/v1/me/identity/)
        ("revoke", "granted", "revoked"),
    ]
    assert CONSENT_WORKFLOW.transitions["revoke"].needs_reason
