"""microloan/throttling.py: the throttles count the address microloan.net.client_ip gives,
not whatever X-Forwarded-For a client sends, and a throttle whose cache is down (a real
Redis URL on a closed port) lets the request through with a warning instead of a 500."""

import logging

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from servicing.api import QuoteThrottle

pytestmark = pytest.mark.django_db
QUOTE = {"principal": "5000.00", "annual_rate": "0.1800", "term": 6, "method": "annuity"}
DOWN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}


def quote(**headers):
    return APIClient(HTTP_ACCEPT_LANGUAGE="en").post("/api/v1/quotes/", QUOTE, format="json", **headers)


@pytest.fixture
def two_a_minute(monkeypatch):
    cache.clear()
    monkeypatch.setattr(QuoteThrottle, "rate", "2/min", raising=False)
    yield
    cache.clear()


def test_the_anonymous_quote_goes_on_when_the_throttle_cache_is_down(settings, caplog, monkeypatch):
    monkeypatch.setattr(QuoteThrottle, "rate", "2/min", raising=False)
    settings.CACHES = DOWN
    with caplog.at_level(logging.WARNING, logger="microloan.throttling"):
        codes = [quote().status_code for _ in range(3)]
    assert codes == [200, 200, 200]  # the limit of 2 is not applied: it cannot be counted
    assert "QuoteThrottle allowed a request unchecked" in caplog.text


def test_an_invented_forwarded_for_does_not_dodge_the_limit(two_a_minute):
    codes = [quote(HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_the_client_behind_it_is_counted(settings, two_a_minute):
    settings.MICROLOAN_TRUSTED_PROXIES = ["127.0.0.1"]
    first = [quote(HTTP_X_FORWARDED_FOR="203.0.113.1").status_code for _ in range(3)]
    other = quote(HTTP_X_FORWARDED_FOR="203.0.113.2").status_code
    assert first == [200, 200, 429] and other == 200
