"""microloan/auth_views.py: the web login, its second step for managers and administrators
(and the enrolment of an authenticator), the lockout page; logins, logouts and failures in
the audit trail with the address."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from microloan import twofactor
from microloan.models import AuditEvent, Role

from .factories import PASSWORD, UserFactory, enrolled

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OTP = "/accounts/login/otp/"


def password_step(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_an_officer_is_logged_in_by_the_password_and_it_is_audited():
    officer = UserFactory(role=Role.OFFICER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    r = password_step(client, officer.username)
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(entity="user", entity_id=officer.pk, action="login")
    assert event.actor == officer and event.data == {"ip": "127.0.0.1", "channel": "web"}
    client.post("/accounts/logout/")
    event = AuditEvent.objects.get(entity="user", entity_id=officer.pk, action="logout")
    assert event.data == {"ip": "127.0.0.1", "channel": "web", "reason": "logout"}


def test_a_failed_login_is_audited_without_the_password():
    officer = UserFactory(role=Role.OFFICER)
    r = password_step(Client(HTTP_ACCEPT_LANGUAGE="en"), officer.username, "wrong-secret-pw")
    assert r.status_code == 200
    event = AuditEvent.objects.get(entity="user", action="login_failed")
    assert event.entity_id == officer.pk and event.actor is None
    assert event.data == {"ip": "127.0.0.1", "channel": "web", "step": "password"}
    assert "wrong-secret-pw" not in str(event.data) + event.reason


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_administrators_give_a_code_after_the_password(role, pinned_clock):
    user = UserFactory(role=role)
    device = enrolled(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    r = password_step(client, user.username)
    assert r.status_code == 302 and r["Location"] == OTP
    assert client.get("/").status_code == 302  # not logged in on the password alone
    assert not AuditEvent.objects.filter(entity_id=user.pk, action="login").exists()
    wrong = "000000" if twofactor.current_code(device) != "000000" else "111111"
    r = client.post(OTP, {"code": wrong})
    assert r.status_code == 400 and b"Wrong or expired code" in r.content
    assert AuditEvent.objects.filter(entity_id=user.pk, action="login_failed", data__step="otp").exists()
    pinned_clock.shift(timedelta(seconds=3))  # django-otp's own throttle after a wrong code
    r = client.post(OTP, {"code": twofactor.current_code(device)})
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(entity_id=user.pk, action="login", data__channel="web").exists()


def test_the_second_step_keeps_the_next_page_and_refuses_outside_ones(pinned_clock):
    manager = UserFactory(role=Role.MANAGER)
    device = enrolled(manager)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    r = client.post(f"{LOGIN}?next=/loans/", {"username": manager.username, "password": PASSWORD, "next": "/loans/"})
    assert r["Location"] == OTP
    assert client.post(OTP, {"code": twofactor.current_code(device)})["Location"] == "/loans/"
    client.post("/accounts/logout/")
    pinned_clock.shift(timedelta(seconds=31))  # the next code
    client.post(LOGIN, {"username": manager.username, "password": PASSWORD, "next": "https://evil.example/"})
    assert client.post(OTP, {"code": twofactor.current_code(device)})["Location"] == "/"


def test_the_second_step_without_a_password_first_goes_back_to_the_login(pinned_clock):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.get(OTP)["Location"] == LOGIN
    manager = UserFactory(role=Role.MANAGER)
    enrolled(manager)
    password_step(client, manager.username)
    pinned_clock.shift(timedelta(minutes=6))  # the password step is good for 5 minutes
    assert client.get(OTP)["Location"] == LOGIN


def test_a_manager_without_an_authenticator_enrols_one_on_the_second_step():
    manager = UserFactory(role=Role.MANAGER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client, manager.username)
    r = client.get(OTP)
    html = r.content.decode()
    assert r.status_code == 200
    assert "<svg" in html and "src=" not in re.search(r'<figure class="otp-qr".*?</figure>', html, re.S).group(0)
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert twofactor.secret_text(device) in html
    assert client.get(OTP).content.decode().count(twofactor.secret_text(device)) == 1  # the same secret again
    r = client.post(OTP, {"code": twofactor.current_code(device)})
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200


def test_the_second_step_names_a_malformed_code():
    manager = UserFactory(role=Role.MANAGER)
    enrolled(manager)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client, manager.username)
    r = client.post(OTP, {"code": "12ab"})
    assert r.status_code == 400 and b"Enter the 6 digits" in r.content


def test_the_web_login_locks_out_after_the_configured_failures(settings, pinned_clock):
    settings.AXES_FAILURE_LIMIT = 3
    officer = UserFactory(role=Role.OFFICER)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert [password_step(client, officer.username, "nope").status_code for _ in range(2)] == [200, 200]
    r = password_step(client, officer.username, "nope")
    assert r.status_code == 429 and b"Too many failed logins" in r.content
    assert password_step(client, officer.username).status_code == 429
    assert AuditEvent.objects.filter(entity_id=officer.pk, action="lockout", data__channel="web").exists()
    pinned_clock.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    assert password_step(client, officer.username).status_code == 302


def test_wrong_codes_on_the_second_step_lock_out_too(settings, pinned_clock):
    settings.AXES_FAILURE_LIMIT = 2
    manager = UserFactory(role=Role.MANAGER)
    device = enrolled(manager)
    wrong = "000000" if twofactor.current_code(device) != "000000" else "111111"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client, manager.username)
    assert client.post(OTP, {"code": wrong}).status_code == 400
    pinned_clock.shift(timedelta(seconds=3))
    assert client.post(OTP, {"code": wrong}).status_code == 429
    assert client.get(OTP).status_code == 429
    assert client.get(OTP)["Location"] == LOGIN  # the password step is forgotten
    assert AuditEvent.objects.filter(entity_id=manager.pk, action="lockout").exists()


def test_the_lockout_page_is_in_chinese_too(settings):
    settings.AXES_FAILURE_LIMIT = 1
    r = Client().post(LOGIN, {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 429
    assert "登录失败次数过多" in r.content.decode()
