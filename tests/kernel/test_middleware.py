"""microloan/middleware.py: a staff session idle past the limit is logged out; an active one
is not; borrowers' sessions are not timed."""

from datetime import timedelta

import pytest
from django.test import Client

from microloan.logins import LAST_ACTIVITY_KEY
from microloan.models import AuditEvent, Role

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_idle_staff_session_expires(settings, pinned_clock):
    settings.MICROLOAN_STAFF_IDLE_MINUTES = 30
    officer = UserFactory(role=Role.OFFICER)
    client = Client()
    client.force_login(officer)
    assert client.get("/").status_code == 200
    pinned_clock.shift(timedelta(minutes=31))
    r = client.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    event = AuditEvent.objects.get(entity="user", entity_id=officer.pk, action="logout")
    assert event.data["reason"] == "idle" and event.data["ip"] == "127.0.0.1"
    assert client.get("/").status_code == 302  # still logged out


def test_an_active_staff_session_does_not(settings, pinned_clock):
    settings.MICROLOAN_STAFF_IDLE_MINUTES = 30
    manager = UserFactory(role=Role.MANAGER)
    client = Client()
    client.force_login(manager)
    for _ in range(4):
        pinned_clock.shift(timedelta(minutes=20))  # 80 minutes in all, never 30 idle
        assert client.get("/").status_code == 200


def test_the_limit_is_a_setting(settings, pinned_clock):
    settings.MICROLOAN_STAFF_IDLE_MINUTES = 5
    officer = UserFactory(role=Role.OFFICER)
    client = Client()
    client.force_login(officer)
    pinned_clock.shift(timedelta(minutes=6))
    assert client.get("/").status_code == 302


def test_a_borrower_session_is_not_timed(settings, pinned_clock, borrower_user):
    settings.MICROLOAN_STAFF_IDLE_MINUTES = 30
    client = Client()
    client.force_login(borrower_user)
    pinned_clock.shift(timedelta(hours=2))
    assert client.get("/api/v1/me/").status_code == 200


def test_a_staff_session_from_before_the_timeout_is_timed_from_its_next_request(settings, pinned_clock):
    settings.MICROLOAN_STAFF_IDLE_MINUTES = 30
    client = Client()
    client.force_login(UserFactory(role=Role.OFFICER))
    session = client.session
    del session[LAST_ACTIVITY_KEY]
    session.save()
    assert client.get("/").status_code == 200
    assert LAST_ACTIVITY_KEY in client.session
    pinned_clock.shift(timedelta(minutes=31))
    assert client.get("/").status_code == 302
