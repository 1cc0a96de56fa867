"""GET /healthz: the bare endpoint (container healthcheck, baseline of bench/api.sh)."""

import pytest


@pytest.mark.django_db
def test_healthz_is_ok_without_auth_or_queries(client, django_assert_num_queries):
    # given: an anonymous client
    # when
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
