"""The collection case page's contact sheet (#11 point 4): the borrower's and the guarantors'
numbers masked for everyone who reads the case; "Show the numbers to call" gives them in clear,
for that answer only, to those who call (``collection.reveal_contacts``), each reveal an audit
row without the values; a constant number of queries either way."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from collection.services.contacts import contact_log
from microloan.models import AuditEvent, Role
from microloan.permissions import can

from ..kernel.factories import UserFactory

pytestmark = pytest.mark.django_db
GUARANTORS = [{"name": "王五", "mobile": "13900000009", "id_number": "110101199001011234"}, {"name": "赵六"}]


@pytest.fixture
def sheet_case(case, loan):
    app = loan.application
    app.guarantors = GUARANTORS
    app.save(update_fields=["guarantors"])
    return case


def clear_numbers(loan):
    return [loan.borrower.mobile, "13900000009", "王五", "110101199001011234"]


@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.OFFICER, Role.MANAGER, Role.AUDITOR])
def test_the_contact_sheet_is_masked_and_only_those_who_call_may_show_the_numbers(client, sheet_case, loan, role):
    user = UserFactory(role=role, branch=loan.branch)
    client.force_login(user)
    # when the case page is read
    with CaptureQueriesContext(connection) as q:
        r = client.get(f"/collections/{sheet_case.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    # then every number on it is masked
    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="contact-sheet"' in html and "139****0009" in html and "王*" in html
    assert not [v for v in clear_numbers(loan) if v in html]
    assert ('id="reveal-contacts"' in html) == can(user, "collection.reveal_contacts")
    # when they ask to show the numbers
    with CaptureQueriesContext(connection) as revealed_q:
        r = client.post(f"/collections/{sheet_case.pk}/contacts/reveal/", HTTP_ACCEPT_LANGUAGE="en")
    events = AuditEvent.objects.filter(entity="collection_case", entity_id=sheet_case.pk, action="reveal_contacts")
    if not can(user, "collection.reveal_contacts"):
        assert r.status_code == 403 and not events.exists()
        return
    # then the numbers are there for this answer only, and the reveal is audited without them
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    html = r.content.decode()
    assert loan.borrower.mobile in html and "13900000009" in html and 'id="revealed"' in html
    assert "110101199001011234" not in html  # the sheet is for calling: no ID numbers
    [event] = events
    assert event.actor == user and event.data == {"parties": ["borrower", "guarantor", "guarantor"]}
    assert not [v for v in clear_numbers(loan) if v in json.dumps(event.data, ensure_ascii=False)]
    again = client.get(f"/collections/{sheet_case.pk}/").content.decode()
    assert loan.borrower.mobile not in again
    assert len(revealed_q) <= len(q) + 3  # the audit row (and its savepoint), no query per guarantor


def test_the_contact_history_masks_a_guarantors_name_unless_revealed(client, sheet_case, loan, collectors):
    ten = datetime(2026, 12, 22, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    contact_log(actor=collectors[0], case=sheet_case, channel="call", party="guarantor", party_name="王五", at=ten)
    client.force_login(collectors[0])
    html = client.get(f"/collections/{sheet_case.pk}/").content.decode()
    assert "王五" not in html and "王*" in html
    html = client.post(f"/collections/{sheet_case.pk}/contacts/reveal/").content.decode()
    assert "王五" in html


def test_another_branchs_case_is_404_and_not_audited(client, sheet_case, other_branch):
    client.force_login(UserFactory(role=Role.COLLECTOR, branch=other_branch))
    assert client.post(f"/collections/{sheet_case.pk}/contacts/reveal/").status_code == 404
    assert client.get(f"/collections/{sheet_case.pk}/contacts/reveal/").status_code in (403, 404, 405)
    assert not AuditEvent.objects.filter(action="reveal_contacts").exists()
