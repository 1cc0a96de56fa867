"""Upload quotas (applications/documents/quota.py): per application (count and bytes) and per
uploader and calendar day, numbers from policy().documents, refused as a 400 on ``file``."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.documents.quota import day_bounds
from applications.models import Document
from microloan.errors import InvalidInput
from microloan.models import Role

from ...conftest import client_for
from ...kernel.factories import UserFactory
from ..factories import PDF_BYTES, ApplicationFactory, DocumentFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def upload(user, app, content=PDF_BYTES):
    return client_for(user).post(
        f"/api/v1/applications/{app.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", content)},
        format="multipart",
    )


@pytest.fixture
def app(officer, borrower):
    return ApplicationFactory(borrower=borrower, created_by=officer)


def test_an_application_holds_at_most_the_policys_number_of_documents(settings, officer, app):
    settings.DOCUMENTS = {"MAX_PER_APPLICATION": 2}
    assert [upload(officer, app).status_code for _ in range(2)] == [201, 201]
    r = upload(officer, app)
    assert r.status_code == 400
    assert r.data["file"] == ["This application already holds 2 documents, the most one may hold."]
    assert Document.objects.filter(application=app).count() == 2


def test_a_rejected_document_still_counts(settings, officer, app):
    settings.DOCUMENTS = {"MAX_PER_APPLICATION": 1}
    DocumentFactory(application=app, status="rejected", review_reason="blurred")
    assert upload(officer, app).status_code == 400


def test_an_applications_documents_take_at_most_the_policys_bytes(settings, officer, app):
    settings.DOCUMENTS = {"MAX_BYTES_PER_APPLICATION": len(PDF_BYTES) * 2}
    assert upload(officer, app).status_code == 201
    assert upload(officer, app).status_code == 201
    r = upload(officer, app)
    assert r.status_code == 400 and "the most is" in r.data["file"][0]


def test_one_person_uploads_at_most_the_policys_number_a_day_across_applications(
    settings, officer, borrower, app, pinned_clock
):
    settings.DOCUMENTS = {"MAX_PER_UPLOADER_PER_DAY": 2}
    second = ApplicationFactory(borrower=borrower, created_by=officer)
    assert upload(officer, app).status_code == 201
    assert upload(officer, second).status_code == 201
    r = upload(officer, second)
    assert r.status_code == 400 and "try again tomorrow" in r.data["file"][0]
    # another person's quota is their own
    colleague = UserFactory(role=Role.MANAGER, branch=officer.branch)
    assert upload(colleague, second).status_code == 201
    # and the next calendar day opens the quota again
    pinned_clock.shift(timedelta(days=1))
    assert upload(officer, second).status_code == 201


def test_the_borrowers_own_uploads_have_the_same_quota(settings, borrower_user, borrower, officer):
    settings.DOCUMENTS = {"MAX_PER_UPLOADER_PER_DAY": 1}
    own = ApplicationFactory(borrower=borrower, created_by=borrower_user, officer=officer)
    assert upload(borrower_user, own).status_code == 201
    assert upload(borrower_user, own).status_code == 400


def test_the_service_refuses_on_file_whoever_calls_it(settings, officer, app):
    from django.core.files.base import ContentFile

    settings.DOCUMENTS = {"MAX_PER_APPLICATION": 1}
    DocumentFactory(application=app)
    with pytest.raises(InvalidInput) as exc:
        services.document_upload(actor=officer, application=app, kind="other", file=ContentFile(PDF_BYTES, "a.pdf"))
    assert list(exc.value.errors) == ["file"]


def test_the_day_is_the_local_calendar_day():
    # 16:30 UTC is 00:30 the next day in Shanghai
    start, end = day_bounds(datetime(2026, 11, 23, 16, 30, tzinfo=ZoneInfo("UTC")))
    assert start == datetime(2026, 11, 24, tzinfo=SHANGHAI) and end == datetime(2026, 11, 25, tzinfo=SHANGHAI)


def test_quota_messages_in_chinese(settings, officer, app):
    settings.DOCUMENTS = {"MAX_PER_APPLICATION": 1}
    DocumentFactory(application=app)
    r = client_for(officer, language="zh-hans").post(
        f"/api/v1/applications/{app.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", PDF_BYTES)},
        format="multipart",
    )
    assert r.data["file"] == ["该申请已有 1 份资料，已达单笔申请的上限。"]
