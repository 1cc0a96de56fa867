"""The holiday calendar page: the year's days for every staff member, the administrator's
form and deletion buttons (each a proposal), the reasons on the page for a bad day, and the
same queries for one day as for many."""

from datetime import date, timedelta

import pytest

from microloan.config.models import ConfigChange
from microloan.holidays.models import Holiday

from ..factories import administrators
from .factories import HolidayFactory

pytestmark = pytest.mark.django_db
URL = "/config/holidays/"


def test_a_bad_day_is_shown_with_its_reason_and_nothing_is_proposed(client):
    maker, _checker = administrators()
    client.force_login(maker)
    r = client.post(
        f"{URL}propose/", {"date": "2026-12-31", "kind": "working_day", "name": "x"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 200
    assert "A make-up working day falls on a Saturday or a Sunday." in r.content.decode()
    assert not ConfigChange.objects.exists()


def test_a_proposal_and_a_deletion_from_the_page(client):
    maker, _checker = administrators()
    client.force_login(maker)
    r = client.post(f"{URL}propose/", {"date": "2026-12-31", "kind": "holiday", "name": "Eve", "region": "SH"})
    change = ConfigChange.objects.get()
    assert r.status_code == 302 and r.url == f"/config/changes/{change.pk}/"
    assert change.payload == {"date": "2026-12-31", "kind": "holiday", "name": "Eve", "region": "SH"}
    day = HolidayFactory()
    r = client.post(f"{URL}propose/", {"delete": str(day.pk)})
    assert r.status_code == 302
    assert ConfigChange.objects.filter(operation="delete", target_id=day.pk).exists()
    assert Holiday.objects.filter(pk=day.pk).exists()  # until another administrator applies it
    r = client.post(f"{URL}propose/", {"delete": "99x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "No such calendar day." in r.content.decode()


def test_an_officer_may_not_propose(client, officer):
    client.force_login(officer)
    assert client.get(URL).status_code == 200
    assert client.post(f"{URL}propose/", {"date": "2026-12-31", "kind": "holiday", "name": "x"}).status_code == 403


def test_the_page_costs_the_same_for_one_day_or_many(client, django_assert_max_num_queries):
    maker, _checker = administrators()
    client.force_login(maker)
    HolidayFactory(date=date(2026, 1, 1))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(URL, {"year": 2026}).status_code == 200
    for k in range(30):
        HolidayFactory(date=date(2026, 1, 5) + timedelta(days=7 * k), name=f"d{k}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert "d29" in client.get(URL, {"year": 2026}).content.decode()
