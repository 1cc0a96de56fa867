"""Opening a document (applications/document_views.py): who may, on the API and on the page;
the audit row of each opening; the response's headers; and no other way to the files."""

from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from microloan.models import AuditEvent, Role

from ..conftest import client_for
from ..kernel.factories import UserFactory
from .factories import PDF_BYTES, PNG_BYTES, ApplicationFactory, BorrowerFactory, DocumentFactory

pytestmark = pytest.mark.django_db

READERS = [Role.OFFICER, Role.REVIEWER, Role.MANAGER, Role.SUPERVISOR]
# The administrator runs the system and opens no borrower's file (microloan/permissions.py).
REFUSED = [Role.COLLECTOR, Role.AUDITOR, Role.ADMIN]


@pytest.fixture
def app(borrower, officer):
    return ApplicationFactory(borrower=borrower, created_by=officer, status="submitted")


@pytest.fixture
def doc(app):
    return DocumentFactory(application=app, original_name="id-card.pdf")


def api_url(doc, app_id=None) -> str:
    return f"/api/v1/applications/{app_id or doc.application_id}/documents/{doc.pk}/file/"


def page_url(doc) -> str:
    return f"/applications/{doc.application_id}/documents/{doc.pk}/file/"


def openings(doc):
    return list(AuditEvent.objects.filter(entity="document", entity_id=doc.pk, action="open"))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- the API ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_staff_of_the_branch_who_work_on_applications_open_a_document(role, branch, doc):
    user = UserFactory(role=role, branch=branch)
    r = client_for(user).get(api_url(doc))
    assert r.status_code == 200, r.content
    assert body(r) == PDF_BYTES
    [event] = openings(doc)
    assert event.actor == user and event.data["via"] == "api" and event.data["application"] == doc.application_id


@pytest.mark.parametrize("role", REFUSED)
def test_collectors_and_auditors_are_refused_and_nothing_is_recorded(role, branch, doc):
    r = client_for(UserFactory(role=role, branch=branch)).get(api_url(doc))
    assert r.status_code == 403
    assert "open a document" in r.data["detail"]
    assert openings(doc) == []


def test_staff_of_another_branch_find_no_such_document(other_officer, doc):
    r = client_for(other_officer).get(api_url(doc))
    assert r.status_code == 404
    assert openings(doc) == []


def test_a_parent_branch_sees_its_child_branches_documents(branch, doc):
    # The branch tree: the document's branch sits under the reviewer's.
    from microloan.models import Branch

    parent = Branch.objects.create(code="HQ", name="Head office")
    branch.parent = parent
    branch.save()
    branch.refresh_from_db()
    reviewer = UserFactory(role=Role.REVIEWER, branch=Branch.objects.get(pk=parent.pk))
    assert client_for(reviewer).get(api_url(doc)).status_code == 200


def test_the_borrower_opens_their_own_document_only(borrower_user, doc, branch):
    assert client_for(borrower_user).get(api_url(doc)).status_code == 200
    [event] = openings(doc)
    assert event.actor == borrower_user

    theirs = DocumentFactory(application=ApplicationFactory(borrower=BorrowerFactory(branch=branch)))
    assert client_for(borrower_user).get(api_url(theirs)).status_code == 404
    assert openings(theirs) == []


def test_a_document_is_found_only_under_its_own_application(officer, borrower, doc):
    other_app = ApplicationFactory(borrower=borrower, created_by=officer)
    assert client_for(officer).get(api_url(doc, app_id=other_app.pk)).status_code == 404


def test_without_login_the_api_answers_401(doc):
    assert APIClient().get(api_url(doc)).status_code == 401


def test_headers_type_disposition_nosniff_and_no_caching(officer, doc):
    r = client_for(officer).get(api_url(doc), HTTP_ACCEPT="application/pdf")
    assert r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"] == 'attachment; filename="id-card.pdf"'
    cache = {part.strip() for part in r["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "private"} <= cache
    assert r["Content-Length"] == str(len(PDF_BYTES))


def test_the_stored_content_type_is_served_whatever_the_clients_name_said(officer, app):
    png = DocumentFactory(
        application=app,
        file=ContentFile(PNG_BYTES, name="x.png"),
        content_type="image/png",
        size=len(PNG_BYTES),
        original_name="evil.html",
    )
    r = client_for(officer).get(api_url(png) + "?disposition=inline")
    assert r["Content-Type"] == "image/png"
    assert r["Content-Disposition"] == 'inline; filename="evil.png"'
    assert openings(png)[0].data["disposition"] == "inline"


def test_a_chinese_file_name_goes_out_as_rfc_5987(officer, app):
    zh = DocumentFactory(application=app, original_name="身份证 正面.pdf")
    r = client_for(officer).get(api_url(zh))
    assert r["Content-Disposition"] == (
        f"attachment; filename=\"document-{zh.pk}.pdf\"; filename*=UTF-8''{quote('身份证 正面.pdf', safe='')}"
    )


def test_a_bad_disposition_is_a_400_naming_it(officer, doc):
    r = client_for(officer).get(api_url(doc) + "?disposition=download")
    assert r.status_code == 400
    assert "disposition" in r.data
    assert openings(doc) == []


def test_a_file_gone_from_the_storage_is_a_404_not_a_500(officer, doc):
    doc.file.storage.delete(doc.file.name)
    assert client_for(officer).get(api_url(doc)).status_code == 404
    assert openings(doc) == []


def test_opening_takes_a_constant_number_of_queries(officer, doc, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert client_for(officer).get(api_url(doc)).status_code == 200


# --- the page --------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_the_application_page_links_each_document_for_those_who_may_open_it(role, client, branch, doc):
    client.force_login(UserFactory(role=role, branch=branch))
    html = client.get(f"/applications/{doc.application_id}/").content.decode()
    assert f'href="{page_url(doc)}"' in html and 'class="open-doc"' in html


@pytest.mark.parametrize("role", REFUSED)
def test_the_page_shows_no_link_to_roles_that_may_not_open(role, client, branch, doc):
    client.force_login(UserFactory(role=role, branch=branch))
    r = client.get(f"/applications/{doc.application_id}/")
    assert r.status_code == 200 and page_url(doc) not in r.content.decode()
    assert client.get(page_url(doc)).status_code == 403
    assert openings(doc) == []


def test_the_reviewer_sees_what_they_accept_inline_and_it_is_recorded(client, branch, doc):
    reviewer = UserFactory(role=Role.REVIEWER, branch=branch)
    client.force_login(reviewer)
    r = client.get(page_url(doc))
    assert r.status_code == 200 and body(r) == PDF_BYTES
    assert r["Content-Disposition"] == 'inline; filename="id-card.pdf"'
    assert r["X-Content-Type-Options"] == "nosniff" and "no-store" in r["Cache-Control"]
    [event] = openings(doc)
    assert (event.actor, event.data["via"], event.data["sha256"]) == (reviewer, "page", doc.sha256)
    download = client.get(page_url(doc) + "?disposition=attachment")
    assert download["Content-Disposition"].startswith("attachment;")
    assert client.get(page_url(doc) + "?disposition=%00").status_code == 400


def test_the_page_refuses_other_branches_and_borrowers(client, other_officer, borrower_user, doc):
    client.force_login(other_officer)
    assert client.get(page_url(doc)).status_code == 404
    client.force_login(borrower_user)
    r = client.get(page_url(doc))  # the staff viewer: a borrower is sent to the app (it has its own)
    assert r.status_code == 302 and r["Location"] == "/app/"
    assert openings(doc) == []


def test_the_underwriting_case_file_links_the_documents(client, manager, doc):
    client.force_login(manager)
    html = client.get(f"/underwriting/{doc.application_id}/").content.decode()
    assert f'href="{page_url(doc)}"' in html


# --- no other way to the files ---------------------------------------------------------


def test_no_url_serves_the_media_files(client, officer, doc):
    client.force_login(officer)
    for url in (f"/{settings.MEDIA_URL.strip('/')}/{doc.file.name}", f"/{doc.file.name}"):
        with pytest.raises(Resolver404):
            resolve(url)
        assert client.get(url).status_code == 404
    # WhiteNoise serves the static files only: the uploads live elsewhere.
    media = str(settings.MEDIA_ROOT)
    static = [str(settings.STATIC_ROOT), *map(str, settings.STATICFILES_DIRS)]
    assert not any(media.startswith(s) or s.startswith(media) for s in static)
    assert getattr(settings, "WHITENOISE_ROOT", None) is None
