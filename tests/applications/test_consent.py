"""Consents (授权书): recorded with the signed document, revoked, both audited; the API
(GET/POST /api/v1/borrowers/{id}/consents/) and the borrower page's Consents panel."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Consent
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import AuditEvent, Role

from ..conftest import client_for
from ..kernel.factories import UserFactory, login_verified
from .factories import PDF_BYTES, BorrowerFactory

GRANTED = date(2026, 11, 2)


def _pdf(name="consent.pdf"):
    return ContentFile(PDF_BYTES, name=name)


@pytest.fixture
def reviewer(branch):
    return UserFactory(username="reviewer_c", role=Role.REVIEWER, branch=branch)


@pytest.fixture
def auditor(branch):
    return UserFactory(username="auditor_c", role=Role.AUDITOR, branch=branch)


def test_recording_a_consent_stores_the_document_and_audits_it(officer, borrower):
    consent = services.consent_record(
        actor=officer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf()
    )
    assert consent.content_type == "application/pdf" and consent.size == len(PDF_BYTES)
    assert consent.file.read() == PDF_BYTES and consent.file.name.startswith(f"consents/{borrower.pk}/")
    assert consent.status == "granted"
    event = AuditEvent.objects.get(entity="consent", entity_id=consent.pk, action="record")
    assert (event.from_state, event.to_state) == ("", "granted")
    assert event.actor == officer and event.data["borrower"] == borrower.pk and event.data["sha256"] == consent.sha256
    assert Consent.objects.filter(borrower=borrower).valid_on(GRANTED, "credit_inquiry").get() == consent


@pytest.mark.parametrize(
    "change, field",
    [
        ({"purpose": "marketing"}, "purpose"),
        ({"granted_on": date(2026, 12, 31)}, "granted_on"),
        ({"expires_on": date(2026, 11, 1)}, "expires_on"),
        ({"file": ContentFile(b"<html>hi</html>", name="x.pdf")}, "file"),
    ],
)
def test_a_bad_consent_is_refused_naming_the_field(officer, borrower, change, field):
    body = {"purpose": "credit_inquiry", "granted_on": GRANTED, "file": _pdf(), **change}
    with pytest.raises(InvalidInput) as exc:
        services.consent_record(actor=officer, borrower=borrower, **body)
    assert field in exc.value.errors
    assert not Consent.objects.exists()


def test_only_field_staff_record_and_revoke(reviewer, officer, borrower):
    with pytest.raises(NotAllowed):
        services.consent_record(
            actor=reviewer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf()
        )
    consent = services.consent_record(
        actor=officer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf()
    )
    with pytest.raises(NotAllowed):
        services.consent_revoke(actor=reviewer, consent=consent, reason="撤回")


def test_revoking_ends_the_consent_once_and_is_audited(officer, borrower):
    consent = services.consent_record(
        actor=officer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf()
    )
    services.consent_revoke(actor=officer, consent=consent, reason="客户撤回")
    services.consent_revoke(actor=officer, consent=consent, reason="again")
    consent.refresh_from_db()
    assert consent.status == "revoked" and consent.revoked_by == officer and consent.revoke_reason == "客户撤回"
    events = AuditEvent.objects.filter(entity="consent", entity_id=consent.pk, action="revoke")
    assert [(e.from_state, e.to_state, e.reason) for e in events] == [("granted", "revoked", "客户撤回")]
    assert not Consent.objects.valid_on(GRANTED, "credit_inquiry").exists()


# --- the API ---------------------------------------------------------------------------


def _post(user, borrower, key=None, **body):
    data = {"purpose": "credit_inquiry", "granted_on": "2026-11-02", **body}
    data.setdefault("file", SimpleUploadedFile("授权书.pdf", PDF_BYTES, content_type="application/pdf"))
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client_for(user).post(f"/api/v1/borrowers/{borrower.pk}/consents/", data, format="multipart", **headers)


def test_the_api_records_and_lists_consents(officer, reviewer, auditor, borrower):
    r = _post(officer, borrower, expires_on="2027-11-01")
    assert r.status_code == 201, r.content
    assert r.data["purpose"] == "credit_inquiry" and r.data["expires_on"] == "2027-11-01"
    assert r.data["original_name"] == "授权书.pdf"
    for viewer in (officer, reviewer, auditor):
        listed = client_for(viewer).get(f"/api/v1/borrowers/{borrower.pk}/consents/")
        assert listed.status_code == 200 and [c["id"] for c in listed.data["results"]] == [r.data["id"]]
        assert listed.data["count"] == 1  # paginated, as the schema says
    assert _post(reviewer, borrower).status_code == 403


def test_the_api_refuses_bad_input_with_a_400_on_the_field(officer, borrower):
    r = _post(officer, borrower, granted_on="2026-13-01")
    assert r.status_code == 400 and "granted_on" in r.data
    r = _post(officer, borrower, file=SimpleUploadedFile("x.pdf", b"MZ\x90\x00", content_type="application/pdf"))
    assert r.status_code == 400 and "file" in r.data


def test_the_api_honours_the_idempotency_key(officer, borrower):
    first = _post(officer, borrower, key="consent-1")
    again = _post(officer, borrower, key="consent-1")
    assert first.status_code == again.status_code == 201 and again.data["id"] == first.data["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Consent.objects.count() == 1


def test_the_api_revokes_a_consent(officer, borrower):
    created = _post(officer, borrower).data
    r = client_for(officer).post(
        f"/api/v1/borrowers/{borrower.pk}/consents/{created['id']}/revoke/", {"reason": "撤回"}, format="json"
    )
    assert r.status_code == 200 and r.data["revoked_at"] and r.data["revoke_reason"] == "撤回"
    assert r.data["status"] == "revoked"


def test_a_revocation_needs_a_reason_a_400_on_the_field(officer, borrower):
    created = _post(officer, borrower).data
    r = client_for(officer).post(f"/api/v1/borrowers/{borrower.pk}/consents/{created['id']}/revoke/", {}, format="json")
    assert r.status_code == 400 and "reason" in r.data
    assert Consent.objects.get().status == "granted"


def test_another_branchs_borrower_is_a_404(officer, other_branch):
    theirs = BorrowerFactory(branch=other_branch)
    assert client_for(officer).get(f"/api/v1/borrowers/{theirs.pk}/consents/").status_code == 404
    assert _post(officer, theirs).status_code == 404


def test_the_consents_are_in_the_openapi_schema(officer):
    schema = client_for(officer).get("/api/schema/?format=json").json()
    path = schema["paths"]["/api/v1/borrowers/{id}/consents/"]
    assert {"get", "post"} <= set(path)
    assert "multipart/form-data" in path["post"]["requestBody"]["content"]
    assert any(p["name"] == "Idempotency-Key" for p in path["post"]["parameters"])
    listed = path["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert listed.endswith("/PaginatedConsentList")  # and the answer is paginated (above)


# --- the borrower page -----------------------------------------------------------------


def test_the_borrower_page_captures_a_consent(client, officer, borrower):
    login_verified(client, officer)
    page = client.get(f"/borrowers/{borrower.pk}/").content.decode()
    assert 'id="consent-form"' in page and 'id="no-consent"' in page
    r = client.post(
        f"/borrowers/{borrower.pk}/consents/",
        {"purpose": "credit_inquiry", "granted_on": "2026-11-02", "file": SimpleUploadedFile("c.pdf", PDF_BYTES)},
    )
    assert r.status_code == 302
    consent = Consent.objects.get(borrower=borrower)
    page = client.get(f"/borrowers/{borrower.pk}/").content.decode()
    assert 'class="consent"' in page and f"/consents/{consent.pk}/revoke/" in page
    client.post(f"/borrowers/{borrower.pk}/consents/{consent.pk}/revoke/", {"reason": "撤回"})
    consent.refresh_from_db()
    assert consent.status == "revoked" and consent.revoked_at is not None
    page = client.get(f"/borrowers/{borrower.pk}/").content.decode()
    assert 'class="consent"' in page and "/revoke/" not in page  # revoked: the table offers no move


def test_the_panel_is_for_the_consent_roles_only(client, reviewer, branch, borrower, officer):
    services.consent_record(actor=officer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf())
    login_verified(client, reviewer)
    page = client.get(f"/borrowers/{borrower.pk}/").content.decode()
    assert 'class="consent"' in page and 'id="consent-form"' not in page and "/revoke/" not in page
    collector = UserFactory(username="collector_c", role=Role.COLLECTOR, branch=branch)
    login_verified(client, collector)
    assert 'id="consents"' not in client.get(f"/borrowers/{borrower.pk}/").content.decode()


def test_the_borrower_page_makes_constant_queries(client, officer, borrower, django_assert_max_num_queries):
    login_verified(client, officer)
    client.get(f"/borrowers/{borrower.pk}/")
    for n in range(3):
        services.consent_record(
            actor=officer, borrower=borrower, purpose="data_processing", granted_on=GRANTED, file=_pdf(f"{n}.pdf")
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(f"/borrowers/{borrower.pk}/")
    for n in range(3):
        services.consent_record(
            actor=officer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf(f"c{n}.pdf")
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/borrowers/{borrower.pk}/")


def test_the_signed_consent_opens_from_the_page_audited(client, officer, auditor, borrower):
    consent = services.consent_record(
        actor=officer, borrower=borrower, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf("授权书.pdf")
    )
    login_verified(client, officer)
    url = f"/borrowers/{borrower.pk}/consents/{consent.pk}/file/"
    assert url in client.get(f"/borrowers/{borrower.pk}/").content.decode()
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF_BYTES
    assert r["Content-Type"] == "application/pdf" and r["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(entity="consent", entity_id=consent.pk, action="open")
    assert event.actor == officer and event.data["sha256"] == consent.sha256
    login_verified(client, auditor)  # auditors read the trail, not the papers
    assert client.get(url).status_code == 403


def test_another_branchs_consent_file_is_a_404(client, officer, other_branch, other_officer):
    theirs = BorrowerFactory(branch=other_branch)
    consent = services.consent_record(
        actor=other_officer, borrower=theirs, purpose="credit_inquiry", granted_on=GRANTED, file=_pdf()
    )
    login_verified(client, officer)
    assert client.get(f"/borrowers/{theirs.pk}/consents/{consent.pk}/file/").status_code == 404
