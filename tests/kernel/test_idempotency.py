"""Idempotency-Key (API.md): the same key and body again returns the first response and changes
nothing; the same key with another body is 422; keys are per user and path and kept a day."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connections
from rest_framework.test import APIClient

from microloan.idempotency import IdempotencyRecord, request_fingerprint, request_scope
from microloan.models import AuditEvent

from . import idempotency_urls
from .factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.kernel.idempotency_urls")]

URL = "/payments/"
BODY = {"amount": "100.00"}


def client_for(user, **kwargs) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", **kwargs)
    client.force_authenticate(user)
    return client


def post(client, body=BODY, key=None, url=URL):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(url, body, format="json", **headers)


def side_effects() -> int:
    return AuditEvent.objects.filter(entity=idempotency_urls.ENTITY).count()


@pytest.fixture
def user(db):
    return UserFactory()


# --- replay and mismatch ---------------------------------------------------------------------


def test_the_same_key_and_body_again_replays_the_first_response(user):
    client = client_for(user)

    first = post(client, key="k-1")
    again = post(client, key="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # also the timestamp, as the client saw it the first time
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert side_effects() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.key, record.scope, record.status_code) == ("k-1", f"{user.pk}:{URL}", 201)
    assert record.user == user and record.completed_at is not None


def test_the_same_key_with_another_body_is_422_and_changes_nothing(user):
    client = client_for(user)
    post(client, key="k-1")

    r = post(client, {"amount": "999.00"}, key="k-1")

    assert r.status_code == 422
    assert r.json() == {"detail": "This Idempotency-Key was used with a different request body."}
    assert side_effects() == 1


def test_keys_are_scoped_per_user(user):
    other = UserFactory()

    mine = post(client_for(user), key="shared")
    theirs = post(client_for(other), key="shared")

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"] and "Idempotent-Replayed" not in theirs
    assert side_effects() == 2


def test_keys_are_scoped_per_path_and_work_under_action(user):
    client = client_for(user)

    one = post(client, key="k", url="/things/1/disburse/")
    two = post(client, key="k", url="/things/2/disburse/")
    two_again = post(client, key="k", url="/things/2/disburse/")

    assert one.status_code == two.status_code == two_again.status_code == 201
    assert two_again.json() == two.json() and two_again["Idempotent-Replayed"] == "true"
    assert side_effects() == 2


def test_without_a_key_every_request_runs(user):
    client = client_for(user)

    ids = {post(client).json()["id"] for _ in range(3)}

    assert len(ids) == 3 and side_effects() == 3
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_empty_or_too_long_key_is_400(user, key):
    r = post(client_for(user), key=key)

    assert r.status_code == 400 and list(r.json()) == ["Idempotency-Key"]
    assert side_effects() == 0


def test_a_key_of_255_characters_is_fine(user):
    client = client_for(user)
    assert post(client, key="x" * 255).status_code == 201
    assert post(client, key="x" * 255)["Idempotent-Replayed"] == "true"
    assert side_effects() == 1


# --- errors ---------------------------------------------------------------------------------


def test_a_domain_error_is_stored_and_replayed(user):
    client = client_for(user)

    first = post(client, {"bad": True}, key="k-bad")
    again = post(client, {"bad": True}, key="k-bad")

    assert first.status_code == again.status_code == 400
    assert first.json() == again.json() == {"amount": ["Enter a positive amount."]}
    assert again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().status_code == 400


def test_a_crash_is_not_stored_so_a_retry_runs_again(user, monkeypatch):
    client = client_for(user, raise_request_exception=False)

    crashed = post(client, {"boom": True}, key="k-boom")
    assert crashed.status_code == 500
    assert not IdempotencyRecord.objects.exists() and side_effects() == 0

    # when the outage is over, the same key and body run for real, once
    monkeypatch.setattr(idempotency_urls, "BOOM_ENABLED", False)
    retried = post(client, {"boom": True}, key="k-boom")
    replayed = post(client, {"boom": True}, key="k-boom")

    assert retried.status_code == replayed.status_code == 201
    assert "Idempotent-Replayed" not in retried and replayed["Idempotent-Replayed"] == "true"
    assert side_effects() == 1


def test_a_5xx_response_is_not_stored(user):
    client = client_for(user)

    assert post(client, {"unavailable": True}, key="k-503").status_code == 503
    again = post(client, {"unavailable": True}, key="k-503")

    assert again.status_code == 503 and "Idempotent-Replayed" not in again
    assert not IdempotencyRecord.objects.exists()


def test_a_request_still_in_flight_past_the_wait_is_409(user, settings):
    # given a first request that claimed the key and never finished
    settings.IDEMPOTENCY_WAIT_SECONDS = 0.2
    body = b'{"amount":"100.00"}'
    IdempotencyRecord.objects.create(
        key="k-stuck",
        scope=request_scope(user_id=user.pk, path=URL),
        user=user,
        request_hash=request_fingerprint(method="POST", path=URL, body=body),
    )

    r = client_for(user).post(URL, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-stuck")

    assert r.status_code == 409
    assert r.json() == {"detail": "A request with this Idempotency-Key is still being processed."}
    assert side_effects() == 0


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_run_once():
    user = UserFactory()
    n = 20
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def send(i):
        try:
            client = client_for(user)
            barrier.wait(timeout=10)
            r = post(client, {**BODY, "sleep": 0.2}, key="k-race")
            results[i] = (r.status_code, r.json(), r.get("Idempotent-Replayed"))
        except Exception as exc:  # reported by the assertions below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert all(isinstance(r, tuple) for r in results), results
    assert {status for status, _, _ in results} == {201}
    assert len({body["id"] for _, body, _ in results}) == 1
    assert [replayed for _, _, replayed in results].count("true") == n - 1
    assert side_effects() == 1
    assert IdempotencyRecord.objects.count() == 1


# --- the decorator itself and the purge ---------------------------------------------------


def test_the_decorator_keeps_the_name_docstring_and_action_attributes():
    disburse = idempotency_urls.ThingViewSet.disburse
    assert disburse.__name__ == "disburse" and disburse.__doc__ == "Pay a thing out."
    assert disburse.detail is True and disburse.kwargs["description"] == "Pay a thing out."
    assert idempotency_urls.PaymentView.post.idempotent is True


def test_purge_deletes_only_rows_older_than_a_day(user, now):
    def record(key, age):
        r = IdempotencyRecord.objects.create(key=key, scope=f"{user.pk}:{URL}", request_hash="0" * 64)
        IdempotencyRecord.objects.filter(pk=r.pk).update(created_at=now - age)

    record("old", timedelta(hours=25))
    record("older", timedelta(days=3))
    record("fresh", timedelta(hours=23))

    call_command("purge_idempotency")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


def test_purge_honours_the_ttl_setting(user, settings, now):
    settings.IDEMPOTENCY_TTL_HOURS = 1
    r = IdempotencyRecord.objects.create(key="k", scope=f"{user.pk}:{URL}", request_hash="0" * 64)
    IdempotencyRecord.objects.filter(pk=r.pk).update(created_at=now - timedelta(hours=2))

    call_command("purge_idempotency")

    assert not IdempotencyRecord.objects.exists()
