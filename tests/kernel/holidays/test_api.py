"""/api/v1/holidays/: every staff member reads the calendar, an administrator's write is a
proposal (202) a second administrator applies; bad input is a 400 naming the field; the
list costs the same queries for 1 day as for 16."""

from datetime import date, timedelta

import pytest

from microloan.holidays.models import Holiday
from microloan.models import AuditEvent, Role

from ...conftest import client_for
from ..factories import UserFactory, administrators
from .factories import HolidayFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/holidays/"


@pytest.fixture
def admins(branch):
    return administrators(branch)


def test_staff_read_and_borrowers_do_not(officer, borrower_user):
    HolidayFactory()
    r = client_for(officer).get(URL)
    assert r.status_code == 200
    assert r.json()["results"] == [
        {"id": Holiday.objects.get().pk, "date": "2026-10-01", "kind": "holiday", "name": "National Day", "region": ""}
    ]
    assert client_for(borrower_user).get(URL).status_code == 403


def test_only_an_administrator_proposes(officer):
    r = client_for(officer).post(URL, {"date": "2026-12-31", "kind": "holiday", "name": "x"}, format="json")
    assert r.status_code == 403
    assert not Holiday.objects.exists()


def test_a_proposal_applied_by_another_administrator_adds_the_day(admins):
    maker, checker = admins
    r = client_for(maker).post(
        URL, {"date": "2026-12-31", "kind": "holiday", "name": "New Year's Eve", "region": "SH"}, format="json"
    )
    assert r.status_code == 202, r.json()
    change = r.json()
    assert change["kind"] == "holiday" and change["status"] == "pending"
    assert change["payload"] == {"date": "2026-12-31", "kind": "holiday", "name": "New Year's Eve", "region": "SH"}
    assert not Holiday.objects.exists()
    assert client_for(maker).post(f"/api/v1/config-changes/{change['id']}/apply/").status_code == 403
    assert client_for(checker).post(f"/api/v1/config-changes/{change['id']}/apply/").status_code == 200
    day = Holiday.objects.get()
    assert (day.date, day.region) == (date(2026, 12, 31), "SH")
    audit = AuditEvent.objects.filter(entity="config_change", action="apply").get()
    assert audit.data["after"]["name"] == "New Year's Eve"


def test_change_and_delete_are_proposals_too(admins):
    maker, checker = admins
    day = HolidayFactory()
    r = client_for(maker).patch(f"{URL}{day.pk}/", {"name": "国庆节"}, format="json")
    assert r.status_code == 202, r.json()
    assert r.json()["operation"] == "update" and r.json()["payload"] == {"name": "国庆节"}
    client_for(checker).post(f"/api/v1/config-changes/{r.json()['id']}/apply/")
    day.refresh_from_db()
    assert day.name == "国庆节"
    r = client_for(maker).delete(f"{URL}{day.pk}/")
    assert r.status_code == 202 and r.json()["operation"] == "delete"
    assert Holiday.objects.exists()
    client_for(checker).post(f"/api/v1/config-changes/{r.json()['id']}/apply/")
    assert not Holiday.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"kind": "holiday", "name": "x"}, "date"),
        ({"date": "2026-13-01", "kind": "holiday", "name": "x"}, "date"),
        ({"date": "2026-12-31", "kind": "festival", "name": "x"}, "kind"),
        ({"date": "2026-12-31", "kind": "holiday"}, "name"),
        ({"date": "2026-12-31", "kind": "holiday", "name": "x", "region": "r" * 41}, "region"),
        # a make-up working day is a weekend day
        ({"date": "2026-12-31", "kind": "working_day", "name": "x"}, "date"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admins, body, field):
    r = client_for(admins[0]).post(URL, body, format="json")
    assert r.status_code == 400
    assert field in r.json() and isinstance(r.json()[field], list)


def test_the_same_date_and_region_twice_is_a_400(admins):
    HolidayFactory()
    r = client_for(admins[0]).post(URL, {"date": "2026-10-01", "kind": "holiday", "name": "again"}, format="json")
    assert r.status_code == 400 and list(r.json()) == ["date"], r.json()
    # another region's day on the same date is another day
    r = client_for(admins[0]).post(
        URL, {"date": "2026-10-01", "kind": "holiday", "name": "again", "region": "XJ"}, format="json"
    )
    assert r.status_code == 202, r.json()


def test_by_year_and_region(officer):
    HolidayFactory(date=date(2026, 10, 1))
    HolidayFactory(date=date(2027, 10, 1))
    HolidayFactory(date=date(2026, 10, 1), region="XJ")
    c = client_for(officer)
    assert [d["date"] for d in c.get(URL, {"year": 2026}).json()["results"]] == ["2026-10-01", "2026-10-01"]
    assert [d["region"] for d in c.get(URL, {"year": 2026, "region": "XJ"}).json()["results"]] == ["XJ"]
    assert c.get(URL, {"year": "20x6"}).status_code == 400


def test_the_list_costs_the_same_for_one_day_or_sixteen(officer, django_assert_num_queries):
    c = client_for(officer)
    HolidayFactory()
    c.get(URL)
    with django_assert_num_queries(2) as one:
        assert len(c.get(URL).json()["results"]) == 1
    for k in range(15):
        HolidayFactory(date=date(2026, 1, 5) + timedelta(days=7 * k), name=f"d{k}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(c.get(URL).json()["results"]) == 16


def test_any_staff_role_reads(db):
    for role in (Role.COLLECTOR, Role.AUDITOR, Role.SUPERVISOR):
        assert client_for(UserFactory(role=role)).get(URL).status_code == 200


def test_a_repeated_post_with_its_idempotency_key_proposes_once(admins):
    from microloan.config.models import ConfigChange

    c = client_for(admins[0])
    body = {"date": "2026-12-31", "kind": "holiday", "name": "Eve"}
    first = c.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hol-1")
    again = c.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="hol-1")
    assert first.status_code == again.status_code == 202 and first.json() == again.json()
    assert ConfigChange.objects.filter(kind="holiday").count() == 1
