"""microloan/admin.py: the Django admin on its own path, behind two-factor and the lockout."""

import importlib
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from microloan import twofactor
from microloan.models import AuditEvent, Role

from .factories import PASSWORD, UserFactory, enrolled, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)


def login_url():
    return reverse("admin:login")


def test_the_admin_lives_on_its_configured_path(settings):
    assert reverse("admin:index") == "/" + settings.MICROLOAN_ADMIN_PATH


def test_production_moves_the_admin_off_the_default_path(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 60)
    monkeypatch.delenv("ADMIN_PATH", raising=False)
    sys.modules.pop("microloan.settings.production", None)
    production = importlib.import_module("microloan.settings.production")
    assert production.MICROLOAN_ADMIN_PATH.strip("/") not in ("", "admin")
    monkeypatch.setenv("ADMIN_PATH", "admin/")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(production)
    sys.modules.pop("microloan.settings.production", None)


def test_the_admin_login_needs_the_code(admin_user, pinned_clock):
    device = enrolled(admin_user)
    client = Client()
    r = client.post(login_url(), {"username": admin_user.username, "password": PASSWORD, "otp_token": ""})
    assert r.status_code == 200  # the form again
    assert client.get(reverse("admin:index")).status_code == 302
    pinned_clock.shift(timedelta(seconds=3))
    r = client.post(
        login_url(),
        {"username": admin_user.username, "password": PASSWORD, "otp_token": twofactor.current_code(device)},
    )
    assert r.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert AuditEvent.objects.filter(entity_id=admin_user.pk, action="login", data__channel="admin").exists()


def test_a_session_without_the_second_factor_is_not_let_in(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_session_verified_by_the_second_factor_is(admin_user):
    client = Client()
    login_verified(client, admin_user)
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_web_second_step_opens_the_admin_too(admin_user):
    device = enrolled(admin_user)
    client = Client()
    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    client.post("/accounts/login/otp/", {"code": twofactor.current_code(device)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_the_admin_login_locks_out_after_the_configured_failures(settings, admin_user):
    settings.AXES_FAILURE_LIMIT = 3
    enrolled(admin_user)
    client = Client()
    codes = [
        client.post(login_url(), {"username": admin_user.username, "password": "bad", "otp_token": ""}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    r = client.post(login_url(), {"username": admin_user.username, "password": PASSWORD, "otp_token": ""})
    assert r.status_code == 429
    assert AuditEvent.objects.filter(entity_id=admin_user.pk, action="lockout", data__channel="admin").exists()


def test_wrong_codes_at_the_admin_login_count_as_failed_logins(settings, admin_user, pinned_clock):
    settings.AXES_FAILURE_LIMIT = 2
    device = enrolled(admin_user)
    wrong = "000000" if twofactor.current_code(device) != "000000" else "111111"
    client = Client()
    form = {"username": admin_user.username, "password": PASSWORD, "otp_token": wrong}
    assert client.post(login_url(), form).status_code == 200
    assert AuditEvent.objects.filter(entity_id=admin_user.pk, action="login_failed", data__step="otp").exists()
    pinned_clock.shift(timedelta(seconds=3))
    assert client.post(login_url(), form).status_code == 429
