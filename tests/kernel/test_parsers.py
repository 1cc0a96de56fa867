"""microloan/parsers.py: a body nested too deep, or holding a NUL or an unpaired surrogate in
any key or string, is a 400 naming the field it is in, on every endpoint, with or without a
login; nothing reaches a view or the database."""

import pytest
from rest_framework.test import APIClient

from applications.models import Application
from microloan import parsers

from ..applications.factories import LeadFactory
from ..applications.test_api import app_body
from ..conftest import client_for
from ..servicing.factories import LoanFactory

pytestmark = pytest.mark.django_db
DEEP = "[" * 1000 + "]" * 1000


def post_raw(client, url, text):
    return client.post(url, text.encode("utf-8", "surrogatepass"), content_type="application/json")


@pytest.mark.parametrize("url", ["/api/v1/quotes/", "/api/v1/auth/token/", "/api/v1/payments/callback/"])
def test_a_body_nested_a_thousand_deep_is_400_without_a_login(url):
    r = post_raw(APIClient(HTTP_ACCEPT_LANGUAGE="en"), url, DEEP)
    assert r.status_code == 400
    assert "32 levels" in r.json()["detail"]
    r = post_raw(APIClient(HTTP_ACCEPT_LANGUAGE="en"), url, '{"principal": ' + DEEP + "}")
    assert r.status_code == 400 and "32 levels" in r.json()["principal"][0]


def test_a_deep_repayment_body_is_400(officer):
    loan = LoanFactory(officer=officer)
    r = post_raw(client_for(officer), f"/api/v1/loans/{loan.pk}/repayments/", '{"amount": ' + DEEP + "}")
    assert r.status_code == 400 and list(r.json()) == ["amount"]


@pytest.mark.parametrize(
    "guarantors",
    [
        DEEP,
        '[{"name": "Li \\u0000 Wei"}]',
        '[{"name\\u0000": "Li"}]',
        '[{"name": "\\ud800"}]',
        '[{"name": "ok", "notes": ["\\udfff"]}]',
    ],
    ids=["deep", "nul", "nul-in-key", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_refused_text_inside_guarantors_is_400_on_guarantors(officer, borrower, product, guarantors):
    import json

    body = json.dumps(app_body(borrower, product))[:-1] + ', "guarantors": ' + guarantors + "}"
    r = post_raw(client_for(officer), "/api/v1/applications/", body)
    assert r.status_code == 400, r.content
    assert list(r.json()) == ["guarantors"]
    assert not Application.objects.exists()


def test_collateral_and_lead_conversion_too(officer, borrower, product):
    body = {**app_body(borrower, product), "collateral": [{"kind": "car\x00"}]}
    r = client_for(officer).post("/api/v1/applications/", body, format="json")
    assert r.status_code == 400 and list(r.json()) == ["collateral"]
    lead = LeadFactory(officer=officer)
    r = post_raw(
        client_for(officer),
        f"/api/v1/leads/{lead.pk}/convert/",
        '{"application": {"guarantors": [{"name": "\\ud800"}]}}',
    )
    assert r.status_code == 400 and list(r.json()) == ["application"]


def test_the_refusals_come_in_the_clients_language(officer, borrower, product):
    client = client_for(officer, language="zh-hans")
    r = client.post(
        "/api/v1/applications/", {**app_body(borrower, product), "guarantors": [{"n": "\x00"}]}, format="json"
    )
    assert r.status_code == 400 and "NUL" in r.json()["guarantors"][0] and "不允许" in r.json()["guarantors"][0]


def test_a_valid_pair_of_surrogates_is_text_and_passes(officer, borrower, product):
    body = {**app_body(borrower, product), "guarantors": [{"name": "李 \U0001f600"}]}
    r = client_for(officer).post("/api/v1/applications/", body, format="json")
    assert r.status_code == 201, r.content
    assert Application.objects.get().guarantors == [{"name": "李 \U0001f600"}]


def test_form_bodies_on_the_api_are_checked_too(officer, borrower, product):
    r = client_for(officer).post("/api/v1/borrowers/", {"full_name": "a\x00"}, format="multipart")
    assert r.status_code == 400 and list(r.json()) == ["full_name"]


def test_depth_up_to_the_limit_is_fine_and_brackets_in_strings_do_not_count():
    nested = "[" * parsers.MAX_DEPTH + "]" * parsers.MAX_DEPTH
    assert parsers.loads(nested) is not None
    assert parsers.loads('{"a": "%s"}' % ("[" * 1000)) == {"a": "[" * 1000}
    assert parsers.loads('{"a\\"[": "[[["}') == {'a"[': "[[["}


def test_a_bad_top_level_key_is_not_echoed():
    from rest_framework.exceptions import ParseError

    with pytest.raises(ParseError) as caught:
        parsers.loads('{"\\ud800": 1}')
    assert list(caught.value.detail) == ["detail"]


def test_a_body_in_a_bad_or_bytes_to_bytes_charset_is_400():
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    r = client.post("/api/v1/quotes/", b"\xff\xfe{", content_type="application/json")
    assert r.status_code == 400
    r = client.post("/api/v1/quotes/", b"{}", content_type="application/json; charset=bz2_codec")
    assert r.status_code == 400
