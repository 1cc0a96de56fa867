"""SMS codes: the request's one answer, the limits (per number, per address, attempts per
code), expiry, sign-up, login by code (with the lockout) and the password reset by code."""

from datetime import timedelta

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from microloan.models import AuditEvent, Role, User
from microloan.notifications import Notification
from microloan.otp.models import OtpCode
from tests.kernel.factories import UserFactory

from .otp_support import ask, code_for, last_code

pytestmark = pytest.mark.django_db
MOBILE = "13812345678"
PASSWORD = "Quiet-River-42"


@pytest.fixture
def anon():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def test_the_answer_is_the_same_for_a_known_and_an_unknown_number(anon, borrower_user):
    known = ask(anon, "13900000000", "login")
    unknown = ask(anon, "13700000001", "login")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    # Only the known number is sent a code; both requests are rows the limits count.
    assert Notification.objects.filter(kind="otp", to_address="13900000000").count() == 1
    assert not Notification.objects.filter(to_address="13700000001").exists()
    assert OtpCode.objects.count() == 2


def test_the_code_is_kept_only_as_a_digest(anon):
    code = code_for(anon, MOBILE, "register")
    row = OtpCode.objects.get()
    assert row.code_digest != code and len(row.code_digest) == 64 and not hasattr(row, "code")


def test_bad_number_and_purpose_are_400(anon):
    r = anon.post("/api/v1/auth/otp/", {"mobile": "12ab", "purpose": "nope"}, format="json")
    assert r.status_code == 400 and {"mobile", "purpose"} <= set(r.json())
    r = anon.post("/api/v1/auth/otp/", {"mobile": "１３８１２３４５６７８", "purpose": "login"}, format="json")
    assert r.status_code == 400 and "mobile" in r.json()


def test_limit_one_per_minute_per_number(anon, pinned_clock):
    assert ask(anon, MOBILE, "register").status_code == 202
    again = ask(anon, MOBILE, "register")
    assert again.status_code == 429 and int(again["Retry-After"]) <= 61
    pinned_clock.shift(timedelta(seconds=61))
    assert ask(anon, MOBILE, "register").status_code == 202


@override_settings(OTP_PER_MOBILE_PER_HOUR=3)
def test_limit_per_number_per_hour(anon, pinned_clock):
    for _i in range(3):
        assert ask(anon, MOBILE, "register").status_code == 202
        pinned_clock.shift(timedelta(seconds=61))
    # Another address does not help: the number's own limit.
    other = APIClient(REMOTE_ADDR="10.9.9.9")
    assert ask(other, MOBILE, "register").status_code == 429
    pinned_clock.shift(timedelta(hours=1))
    assert ask(anon, MOBILE, "register").status_code == 202


@override_settings(OTP_PER_ADDRESS_PER_HOUR=3)
def test_limit_per_client_address(anon):
    for i in range(3):
        assert ask(anon, f"1381234560{i}", "register").status_code == 202
    assert ask(anon, "13812345609", "register").status_code == 429
    # Another address may still ask; a forged X-Forwarded-For is no other address.
    forged = ask(anon, "13812345608", "register", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert forged.status_code == 429
    assert ask(APIClient(REMOTE_ADDR="10.1.1.1"), "13812345608", "register").status_code == 202


def test_attempts_per_code_are_capped(anon):
    code = code_for(anon, MOBILE, "register")
    wrong = "000000" if code != "000000" else "111111"
    for _i in range(5):
        r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": wrong, "password": PASSWORD}, format="json")
        assert r.status_code == 400 and "code" in r.json()
    # The right code no longer works: the code is spent.
    r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": code, "password": PASSWORD}, format="json")
    assert r.status_code == 400 and "code" in r.json()
    assert OtpCode.objects.get().attempts == 5


def test_a_code_expires(anon, pinned_clock):
    code = code_for(anon, MOBILE, "register")
    pinned_clock.shift(timedelta(minutes=5, seconds=1))
    r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": code, "password": PASSWORD}, format="json")
    assert r.status_code == 400


def test_register_then_login_by_code(anon, pinned_clock):
    code = code_for(anon, MOBILE, "register")
    r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": code, "password": PASSWORD}, format="json")
    assert r.status_code == 201, r.json()
    assert {"access", "refresh"} <= set(r.json())
    user = User.objects.get(username=MOBILE)
    assert user.role == Role.BORROWER and user.check_password(PASSWORD)
    # A code verifies once.
    r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": code, "password": PASSWORD}, format="json")
    assert r.status_code == 400
    # The new login reads /me/ with its token.
    token = anon.post("/api/v1/auth/token/", {"username": MOBILE, "password": PASSWORD}, format="json")
    me = APIClient(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    assert me.get("/api/v1/me/").status_code == 200
    pinned_clock.shift(timedelta(seconds=61))
    code = code_for(anon, MOBILE, "login")
    r = anon.post("/api/v1/auth/otp-login/", {"mobile": MOBILE, "code": code}, format="json")
    assert r.status_code == 200 and {"access", "refresh"} <= set(r.json())
    assert AuditEvent.objects.filter(entity="user", entity_id=user.pk, action="login").exists()


def test_register_checks_the_password_rules_before_spending_the_code(anon):
    code = code_for(anon, MOBILE, "register")
    r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": code, "password": "123"}, format="json")
    assert r.status_code == 400 and "password" in r.json()
    r = anon.post("/api/v1/auth/register/", {"mobile": MOBILE, "code": code, "password": PASSWORD}, format="json")
    assert r.status_code == 201


def test_register_refuses_a_number_with_a_login(anon, borrower_user):
    code = code_for(anon, "13900000000", "register")
    r = anon.post(
        "/api/v1/auth/register/", {"mobile": "13900000000", "code": code, "password": PASSWORD}, format="json"
    )
    assert r.status_code == 400 and "mobile" in r.json()


def test_login_by_code_for_an_unknown_number_is_a_plain_400(anon):
    assert ask(anon, "13700000002", "login").status_code == 202
    r = anon.post("/api/v1/auth/otp-login/", {"mobile": "13700000002", "code": "123456"}, format="json")
    assert r.status_code == 400 and "code" in r.json()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_lock_the_login_out(anon, borrower_user, pinned_clock):
    for _i in range(3):
        assert ask(anon, "13900000000", "login").status_code == 202
        r = anon.post("/api/v1/auth/otp-login/", {"mobile": "13900000000", "code": "999999x"[:6]}, format="json")
        pinned_clock.shift(timedelta(seconds=61))
    assert r.status_code in (400, 429)
    code = code_for(anon, "13900000000", "login")
    r = anon.post("/api/v1/auth/otp-login/", {"mobile": "13900000000", "code": code}, format="json")
    assert r.status_code == 429
    assert AuditEvent.objects.filter(entity="user", action="login_failed", data__step="sms_code").count() >= 3


def test_password_reset_by_code(anon, borrower_user):
    code = code_for(anon, "13900000000", "reset")
    r = anon.post(
        "/api/v1/auth/password-reset/", {"mobile": "13900000000", "code": code, "password": PASSWORD}, format="json"
    )
    assert r.status_code == 200 and "access" in r.json()
    borrower_user.refresh_from_db()
    assert borrower_user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(entity="user", entity_id=borrower_user.pk, action="password_reset").exists()


def test_staff_numbers_get_no_codes(anon, branch):
    UserFactory(username="13600000000", role=Role.OFFICER, branch=branch)
    assert ask(anon, "13600000000", "reset").status_code == 202
    assert not Notification.objects.filter(to_address="13600000000").exists()


@pytest.mark.parametrize(("language", "words"), [("en", "Your verification code is"), ("zh-hans", "验证码")])
def test_the_sms_is_in_the_readers_language(language, words):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    assert ask(client, MOBILE, "register").status_code == 202
    n = Notification.objects.get(to_address=MOBILE)
    assert words in n.body and n.language == language
    assert last_code(MOBILE) in n.body
