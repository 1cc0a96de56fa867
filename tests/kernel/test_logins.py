"""microloan/logins.py: what the login audit rows hold, and which sessions the idle timeout
watches."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory

from microloan.logins import LAST_ACTIVITY_KEY, channel
from microloan.models import AuditEvent, Role

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_channel_comes_from_the_path(settings):
    rf = RequestFactory()
    assert channel(rf.post("/api/v1/auth/token/")) == "api"
    assert channel(rf.post("/" + settings.MICROLOAN_ADMIN_PATH + "login/")) == "admin"
    assert channel(rf.post("/accounts/login/")) == "web"


def test_an_unknown_user_name_is_kept_only_as_a_keyed_digest():
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.5")
    assert authenticate(request, username="13800000009", password="guess") is None
    event = AuditEvent.objects.get(entity="user", action="login_failed")
    assert event.entity_id == 0
    assert event.data["ip"] == "203.0.113.5"
    assert "13800000009" not in str(event.data) and "guess" not in str(event.data)
    authenticate(RequestFactory().post("/accounts/login/"), username="13800000009", password="other")
    digests = set(AuditEvent.objects.filter(action="login_failed").values_list("data__username_digest", flat=True))
    assert len(digests) == 1  # the same name tried twice shows as the same digest


def test_staff_sessions_are_timed_and_borrowers_are_not(borrower_user):
    staff, borrower = Client(), Client()
    staff.force_login(UserFactory(role=Role.AUDITOR))
    borrower.force_login(borrower_user)
    assert LAST_ACTIVITY_KEY in staff.session
    assert LAST_ACTIVITY_KEY not in borrower.session


def test_the_full_password_validators_apply(settings):
    assert len(settings.AUTH_PASSWORD_VALIDATORS) == 4
    user = UserFactory(username="zhangwei", role=Role.OFFICER)
    for weak in ["12345678901", "password123", "zhangwei1", "short1"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("川流不息-loan-2026", user)
