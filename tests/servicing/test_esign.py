"""The borrower signs their own contract in the app: the SMS code for purpose sign, accepted,
the version's hash, time, address and device recorded; staff keep in-person signings."""

import pytest
from rest_framework.test import APIClient

from applications.models import Borrower
from microloan.models import AuditEvent, Role
from microloan.notifications import Notification
from servicing import services
from tests.kernel.factories import UserFactory
from tests.kernel.otp_support import code_for

pytestmark = pytest.mark.django_db
MOBILE = "13866660001"


@pytest.fixture
def contracted_ready(approved_app, officer):
    services.contract_generate(actor=officer, application=approved_app)
    return approved_app


@pytest.fixture
def signer(contracted_ready):
    user = UserFactory(username="signer", role=Role.BORROWER, branch=contracted_ready.branch)
    Borrower.objects.filter(pk=contracted_ready.borrower_id).update(user=user, mobile=MOBILE)
    return user


def _client(user):
    c = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="MicroloanApp/1.0 (Android 14)", REMOTE_ADDR="10.2.3.4")
    c.force_authenticate(user)
    return c


def test_contract_ready_is_announced(contracted_ready):
    n = Notification.objects.filter(kind="contract_ready")
    assert n.filter(channel="sms").exists()
    number = contracted_ready.contracts.get().number
    assert all(number in x.body for x in n)


def test_the_borrower_signs_with_the_sms_code(signer, contracted_ready):
    client = _client(signer)
    pdf = client.get(f"/api/v1/applications/{contracted_ready.pk}/contract.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    code = code_for(APIClient(), MOBILE, "sign")
    r = client.post(
        f"/api/v1/applications/{contracted_ready.pk}/sign/",
        {"method": "electronic", "code": code, "accepted": True},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "contracted"
    c = contracted_ready.contracts.get()
    assert c.sign_method == "electronic" and c.signed_by == signer and c.signed_at is not None
    assert c.signed_sha256 == c.sha256 and c.signed_ip == "10.2.3.4" and "Android" in c.signed_device
    audit = AuditEvent.objects.get(entity="application", entity_id=contracted_ready.pk, action="sign")
    assert audit.data["ip"] == "10.2.3.4" and audit.data["sha256"] == c.sha256


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "electronic", "code": "000000", "accepted": True}, "code"),
        ({"method": "electronic", "code": "<code>", "accepted": False}, "accepted"),
        ({"method": "in_person", "code": "<code>", "accepted": True}, "method"),
    ],
)
def test_the_borrowers_signing_needs_the_code_and_the_acceptance(signer, contracted_ready, body, field):
    code = code_for(APIClient(), MOBILE, "sign")
    body = {**body, "code": code if body["code"] == "<code>" else ("111111" if code == "000000" else body["code"])}
    r = _client(signer).post(f"/api/v1/applications/{contracted_ready.pk}/sign/", body, format="json")
    assert r.status_code == 400 and field in r.json()
    contracted_ready.refresh_from_db()
    assert contracted_ready.status == "approved"


def test_another_borrower_cannot_sign(borrower_user, contracted_ready):
    r = _client(borrower_user).post(
        f"/api/v1/applications/{contracted_ready.pk}/sign/", {"method": "electronic", "code": "1", "accepted": True}
    )
    assert r.status_code == 404


def test_staff_sign_in_person_not_electronically(api, officer, contracted_ready):
    r = api(officer).post(f"/api/v1/applications/{contracted_ready.pk}/sign/", {"method": "electronic"}, format="json")
    assert r.status_code == 400 and "method" in r.json()
    r = api(officer).post(f"/api/v1/applications/{contracted_ready.pk}/sign/", {"method": "in_person"}, format="json")
    assert r.status_code == 200


def test_approval_is_announced_with_the_terms(approved_app):
    sms = Notification.objects.get(kind="application_approved", channel="sms")
    assert "10,000.00" in sms.body and "12" in sms.body and "12.00" in sms.body
