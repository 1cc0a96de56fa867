"""The other people an application names (#11 point 4): its guarantors and collateral owners are
masked on the API's list and detail and on the application page for every role
(``microloan.pii.mask_parties``); their clear values only on an audited reveal (the page's
button and POST /api/v1/applications/{id}/reveal/), for the roles of ``application.reveal``."""

import json

import pytest
from django.test import Client

from microloan.models import STAFF_ROLES, AuditEvent, Role
from microloan.permissions import can
from microloan.pii import mask_parties

from ..conftest import client_for
from ..kernel.factories import UserFactory, login_verified
from .factories import ApplicationFactory, BorrowerFactory, id_number

ROLES = [*sorted(STAFF_ROLES), Role.BORROWER]
GUARANTOR_ID = id_number(3, region="110101")
OWNER_ID = id_number(4, region="310101")
GUARANTORS = [
    {"name": "王五", "id_number": GUARANTOR_ID, "mobile": "13900000009", "relation": "brother"},
    {"name": "Zhao Liu", "phone": "+8613700001234", "address": "上海市浦东新区世纪大道100号"},
]
COLLATERAL = [{"kind": "car", "value": "80000.00", "owner_name": "李四", "owner_id_number": OWNER_ID}]
CLEAR_VALUES = [
    GUARANTOR_ID,
    "13900000009",
    "王五",
    "Zhao Liu",
    "+8613700001234",
    "上海市浦东新区世纪大道100号",
    "李四",
    OWNER_ID,
]
MASKED_GUARANTORS = [
    {"name": "王*", "id_number": GUARANTOR_ID[:6] + "********" + GUARANTOR_ID[-4:], "mobile": "139****0009"},
    {"name": "Z*******", "phone": "+86137****1234", "address": "上海市浦东新区***"},
]


@pytest.fixture
def app(branch, product):
    borrower = BorrowerFactory(branch=branch)
    return ApplicationFactory(borrower=borrower, product=product, guarantors=GUARANTORS, collateral=COLLATERAL)


def _user(role, app):
    user = UserFactory(role=role, branch=app.branch, username=f"parties-{role}")
    if role == Role.BORROWER:
        app.borrower.user = user
        app.borrower.save(update_fields=["user"])
    return user


def _page_client(user):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(c, user)
    return c


def _assert_masked(text: str):
    leaked = [v for v in CLEAR_VALUES if v in text]
    assert not leaked, leaked


def test_mask_parties_masks_by_key_and_keeps_the_rest():
    masked = mask_parties(GUARANTORS)
    for got, want in zip(masked, MASKED_GUARANTORS, strict=True):
        assert {k: got[k] for k in want} == want
    assert masked[0]["relation"] == "brother"
    [car] = mask_parties(COLLATERAL)
    assert car["kind"] == "car" and car["value"] == "80000.00"
    assert car["owner_name"] == "李*" and car["owner_id_number"] == OWNER_ID[:6] + "********" + OWNER_ID[-4:]
    assert mask_parties(None) == [] and mask_parties(["text", {"name": ""}]) == ["text", {"name": ""}]


@pytest.mark.parametrize("role", ROLES)
def test_the_api_masks_the_parties_in_the_list_and_the_detail_for_every_role(role, app):
    api = client_for(_user(role, app))
    listed = api.get("/api/v1/applications/")
    detail = api.get(f"/api/v1/applications/{app.pk}/")
    assert listed.status_code == 200 and detail.status_code == 200
    [row] = [r for r in listed.data["results"] if r["id"] == app.pk]
    for data in (row, detail.data):
        assert [{k: g[k] for k in m} for g, m in zip(data["guarantors"], MASKED_GUARANTORS, strict=True)] == (
            MASKED_GUARANTORS
        )
        assert data["collateral"][0]["owner_name"] == "李*"
    _assert_masked(listed.content.decode())
    _assert_masked(detail.content.decode())


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_the_application_page_masks_the_parties(role, app):
    user = _user(role, app)
    page = _page_client(user).get(f"/applications/{app.pk}/")
    if page.status_code == 403:
        assert not can(user, "application.view")
        return
    assert page.status_code == 200
    text = page.content.decode()
    _assert_masked(text)
    assert "139****0009" in text and 'id="parties"' in text
    assert ('id="reveal"' in text) == can(user, "application.reveal")
    _assert_masked(_page_client(user).get("/applications/").content.decode())


@pytest.mark.parametrize("role", ROLES)
def test_a_reveal_on_the_api_is_for_the_tables_roles_and_audited_without_the_values(role, app):
    user = _user(role, app)
    r = client_for(user).post(f"/api/v1/applications/{app.pk}/reveal/")
    events = AuditEvent.objects.filter(entity="application", entity_id=app.pk, action="reveal")
    if not can(user, "application.reveal"):
        assert r.status_code == 403 and not events.exists()
        return
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    assert r.data == {"id": app.pk, "guarantors": GUARANTORS, "collateral": COLLATERAL}
    [event] = events
    assert event.actor == user
    _assert_masked(json.dumps([event.data, event.reason], ensure_ascii=False))
    assert event.data == {
        "guarantors": ["address", "id_number", "mobile", "name", "phone"],
        "collateral": ["owner_id_number", "owner_name"],
    }


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_the_pages_reveal_button_shows_the_parties_for_that_answer_only(role, app):
    user = _user(role, app)
    web = _page_client(user)
    r = web.post(f"/applications/{app.pk}/reveal/")
    events = AuditEvent.objects.filter(entity="application", entity_id=app.pk, action="reveal")
    if not can(user, "application.reveal"):
        assert r.status_code == 403 and not events.exists()
        return
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    text = r.content.decode()
    assert all(v in text for v in CLEAR_VALUES) and 'id="revealed"' in text
    assert events.count() == 1
    _assert_masked(web.get(f"/applications/{app.pk}/").content.decode())  # the next page masks again


def test_a_reveal_of_another_branchs_application_is_404(other_officer, app):
    assert client_for(other_officer).post(f"/api/v1/applications/{app.pk}/reveal/").status_code == 404
    assert _page_client(other_officer).post(f"/applications/{app.pk}/reveal/").status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()
