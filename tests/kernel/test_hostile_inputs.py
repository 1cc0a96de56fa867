"""Hostile input (the table in tests/hostile.py, which make fuzz sends to every operation) is
a 4xx naming the field, never a server error. Each 5xx the fuzzer found has its regression
here, fixed where it arose:

- a login name longer than the user column (django-axes records a failed attempt's name in a
  column of 255 and failed on a longer one): microloan/auth_api.py caps the token request's
  ``username`` at the column's length;
- a foreign key given as a JSON number that is not whole (``1e400``, which Python reads as
  infinity, overflowed the column's ``int()``; ``1.5`` was read as 1):
  microloan/fields.py ``PrimaryKeyRelatedField``, which ``ModelSerializer`` builds.

And a sweep: every value of the table in every field of the public endpoints (a quote, a
token, a refresh, a logout), anonymously: no server error, and a refusal names the field."""

from datetime import date

import pytest
from axes.models import AccessAttempt
from rest_framework.test import APIClient

from microloan import scenarios
from underwriting.models import CreditRecord

from ..conftest import client_for
from ..hostile import BODY, BODY_VALUES, splice
from .factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
CREDIT_RECORD = {"as_of": "2026-10-01", "overdue_count_24m": 0, "worst_status_24m": "none", "inquiries_6m": 1}
QUOTE = {"principal": "5000.00", "annual_rate": "0.1800", "term": 6, "method": "annuity"}
PUBLIC = [
    ("/api/v1/quotes/", QUOTE),
    (TOKEN, {"username": "officer", "password": "pw", "otp": ""}),
    ("/api/v1/auth/token/refresh/", {"refresh": "x"}),
    ("/api/v1/auth/logout/", {"refresh": "x"}),
]


def en() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def post(client, url, body: bytes):
    return client.post(url, body, content_type="application/json")


@pytest.mark.parametrize("value", ["many-decimals", "long-ascii", "long-cjk", "long-digits"])
def test_a_login_name_longer_than_the_column_is_400_on_username(value):
    r = post(en(), TOKEN, splice({"username": "x", "password": "pw"}, "username", BODY_VALUES[value]))
    assert r.status_code == 400, r.content
    assert list(r.json()) == ["username"]
    assert not AccessAttempt.objects.exists()


def test_a_login_name_as_long_as_the_column_is_a_plain_refusal():
    user = UserFactory()
    r = post(en(), TOKEN, splice({"password": "pw"}, "username", '"' + "u" * 150 + '"'))
    assert r.status_code == 401
    assert AccessAttempt.objects.get().username == "u" * 150
    assert user.username != "u" * 150


@pytest.mark.parametrize(
    "value",
    ["huge-exponent", "big-float", "float", "negative-zero", "true", "word", "full-width-digits", "object", "list"],
)
def test_a_foreign_key_that_is_not_a_whole_number_is_400_on_the_field(officer, borrower, value):
    r = post(client_for(officer), "/api/v1/credit-records/", splice(CREDIT_RECORD, "borrower", BODY_VALUES[value]))
    assert r.status_code == 400, r.content
    assert list(r.json()) == ["borrower"]
    assert not CreditRecord.objects.exists()


@pytest.mark.parametrize("key", ["{pk}", '"{pk}"'])
def test_a_foreign_key_as_a_number_or_its_digits_is_taken(officer, borrower, key):
    scenarios.consent_recorded(borrower, officer=officer, on=date(2026, 9, 1))  # a record needs it
    body = splice(CREDIT_RECORD, "borrower", key.format(pk=borrower.pk))
    r = post(client_for(officer), "/api/v1/credit-records/", body)
    assert r.status_code == 201, r.content
    assert CreditRecord.objects.get().borrower == borrower


@pytest.mark.parametrize(("url", "base"), PUBLIC, ids=[url for url, _ in PUBLIC])
def test_no_hostile_value_in_any_field_of_a_public_endpoint_is_a_server_error(settings, url, base):
    settings.AXES_FAILURE_LIMIT = 10_000  # the login names reach django-axes, not a lockout
    client, wrong = en(), {}
    for field in base:
        for name, text in BODY:
            r = post(client, url, splice(base, field, text))
            # A refusal of the value names its field; a 2xx is a value the field may take
            # (a rate of 0, an amount of 1.5).
            if r.status_code >= 500 or (r.status_code == 400 and list(r.json()) not in ([field], ["detail"])):
                wrong[field, name] = (r.status_code, r.content[:200])
    assert wrong == {}
