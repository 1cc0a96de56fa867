"""Personal information on intake's surfaces (#11 point 4): masked for every role on the
borrower list and page, the API's list and detail; the clear values only on an audited reveal
(the page's button and POST /api/v1/borrowers/{id}/reveal/), for the roles of the table's
``borrower.reveal``; no search by the beginning of an ID number without it."""

import json

import pytest
from django.test import Client

from applications.models import Borrower
from microloan.models import STAFF_ROLES, AuditEvent, Role
from microloan.permissions import can

from ..conftest import client_for
from ..kernel.factories import UserFactory, login_verified
from .factories import BorrowerFactory, id_number

ROLES = [*sorted(STAFF_ROLES), Role.BORROWER]
SPOUSE_ID = id_number(7, region="110101")
CLEAR = {
    "mobile": "13812345678",
    "address": "北京市朝阳区建国路88号院7号楼",
    "spouse_name": "王芳芳",
    "spouse_id_number": SPOUSE_ID,
}
MASKED = {
    "mobile": "138****5678",
    "address": "北京市朝阳区***",
    "spouse_name": "王**",
    "spouse_id_number": SPOUSE_ID[:6] + "********" + SPOUSE_ID[-4:],
}


@pytest.fixture
def person(branch):
    return BorrowerFactory(branch=branch, marital_status="married", **CLEAR)


def _masked_id(b):
    return b.id_number[:6] + "********" + b.id_number[-4:]


def _user(role, person):
    user = UserFactory(role=role, branch=person.branch, username=f"pii-{role}")
    if role == Role.BORROWER:
        person.user = user
        person.save(update_fields=["user"])
    return user


def _page_client(user):
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(c, user)
    return c


def _clear_values(person):
    return [person.id_number, *CLEAR.values()]


def _assert_masked(text: str, person):
    for value in _clear_values(person):
        assert value not in text
    assert _masked_id(person) in text


@pytest.mark.parametrize("role", ROLES)
def test_the_api_masks_the_list_and_the_detail_for_every_role(role, person):
    api = client_for(_user(role, person))
    listed = api.get("/api/v1/borrowers/")
    assert listed.status_code == 200
    [row] = [r for r in listed.data["results"] if r["id"] == person.pk]
    detail = api.get(f"/api/v1/borrowers/{person.pk}/")
    assert detail.status_code == 200
    for data in (row, detail.data):
        assert data["id_number"] == _masked_id(person)
        for field, masked in MASKED.items():
            assert data[field] == masked, field
    _assert_masked(json.dumps(listed.data, ensure_ascii=False), person)
    _assert_masked(json.dumps(detail.data, ensure_ascii=False), person)


def test_the_borrowers_own_profile_is_masked_too(person):
    me = client_for(_user(Role.BORROWER, person)).get("/api/v1/me/")
    assert me.status_code == 200 and me.data["id_number"] == _masked_id(person)
    assert me.data["mobile"] == MASKED["mobile"]


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_the_list_and_the_page_mask_for_every_staff_role(role, person):
    user = _user(role, person)
    web = _page_client(user)
    listed = web.get("/borrowers/")
    assert listed.status_code == 200
    _assert_masked(listed.content.decode(), person)
    page = web.get(f"/borrowers/{person.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    _assert_masked(text, person)
    for masked in MASKED.values():
        assert masked in text
    assert ('id="reveal"' in text) == can(user, "borrower.reveal")


@pytest.mark.parametrize("role", ROLES)
def test_a_reveal_on_the_api_is_for_the_tables_roles_and_audited_without_the_values(role, person):
    user = _user(role, person)
    r = client_for(user).post(f"/api/v1/borrowers/{person.pk}/reveal/")
    events = AuditEvent.objects.filter(entity="borrower", entity_id=person.pk, action="reveal")
    if not can(user, "borrower.reveal"):
        assert r.status_code == 403 and not events.exists()
        return
    assert r.status_code == 200
    assert r.data == {"id": person.pk, "id_number": person.id_number, **CLEAR}
    [event] = events
    assert event.actor == user and event.at is not None
    stored = json.dumps([event.data, event.reason, event.from_state, event.to_state], ensure_ascii=False)
    for value in _clear_values(person):
        assert value not in stored
    assert event.data == {"fields": ["id_number", "mobile", "address", "spouse_name", "spouse_id_number"]}


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_the_pages_reveal_button_shows_clear_values_for_that_answer_only(role, person):
    user = _user(role, person)
    web = _page_client(user)
    r = web.post(f"/borrowers/{person.pk}/reveal/")
    events = AuditEvent.objects.filter(entity="borrower", entity_id=person.pk, action="reveal")
    if not can(user, "borrower.reveal"):
        assert r.status_code == 403 and not events.exists()
        return
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    text = r.content.decode()
    for value in _clear_values(person):
        assert value in text
    assert 'id="revealed"' in text
    [event] = events
    assert event.actor == user
    assert person.id_number not in json.dumps(event.data)
    _assert_masked(web.get(f"/borrowers/{person.pk}/").content.decode(), person)  # the next page masks again


def test_a_reveal_of_another_branchs_borrower_is_404(other_officer, person):
    assert client_for(other_officer).post(f"/api/v1/borrowers/{person.pk}/reveal/").status_code == 404
    assert _page_client(other_officer).post(f"/borrowers/{person.pk}/reveal/").status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_a_patch_answers_masked_and_never_stores_a_mask(officer, person):
    api = client_for(officer)
    r = api.patch(f"/api/v1/borrowers/{person.pk}/", {"occupation": "teacher"}, format="json")
    assert r.status_code == 200 and r.data["mobile"] == MASKED["mobile"]
    # Echoing back what the API gave: the masked values are ignored, the rest saved.
    echo = {**r.data, "occupation": "driver"}
    r = api.patch(f"/api/v1/borrowers/{person.pk}/", echo, format="json")
    assert r.status_code == 200
    person.refresh_from_db()
    assert person.occupation == "driver" and person.mobile == CLEAR["mobile"]
    assert person.address == CLEAR["address"] and person.spouse_id_number == SPOUSE_ID
    # Another masked value is refused, naming the field.
    r = api.patch(f"/api/v1/borrowers/{person.pk}/", {"mobile": "139****0000"}, format="json")
    assert r.status_code == 400 and list(r.data) == ["mobile"]
    r = api.post("/api/v1/borrowers/", {"id_number": "110101********1234", "full_name": "x"}, format="json")
    assert r.status_code == 400 and "id_number" in r.data
    assert Borrower.objects.get(pk=person.pk).mobile == CLEAR["mobile"]


def test_an_update_is_audited_with_the_personal_values_masked(officer, person):
    client_for(officer).patch(f"/api/v1/borrowers/{person.pk}/", {"mobile": "13987654321"}, format="json")
    event = AuditEvent.objects.get(entity="borrower", entity_id=person.pk, action="update")
    assert event.data == {"mobile": ["138****5678", "139****4321"]}


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_only_the_roles_that_may_reveal_search_by_the_beginning_of_an_id_number(role, person):
    user = _user(role, person)
    prefix = person.id_number[:10]
    api, web = client_for(user), _page_client(user)
    by_prefix = [r["id"] for r in api.get("/api/v1/borrowers/", {"q": prefix}).data["results"]]
    by_number = [r["id"] for r in api.get("/api/v1/borrowers/", {"q": person.id_number.lower()}).data["results"]]
    page_by_prefix = f"/borrowers/{person.pk}/" in web.get("/borrowers/", {"q": prefix}).content.decode()
    page_by_number = f"/borrowers/{person.pk}/" in web.get("/borrowers/", {"q": person.id_number}).content.decode()
    assert by_number == [person.pk] and page_by_number
    may = can(user, "borrower.reveal")
    assert (by_prefix == [person.pk]) == may and page_by_prefix == may


def test_the_django_admin_lists_borrowers_and_leads_masked(person, branch):
    from .factories import LeadFactory

    lead = LeadFactory(officer=UserFactory(branch=branch), mobile="13755556666")
    superuser = UserFactory(role=Role.ADMIN, branch=branch, is_staff=True, is_superuser=True, username="root-pii")
    web = _page_client(superuser)
    for path in ("/admin/applications/borrower/", f"/admin/applications/borrower/{person.pk}/change/"):
        r = web.get(path)
        assert r.status_code == 200, path
        for value in _clear_values(person):
            assert value not in r.content.decode(), (path, value)
    assert _masked_id(person) in web.get("/admin/applications/borrower/").content.decode()
    leads = web.get("/admin/applications/lead/").content.decode()
    assert "137****6666" in leads and lead.mobile not in leads
    assert str(person) == f"{person.full_name} ({_masked_id(person)})"


def test_the_leads_api_masks_the_mobile_and_a_conversion_may_echo_it(officer, product):
    api = client_for(officer)
    created = api.post("/api/v1/leads/", {"name": "周强", "mobile": "13700001234", "channel": "street"}, format="json")
    assert created.status_code == 201 and created.data["mobile"] == "137****1234"
    listed = api.get("/api/v1/leads/").data["results"]
    assert [row["mobile"] for row in listed] == ["137****1234"]
    given = {"full_name": "周强", "id_number": id_number(41), "mobile": "137****1234", "segment": "salaried"}
    body = {"borrower": given}
    r = api.post(f"/api/v1/leads/{created.data['id']}/convert/", body, format="json")
    assert r.status_code == 201, r.data
    assert Borrower.objects.get(pk=r.data["borrower"]).mobile == "13700001234"
