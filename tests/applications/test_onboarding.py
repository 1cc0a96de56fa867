"""The borrower's own onboarding: the identity link with the consents accepted in the app,
the ID card's photo, and the profile change (a new mobile proven by its SMS code)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Borrower, Consent, ConsentMethod, Document
from microloan.models import AuditEvent, Role
from tests.kernel.factories import UserFactory
from tests.kernel.otp_support import code_for

from .factories import ApplicationFactory, BorrowerFactory, id_number, image_bytes

pytestmark = pytest.mark.django_db
CONSENTS = ["data_processing", "credit_inquiry"]


@pytest.fixture
def new_login(branch):
    return UserFactory(username="13812345678", role=Role.BORROWER, branch=None)


def test_identity_creates_a_borrower_with_the_consents(api, new_login, branch):
    r = api(new_login).post(
        "/api/v1/me/identity/",
        {"full_name": "王小明", "id_number": id_number(7), "consents": CONSENTS},
        format="json",
    )
    assert r.status_code == 201, r.json()
    b = Borrower.objects.get(user=new_login)
    assert b.mobile == "13812345678" and b.branch == branch
    consents = Consent.objects.filter(borrower=b)
    assert {c.purpose for c in consents} == set(CONSENTS)
    assert all(c.method == ConsentMethod.ELECTRONIC and c.text and len(c.sha256) == 64 for c in consents)
    assert AuditEvent.objects.filter(entity="consent", action="accept").count() == 2
    # Again: nothing doubles.
    r = api(new_login).post(
        "/api/v1/me/identity/", {"full_name": "王小明", "id_number": id_number(7), "consents": CONSENTS}, format="json"
    )
    assert r.status_code == 201 and Consent.objects.filter(borrower=b).count() == 2
    assert api(new_login).get("/api/v1/me/").json()["id"] == b.pk


def test_identity_matches_the_record_on_file(api, new_login, branch):
    on_file = BorrowerFactory(branch=branch, full_name="李四")
    r = api(new_login).post(
        "/api/v1/me/identity/",
        {"full_name": "李四", "id_number": on_file.id_number, "consents": CONSENTS},
        format="json",
    )
    assert r.status_code == 201
    on_file.refresh_from_db()
    assert on_file.user == new_login


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "王", "id_number": "110105198805170000", "consents": CONSENTS}, "id_number"),
        ({"full_name": "王", "id_number": id_number(8), "consents": ["credit_inquiry"]}, "consents"),
        ({"full_name": "王", "id_number": id_number(8), "consents": ["marketing"]}, "consents"),
    ],
)
def test_identity_refuses_bad_input(api, new_login, branch, body, field):
    r = api(new_login).post("/api/v1/me/identity/", body, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not Borrower.objects.filter(user=new_login).exists()


def test_identity_refuses_a_record_of_another_login_or_name(api, new_login, borrower_user, borrower):
    body = {"full_name": borrower.full_name, "id_number": borrower.id_number, "consents": CONSENTS}
    r = api(new_login).post("/api/v1/me/identity/", body, format="json")
    assert r.status_code == 400 and "id_number" in r.json()
    other = BorrowerFactory(branch=borrower.branch, full_name="赵六")
    r = api(new_login).post(
        "/api/v1/me/identity/", {**body, "id_number": other.id_number, "full_name": "别人"}, format="json"
    )
    assert r.status_code == 400 and "full_name" in r.json()


def test_staff_cannot_link_an_identity(api, officer):
    r = api(officer).post(
        "/api/v1/me/identity/", {"full_name": "王", "id_number": id_number(9), "consents": CONSENTS}, format="json"
    )
    assert r.status_code == 403


def test_the_id_photo_goes_into_the_open_application(api, borrower_user, borrower, product):
    r = api(borrower_user).post(
        "/api/v1/me/identity/photo/", {"file": SimpleUploadedFile("id.png", image_bytes("PNG"))}, format="multipart"
    )
    assert r.status_code == 409
    app = ApplicationFactory(borrower=borrower, product=product)
    r = api(borrower_user).post(
        "/api/v1/me/identity/photo/", {"file": SimpleUploadedFile("id.png", image_bytes("PNG"))}, format="multipart"
    )
    assert r.status_code == 201, r.json()
    doc = Document.objects.get(application=app)
    assert doc.kind == "borrower_id" and doc.status == "pending"


def test_profile_change_of_address_and_mobile(api, borrower_user, borrower, pinned_clock):
    client = api(borrower_user)
    r = client.patch("/api/v1/me/", {"address": "北京市朝阳区1号"}, format="json")
    assert r.status_code == 200
    borrower.refresh_from_db()
    assert borrower.address == "北京市朝阳区1号"
    r = client.patch("/api/v1/me/", {"mobile": "13712345678"}, format="json")
    assert r.status_code == 400 and "code" in r.json()
    # The code goes to the NEW number.
    code = code_for(client, "13712345678", "mobile_change")
    r = client.patch(
        "/api/v1/me/", {"mobile": "13712345678", "code": "000000" if code != "000000" else "111111"}, format="json"
    )
    assert r.status_code == 400
    r = client.patch("/api/v1/me/", {"mobile": "13712345678", "code": code}, format="json")
    assert r.status_code == 200, r.json()
    borrower.refresh_from_db()
    assert borrower.mobile == "13712345678"
    assert AuditEvent.objects.filter(entity="borrower", action="profile_change").count() == 2


def test_staff_cannot_patch_me(api, officer):
    assert api(officer).patch("/api/v1/me/", {"address": "x"}, format="json").status_code == 403
