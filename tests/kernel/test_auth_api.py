"""microloan/auth_api.py: the token endpoint's lockout and second factor, refresh rotation with
the blacklist, logout that revokes, and tokens that end with a password change."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from microloan import twofactor
from microloan.models import AuditEvent, Role

from .factories import PASSWORD, UserFactory, enrolled

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"


def obtain(client, username, password=PASSWORD, **extra):
    return client.post(TOKEN, {"username": username, "password": password, **extra}, format="json")


def en():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_an_officer_gets_tokens_with_the_password_alone():
    officer = UserFactory(role=Role.OFFICER)
    r = obtain(APIClient(), officer.username)
    assert r.status_code == 200, r.content
    assert bearer(r.json()["access"]).get("/api/v1/me/").status_code == 200
    login = AuditEvent.objects.get(entity="user", entity_id=officer.pk, action="login")
    assert login.data == {"ip": "127.0.0.1", "channel": "api"}


def test_the_token_endpoint_locks_out_after_the_configured_failures_and_audits_it(settings, pinned_clock):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    officer = UserFactory(role=Role.OFFICER)
    client = en()
    assert [obtain(client, officer.username, "wrong-pw").status_code for _ in range(2)] == [401, 401]
    r = obtain(client, officer.username, "wrong-pw")
    assert r.status_code == 429
    assert r.json()["detail"].startswith("Too many failed logins")
    assert obtain(client, officer.username).status_code == 429  # the right password does not help
    lockout = AuditEvent.objects.get(entity="user", entity_id=officer.pk, action="lockout")
    assert lockout.data["ip"] == "127.0.0.1" and lockout.data["channel"] == "api"
    assert lockout.data["failures"] == 3
    assert AuditEvent.objects.filter(entity_id=officer.pk, action="login_refused_locked").exists()
    pinned_clock.shift(timedelta(minutes=16))  # the cool-off passes
    assert obtain(client, officer.username).status_code == 200


def test_the_lockout_also_counts_per_address(settings):
    settings.AXES_FAILURE_LIMIT = 3
    victim = UserFactory(role=Role.OFFICER)
    client = APIClient()
    for name in ("nobody1", "nobody2", "nobody3"):  # one address, three user names
        obtain(client, name, "guess")
    assert obtain(client, victim.username).status_code == 429
    assert obtain(APIClient(REMOTE_ADDR="198.51.100.20"), victim.username).status_code == 200
    unknown = AuditEvent.objects.filter(entity="user", entity_id=0, action="login_failed")
    assert unknown.count() == 3
    assert all(len(e.data["username_digest"]) == 16 and "nobody" not in str(e.data) for e in unknown)


def test_forwarded_for_from_a_client_does_not_change_its_address(settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.MICROLOAN_TRUSTED_PROXIES = []
    for n in range(2):
        APIClient(HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").post(
            TOKEN, {"username": f"x{n}", "password": "guess"}, format="json"
        )
    officer = UserFactory(role=Role.OFFICER)
    assert obtain(APIClient(HTTP_X_FORWARDED_FOR="192.0.2.99"), officer.username).status_code == 429


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_administrators_need_the_otp_code(role, pinned_clock):
    user = UserFactory(role=role)
    device = enrolled(user)
    client = APIClient()
    r = obtain(client, user.username)
    assert r.status_code == 400 and "otp" in r.json()
    r = obtain(client, user.username, otp="000000" if twofactor.current_code(device) != "000000" else "111111")
    assert r.status_code == 400 and "otp" in r.json()
    assert AuditEvent.objects.filter(entity_id=user.pk, action="login_failed", data__step="otp").exists()
    pinned_clock.shift(timedelta(seconds=3))  # django-otp's own throttle after a wrong code
    r = obtain(client, user.username, otp=twofactor.current_code(device))
    assert r.status_code == 200, r.content
    assert bearer(r.json()["access"]).get("/api/v1/me/").status_code == 200


def test_a_manager_without_an_authenticator_is_told_to_enrol_on_the_web():
    manager = UserFactory(role=Role.MANAGER)
    r = obtain(en(), manager.username, otp="123456")
    assert r.status_code == 400
    assert "enrol" in r.json()["otp"][0]


def test_wrong_codes_count_towards_the_lockout(settings, pinned_clock):
    settings.AXES_FAILURE_LIMIT = 2
    manager = UserFactory(role=Role.MANAGER)
    device = enrolled(manager)
    wrong = "000000" if twofactor.current_code(device) != "000000" else "111111"
    client = APIClient()
    assert obtain(client, manager.username, otp=wrong).status_code == 400
    pinned_clock.shift(timedelta(seconds=3))
    assert obtain(client, manager.username, otp=wrong).status_code == 429


def test_a_borrower_needs_no_second_factor(borrower_user):
    assert obtain(APIClient(), borrower_user.username).status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_is_refused():
    officer = UserFactory(role=Role.OFFICER)
    client = APIClient()
    first = obtain(client, officer.username).json()
    r = client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert r.status_code == 200
    rotated = r.json()
    assert rotated["refresh"] != first["refresh"]
    assert bearer(rotated["access"]).get("/api/v1/me/").status_code == 200
    assert client.post(REFRESH, {"refresh": first["refresh"]}, format="json").status_code == 401
    assert client.post(REFRESH, {"refresh": rotated["refresh"]}, format="json").status_code == 200


def test_logout_revokes_the_refresh_token_and_is_audited():
    officer = UserFactory(role=Role.OFFICER)
    client = APIClient()
    tokens = obtain(client, officer.username).json()
    r = client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json")
    assert r.status_code == 204
    assert client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert client.post(LOGOUT, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    logout = AuditEvent.objects.get(entity="user", entity_id=officer.pk, action="logout")
    assert logout.data == {"ip": "127.0.0.1", "channel": "api", "reason": "logout"}


def test_logout_names_the_field_when_it_is_missing_or_bad():
    client = APIClient()
    r = client.post(LOGOUT, {}, format="json")
    assert r.status_code == 400 and "refresh" in r.json()
    assert client.post(LOGOUT, {"refresh": "not-a-token"}, format="json").status_code == 401


def test_a_password_change_ends_the_old_access_and_refresh_tokens():
    officer = UserFactory(role=Role.OFFICER)
    client = APIClient()
    tokens = obtain(client, officer.username).json()
    officer.set_password("a-new-and-long-passphrase")
    officer.save(update_fields=["password"])
    r = bearer(tokens["access"]).get("/api/v1/me/")
    assert r.status_code == 401
    assert client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    fresh = obtain(client, officer.username, "a-new-and-long-passphrase").json()
    assert bearer(fresh["access"]).get("/api/v1/me/").status_code == 200


def test_a_refresh_token_of_a_deactivated_user_is_refused():
    officer = UserFactory(role=Role.OFFICER)
    client = APIClient()
    tokens = obtain(client, officer.username).json()
    officer.is_active = False
    officer.save(update_fields=["is_active"])
    assert client.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
