"""Intake API: borrowers, applications, documents, transitions, scoping and errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Application, ApplicationStatus, Borrower, Document
from applications.workflow import APPLICATION_WORKFLOW
from microloan.models import AuditEvent, Role

from ..conftest import client_for
from ..kernel.factories import UserFactory
from .factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    ApplicationFactory,
    BorrowerFactory,
    DocumentFactory,
    id_number,
)

pytestmark = pytest.mark.django_db

BORROWER_BODY = {
    "full_name": "陈明",
    "id_number": "11010519491231002X",
    "mobile": "13800000001",
    "segment": "small_business",
    "monthly_income": "9000.00",
}


def app_body(borrower, product_, **over):
    return {
        "borrower": borrower.pk,
        "product": product_.pk,
        "amount": "8000.00",
        "term": 6,
        "method": "annuity",
        "frequency": "monthly",
        "purpose": "stock for the shop",
        **over,
    }


def upload(client, app_id, kind="borrower_id", content=PDF_BYTES, name="id.pdf"):
    return client.post(
        f"/api/v1/applications/{app_id}/documents/",
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


# --- borrowers -------------------------------------------------------------------------


def test_officer_registers_borrower_with_derived_fields(officer):
    # when
    r = client_for(officer).post("/api/v1/borrowers/", BORROWER_BODY, format="json")
    # then
    assert r.status_code == 201, r.content
    assert r.data["date_of_birth"] == "1949-12-31"
    assert r.data["sex"] == "F"
    assert r.data["branch"] == officer.branch_id
    assert AuditEvent.objects.filter(entity="borrower", action="create").count() == 1


def test_duplicate_id_number_is_400_on_id_number(officer):
    client = client_for(officer)
    assert client.post("/api/v1/borrowers/", BORROWER_BODY, format="json").status_code == 201
    r = client.post("/api/v1/borrowers/", {**BORROWER_BODY, "id_number": "11010519491231002x"}, format="json")
    assert r.status_code == 400
    assert "already exists" in r.data["id_number"][0]
    assert Borrower.objects.count() == 1


@pytest.mark.parametrize("bad", ["110105194912310021", "11010519491331002X", "1101051949123100", ""])
def test_invalid_id_number_is_400_on_id_number(officer, bad):
    r = client_for(officer).post("/api/v1/borrowers/", {**BORROWER_BODY, "id_number": bad}, format="json")
    assert r.status_code == 400
    assert "id_number" in r.data and r.data["id_number"][0]


def test_errors_follow_the_clients_language(officer):
    r = client_for(officer, "zh-hans").post(
        "/api/v1/borrowers/", {**BORROWER_BODY, "id_number": "1101051949123100"}, format="json"
    )
    assert r.status_code == 400 and "18" in r.data["id_number"][0]
    r = client_for(officer, "zh-hans").post(
        "/api/v1/borrowers/", {**BORROWER_BODY, "monthly_income": "-1"}, format="json"
    )
    assert r.status_code == 400 and "monthly_income" in r.data


@pytest.mark.parametrize(
    "bad,field,reason",
    [
        ({"mobile": "12345"}, "mobile", "Enter a phone number of 7 to 15 digits."),
        ({"mobile": "+86+13800000001"}, "mobile", "Enter a phone number of 7 to 15 digits."),
        ({"monthly_income": "-500"}, "monthly_income", "Must not be negative."),
        ({"existing_debts": "-0.01"}, "existing_debts", "Must not be negative."),
    ],
)
def test_borrower_rules_come_from_the_service_on_create_and_update(officer, borrower, bad, field, reason):
    client = client_for(officer)
    r = client.post("/api/v1/borrowers/", {**BORROWER_BODY, **bad}, format="json")
    assert r.status_code == 400 and r.data == {field: [reason]}
    r = client.patch(f"/api/v1/borrowers/{borrower.pk}/", bad, format="json")
    assert r.status_code == 400 and r.data == {field: [reason]}
    zh = client_for(officer, "zh-hans").post("/api/v1/borrowers/", {**BORROWER_BODY, **bad}, format="json")
    assert zh.data[field][0] in ("请输入7至15位数字的电话号码。", "不能为负数。")
    assert Borrower.objects.count() == 1


def test_mobile_numbers_are_stored_without_spaces_or_dashes(officer):
    r = client_for(officer).post("/api/v1/borrowers/", {**BORROWER_BODY, "mobile": "+86 138-0000-0001"}, format="json")
    assert r.status_code == 201 and r.data["mobile"] == "+86138****0001"  # masked (microloan/pii.py)
    assert Borrower.objects.get(pk=r.data["id"]).mobile == "+8613800000001"


def test_derived_fields_are_read_only(officer, borrower):
    r = client_for(officer).patch(
        f"/api/v1/borrowers/{borrower.pk}/",
        {"date_of_birth": "2001-01-01", "sex": "M", "mobile": "13911112222"},
        format="json",
    )
    assert r.status_code == 200
    borrower.refresh_from_db()
    assert str(borrower.date_of_birth) == "1988-05-17" and borrower.mobile == "13911112222"


def test_officer_never_sees_another_branchs_borrower(officer, other_branch):
    theirs = BorrowerFactory(branch=other_branch)
    client = client_for(officer)
    assert client.get(f"/api/v1/borrowers/{theirs.pk}/").status_code == 404
    assert client.patch(f"/api/v1/borrowers/{theirs.pk}/", {"mobile": "13900001111"}, format="json").status_code == 404
    assert client.get("/api/v1/borrowers/").data["count"] == 0


def test_parent_branch_sees_child_branch(branch):
    from ..kernel.factories import BranchFactory

    child = BranchFactory(parent=branch)
    boss = UserFactory(role=Role.MANAGER, branch=branch)
    theirs = BorrowerFactory(branch=child)
    assert client_for(boss).get(f"/api/v1/borrowers/{theirs.pk}/").status_code == 200
    child_officer = UserFactory(role=Role.OFFICER, branch=child)
    mine = BorrowerFactory(branch=branch)
    assert client_for(child_officer).get(f"/api/v1/borrowers/{mine.pk}/").status_code == 404


def test_borrower_sees_only_self(borrower_user, borrower, branch):
    other = BorrowerFactory(branch=branch)
    client = client_for(borrower_user)
    assert client.get(f"/api/v1/borrowers/{other.pk}/").status_code == 404
    assert client.get("/api/v1/borrowers/").data["count"] == 1
    me = client.get("/api/v1/me/")
    assert me.status_code == 200 and me.data["id"] == borrower.pk


def test_borrower_cannot_register_borrowers(borrower_user):
    r = client_for(borrower_user).post("/api/v1/borrowers/", BORROWER_BODY, format="json")
    assert r.status_code == 403


def test_auditor_reads_but_cannot_write(branch, borrower):
    auditor = UserFactory(role=Role.AUDITOR, branch=branch)
    client = client_for(auditor)
    assert client.get(f"/api/v1/borrowers/{borrower.pk}/").status_code == 200
    assert client.post("/api/v1/borrowers/", BORROWER_BODY, format="json").status_code == 403
    assert client.patch(f"/api/v1/borrowers/{borrower.pk}/", {"mobile": "1390000111"}, format="json").status_code == 403


def test_unauthenticated_is_401():
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/borrowers/").status_code == 401


# --- applications ----------------------------------------------------------------------


def test_create_application_and_see_status_history(officer, borrower, product):
    r = client_for(officer).post("/api/v1/applications/", app_body(borrower, product), format="json")
    assert r.status_code == 201, r.content
    assert r.data["status"] == "draft"
    assert [h["to_state"] for h in r.data["status_history"]] == ["draft"]
    assert r.data["documents"] == []


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("amount", "999.99", "between"),
        ("amount", "50000.01", "between"),
        ("term", 2, "between"),
        ("term", 25, "between"),
        ("method", "balloon", ""),
        ("frequency", "daily", ""),
        ("purpose", "", ""),
        ("product", 999999, "No such product"),
    ],
)
def test_application_outside_product_is_400_on_field(officer, borrower, product, field, value, fragment):
    r = client_for(officer).post("/api/v1/applications/", app_body(borrower, product, **{field: value}), format="json")
    assert r.status_code == 400, r.content
    assert field in r.data and fragment in r.data[field][0]
    assert Application.objects.count() == 0


def test_method_not_offered_by_product(officer, borrower):
    from .factories import ProductFactory

    product = ProductFactory(methods=["annuity"], frequencies=["monthly"])
    r = client_for(officer).post("/api/v1/applications/", app_body(borrower, product, method="flat"), format="json")
    assert r.status_code == 400 and "method" in r.data


def test_admission_failure_is_shown_with_reason(officer, branch, product):
    young = BorrowerFactory(branch=branch, monthly_income=0, credit_disqualified=True)
    r = client_for(officer).post("/api/v1/applications/", app_body(young, product), format="json")
    assert r.status_code == 400
    assert any("income" in m for m in r.data["borrower"])
    assert any("credit record" in m for m in r.data["borrower"])
    adm = client_for(officer).get(f"/api/v1/borrowers/{young.pk}/admission/?product={product.pk}")
    assert adm.status_code == 200 and adm.data["admitted"] is False
    assert {f["code"] for f in adm.data["failures"]} == {"no_income", "credit_record"}


def test_age_limit_from_product(officer, branch):
    from .factories import ProductFactory

    product = ProductFactory(min_age=18, max_age=30)
    b = BorrowerFactory(branch=branch)  # born 1988: over 30 today
    r = client_for(officer).post("/api/v1/applications/", app_body(b, product), format="json")
    assert r.status_code == 400 and "maximum" in r.data["borrower"][0]


def test_officer_cannot_apply_for_another_branchs_borrower(officer, other_branch, product):
    theirs = BorrowerFactory(branch=other_branch)
    r = client_for(officer).post("/api/v1/applications/", app_body(theirs, product), format="json")
    assert r.status_code == 400 and "borrower" in r.data


def test_borrower_applies_for_self_from_mobile(borrower_user, borrower, product, branch):
    other = BorrowerFactory(branch=branch)
    body = app_body(other, product)  # a borrower's own app omits borrower; a given one is ignored
    r = client_for(borrower_user).post("/api/v1/applications/", body, format="json")
    assert r.status_code == 201
    app = Application.objects.get(pk=r.data["id"])
    assert app.borrower == borrower and app.channel == "mobile"


def test_borrower_never_sees_another_borrowers_application(borrower_user, branch, product):
    theirs = ApplicationFactory(borrower=BorrowerFactory(branch=branch), product=product)
    client = client_for(borrower_user)
    assert client.get(f"/api/v1/applications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/applications/{theirs.pk}/submit/").status_code == 404
    assert upload(client, theirs.pk).status_code == 404
    assert client.get("/api/v1/applications/").data["count"] == 0


def test_officer_never_sees_another_branchs_application(officer, other_branch, product):
    theirs = ApplicationFactory(borrower=BorrowerFactory(branch=other_branch), product=product)
    client = client_for(officer)
    assert client.get(f"/api/v1/applications/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/v1/applications/{theirs.pk}/withdraw/").status_code == 404


# --- documents -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content,ctype", [(PDF_BYTES, "application/pdf"), (PNG_BYTES, "image/png"), (JPEG_BYTES, "image/jpeg")]
)
def test_upload_allowed_types_by_content(officer, borrower, product, content, ctype):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    r = upload(client_for(officer), app.pk, content=content, name="whatever.bin")
    assert r.status_code == 201, r.content
    assert r.data["content_type"] == ctype and r.data["status"] == "pending"
    doc = Document.objects.get(pk=r.data["id"])
    assert doc.file.read() == content


@pytest.mark.parametrize("name", ["scan.pdf", "photo.jpg", "id.png", "noext"])
def test_upload_of_disallowed_content_refused_whatever_the_name(officer, borrower, product, name):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    r = upload(client_for(officer), app.pk, content=b"MZ\x90\x00 this is an exe" * 4, name=name)
    assert r.status_code == 400
    assert "PDF, JPEG and PNG" in r.data["file"][0]
    assert Document.objects.count() == 0


def test_upload_empty_and_oversize_refused(officer, borrower, product, settings):
    settings.DOCUMENT_MAX_BYTES = 100
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    client = client_for(officer)
    assert "empty" in upload(client, app.pk, content=b"").data["file"][0]
    r = upload(client, app.pk, content=PDF_BYTES + b"x" * 200)
    assert r.status_code == 400 and "limit" in r.data["file"][0]


def test_upload_bad_kind_and_missing_file(officer, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    client = client_for(officer)
    r = upload(client, app.pk, kind="passport")
    assert r.status_code == 400 and "kind" in r.data
    r = client.post(f"/api/v1/applications/{app.pk}/documents/", {"kind": "other"}, format="multipart")
    assert r.status_code == 400 and "file" in r.data


def test_document_review_accept_and_reject_with_reason(officer, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    doc = DocumentFactory(application=app)
    client = client_for(officer)
    url = f"/api/v1/applications/{app.pk}/documents/{doc.pk}/review/"
    r = client.post(url, {"decision": "rejected"}, format="json")
    assert r.status_code == 400 and "reason" in r.data
    r = client.post(url, {"decision": "rejected", "reason": "blurred"}, format="json")
    assert r.status_code == 200 and r.data["status"] == "rejected" and r.data["review_reason"] == "blurred"
    r = client.post(url, {"decision": "maybe"}, format="json")
    assert r.status_code == 400 and "decision" in r.data
    ev = AuditEvent.objects.get(entity="document", action="reject")
    assert ev.reason == "blurred" and ev.to_state == "rejected"


def test_borrower_cannot_review_documents(borrower_user, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product)
    doc = DocumentFactory(application=app)
    r = client_for(borrower_user).post(
        f"/api/v1/applications/{app.pk}/documents/{doc.pk}/review/", {"decision": "accepted"}, format="json"
    )
    assert r.status_code == 403


def test_review_of_document_from_another_application_is_404(officer, borrower, product):
    a1 = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    a2 = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    doc = DocumentFactory(application=a2)
    r = client_for(officer).post(
        f"/api/v1/applications/{a1.pk}/documents/{doc.pk}/review/", {"decision": "accepted"}, format="json"
    )
    assert r.status_code == 404


# --- transitions -----------------------------------------------------------------------


def test_submit_refused_while_required_documents_missing(officer, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    client = client_for(officer)
    upload(client, app.pk, kind="borrower_id")
    r = client.post(f"/api/v1/applications/{app.pk}/submit/")
    assert r.status_code == 400
    assert "income_proof" in r.data["documents"][0]
    app.refresh_from_db()
    assert app.status == "draft"


def test_submit_refused_when_the_only_document_was_rejected(officer, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    DocumentFactory(application=app, kind="borrower_id")
    DocumentFactory(application=app, kind="income_proof", status="rejected")
    r = client_for(officer).post(f"/api/v1/applications/{app.pk}/submit/")
    assert r.status_code == 400 and "income_proof" in r.data["documents"][0]


def test_submit_with_documents_then_withdraw(officer, borrower, product):
    client = client_for(officer)
    app = Application.objects.get(
        pk=client.post("/api/v1/applications/", app_body(borrower, product), format="json").data["id"]
    )
    assert upload(client, app.pk, kind="borrower_id").status_code == 201
    assert upload(client, app.pk, kind="income_proof", content=PNG_BYTES).status_code == 201
    r = client.post(f"/api/v1/applications/{app.pk}/submit/")
    assert r.status_code == 200 and r.data["status"] == "submitted"
    r = client.post(f"/api/v1/applications/{app.pk}/withdraw/", {"reason": "no longer needed"}, format="json")
    assert r.status_code == 200 and r.data["status"] == "withdrawn"
    assert [(h["from_state"], h["to_state"]) for h in r.data["status_history"]] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "withdrawn"),
    ]
    assert r.data["status_history"][-1]["reason"] == "no longer needed"
    assert r.data["status_history"][-1]["actor"] == officer.username


ALL_STATUSES = [s.value for s in ApplicationStatus]
INTAKE_ACTIONS = ["submit", "withdraw"]


@pytest.mark.parametrize("action", INTAKE_ACTIONS)
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_transition_table_allowed_and_refused(officer, borrower, product, status, action):
    # given an application in `status` with its documents in place
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer, status=status)
    DocumentFactory(application=app, kind="borrower_id")
    DocumentFactory(application=app, kind="income_proof")
    transition = APPLICATION_WORKFLOW.transitions[action]
    # when
    r = client_for(officer).post(f"/api/v1/applications/{app.pk}/{action}/")
    app.refresh_from_db()
    # then
    if status in transition.sources:
        assert r.status_code == 200, r.content
        assert app.status == transition.target
        assert AuditEvent.objects.filter(
            entity="application", entity_id=app.pk, action=action, from_state=status, to_state=transition.target
        ).exists()
    else:
        assert r.status_code == 409
        assert r.data["status"] == status and action in r.data["detail"]
        assert app.status == status


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COLLECTOR, Role.AUDITOR])
def test_roles_outside_intake_cannot_submit(branch, borrower, product, role):
    user = UserFactory(role=role, branch=branch)
    app = ApplicationFactory(borrower=borrower, product=product)
    DocumentFactory(application=app, kind="borrower_id")
    DocumentFactory(application=app, kind="income_proof")
    r = client_for(user).post(f"/api/v1/applications/{app.pk}/submit/")
    assert r.status_code == 403 and r.data["detail"]


def test_borrower_submits_own_application(borrower_user, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product)
    client = client_for(borrower_user)
    assert upload(client, app.pk, kind="borrower_id").status_code == 201
    assert upload(client, app.pk, kind="income_proof").status_code == 201
    r = client.post(f"/api/v1/applications/{app.pk}/submit/")
    assert r.status_code == 200 and r.data["status"] == "submitted"


# --- malformed input never 500 ---------------------------------------------------------


@pytest.mark.parametrize(
    "path,body",
    [
        ("/api/v1/borrowers/", "not json"),
        ("/api/v1/borrowers/", "[1,2,3]"),
        ("/api/v1/borrowers/", '{"full_name": null, "id_number": 123, "monthly_income": "abc"}'),
        ("/api/v1/borrowers/", '{"monthly_income": "1e400", "id_number": "11010519491231002X"}'),
        ("/api/v1/applications/", '{"amount": "NaN", "term": "x", "product": "a"}'),
        ("/api/v1/applications/", '{"amount": "-5", "term": -1, "product": -1, "borrower": "x"}'),
        ("/api/v1/applications/", '{"amount": "12345678901234567890.123", "term": 99999999999}'),
        ("/api/v1/applications/", '{"guarantors": "x", "collateral": [1]}'),
        ("/api/v1/applications/1/withdraw/", '{"reason": ["a"]}'),
        ("/api/v1/leads/", '{"channel": "moon", "mobile": null}'),
    ],
)
def test_malformed_input_is_4xx_never_500(officer, borrower, product, path, body):
    r = client_for(officer).post(path, body, content_type="application/json")
    assert 400 <= r.status_code < 500, (r.status_code, r.content)
    if r.status_code == 400:
        assert isinstance(r.json(), dict) and r.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/applications/abc/",
        "/api/v1/applications/99999999999999999999/",
        "/api/v1/borrowers/-1/",
        "/api/v1/borrowers/1/admission/?product=x",
        "/api/v1/applications/?status=nonsense",
        "/api/v1/applications/?page=999",
        "/api/v1/applications/?page_size=abc",
        "/api/v1/products/?is_active=maybe",
    ],
)
def test_malformed_reads_are_4xx_or_empty(officer, borrower, path):
    r = client_for(officer).get(path)
    assert r.status_code < 500, (r.status_code, r.content)


# --- leads -----------------------------------------------------------------------------


def test_lead_created_and_converted_to_borrower_and_application(officer, product):
    client = client_for(officer)
    r = client.post("/api/v1/leads/", {"name": "周强", "mobile": "13700000000", "channel": "street"}, format="json")
    assert r.status_code == 201
    lead_id = r.data["id"]
    body = {
        "borrower": {**BORROWER_BODY, "full_name": "周强", "id_number": "510107199204020988"},
        "application": {
            "product": product.pk,
            "amount": "5000.00",
            "term": 6,
            "method": "annuity",
            "purpose": "seed and fertiliser",
        },
    }
    r = client.post(f"/api/v1/leads/{lead_id}/convert/", body, format="json")
    assert r.status_code == 201, r.content
    app = Application.objects.get(pk=r.data["application"])
    assert app.borrower.full_name == "周强" and app.status == "draft"
    r = client.post(f"/api/v1/leads/{lead_id}/convert/", body, format="json")
    assert r.status_code == 409 and r.data["status"] == "converted"


def test_lead_conversion_is_all_or_nothing(officer, product):
    client = client_for(officer)
    lead_id = client.post(
        "/api/v1/leads/", {"name": "X", "mobile": "13700000000", "channel": "branch"}, format="json"
    ).data["id"]
    body = {
        "borrower": BORROWER_BODY,
        "application": {"product": product.pk, "amount": "1.00", "term": 6, "method": "annuity", "purpose": "p"},
    }
    r = client.post(f"/api/v1/leads/{lead_id}/convert/", body, format="json")
    assert r.status_code == 400 and "amount" in r.data
    assert Borrower.objects.count() == 0  # the borrower created first was rolled back


# --- products --------------------------------------------------------------------------


def test_products_for_borrower_are_active_only(borrower_user, product):
    from .factories import ProductFactory

    ProductFactory(is_active=False)
    r = client_for(borrower_user).get("/api/v1/products/")
    assert r.status_code == 200 and [p["code"] for p in r.data["results"]] == [product.code]
    p = r.data["results"][0]
    assert p["min_rate"] == "0.0500" and p["penalty_rate"] is None and p["min_amount"] == "1000.00"


# --- query counts ----------------------------------------------------------------------


def _make_apps(n, borrower, product, officer):
    for _ in range(n):
        app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
        DocumentFactory(application=app)
        from microloan.audit import audit_record

        audit_record(actor=officer, entity="application", entity_id=app.pk, action="create", to_state="draft")


@pytest.mark.parametrize("path", ["/api/v1/applications/", "/api/v1/borrowers/", "/api/v1/products/", "/api/v1/leads/"])
def test_list_endpoints_make_constant_queries(officer, borrower, product, path, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(officer)
    _make_apps(2, borrower, product, officer)
    with CaptureQueriesContext(connection) as small:
        assert client.get(path).status_code == 200
    _make_apps(15, BorrowerFactory(branch=borrower.branch), product, officer)
    for i in range(5):
        BorrowerFactory(branch=borrower.branch, id_number=id_number(900 + i))
    with CaptureQueriesContext(connection) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 8
