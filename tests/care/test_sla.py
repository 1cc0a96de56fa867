"""Business days and the complaint's service level, kept through a reopening."""

from datetime import date

import pytest

from care import services
from care.models import Complaint
from microloan.business_date import business_date_set
from microloan.models import AuditEvent

from .conftest import FRIDAY
from .factories import file_complaint, move

pytestmark = pytest.mark.django_db


def test_deadlines_count_business_days_and_calendar_days(settings):
    assert services.complaint_deadlines(FRIDAY) == (date(2026, 11, 23), date(2026, 12, 5))
    assert services.complaint_deadlines(date(2026, 11, 21))[0] == date(2026, 11, 23)  # Saturday -> Monday
    settings.CUSTOMER_CARE = {"HOLIDAYS": ["2026-11-23"], "COMPLAINT_RESOLVE_DAYS": 10}
    assert services.complaint_deadlines(FRIDAY) == (date(2026, 11, 24), date(2026, 11, 30))
    settings.CUSTOMER_CARE = {"WORKING_WEEKENDS": ["2026-11-21"], "COMPLAINT_ACK_BUSINESS_DAYS": 2}
    assert services.complaint_deadlines(FRIDAY)[0] == date(2026, 11, 23)


def test_sla_breaches_are_computed_and_stay_on_the_record(today, officer, borrower):
    c = file_complaint(officer, borrower)
    assert (c.ack_due_on, c.resolve_due_on) == (date(2026, 11, 23), date(2026, 12, 5))
    sla = services.complaint_sla(c, today=date(2026, 11, 23))
    assert (sla.ack_breached, sla.resolve_breached, sla.age_days, sla.days_left) == (False, False, 3, 12)
    assert services.complaint_sla(c, today=date(2026, 11, 24)).ack_breached
    # acknowledged a day late: the breach stays after the step is done
    business_date_set(value=date(2026, 11, 24))
    services.complaint_acknowledge(actor=officer, complaint=c)
    c.refresh_from_db()
    assert services.complaint_sla(c, today=date(2026, 11, 30)).ack_breached
    assert not services.complaint_sla(c, today=date(2026, 12, 5)).resolve_breached
    late = services.complaint_sla(c, today=date(2026, 12, 6))
    assert late.resolve_breached and late.days_left == -1 and late.breached
    # resolved in time: no resolution breach however long afterwards we look
    services.complaint_investigate(actor=officer, complaint=c)
    business_date_set(value=date(2026, 12, 4))
    services.complaint_resolve(actor=officer, complaint=c, resolution="Explained the fee.")
    c.refresh_from_db()
    done = services.complaint_sla(c, today=date(2027, 3, 1))
    assert (done.resolve_breached, done.days_left, done.age_days) == (False, None, 14)


def late_resolution_reopened(officer, manager, borrower) -> Complaint:
    """Received 2026-11-02 (resolve by 11-17), resolved late on 11-20, reopened on 11-25."""
    c = file_complaint(officer, borrower, channel="letter", received_on=date(2026, 11, 2))
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Explained the fee.")
    c.refresh_from_db()
    assert services.complaint_sla(c, today=date(2026, 11, 25)).resolve_breached
    business_date_set(value=date(2026, 11, 25))
    services.complaint_reopen(actor=manager, complaint=c, reason="Borrower disputes it.")
    c.refresh_from_db()
    return c


def test_a_reopening_keeps_a_missed_resolution_deadline_on_the_record(today, officer, manager, borrower):
    # given a complaint resolved after its deadline, then reopened with a new resolution period
    c = late_resolution_reopened(officer, manager, borrower)
    assert (c.status, c.resolve_due_on, c.resolved_on, c.resolve_breached_before) == (
        "investigating",
        date(2026, 12, 10),
        None,
        True,
    )
    # then the breach stays, though the reopened period's own deadline is not past
    sla = services.complaint_sla(c, today=date(2026, 11, 26))
    assert (sla.resolve_breached, sla.breached, sla.days_left) == (True, True, 14)
    reopen = AuditEvent.objects.get(entity="complaint", entity_id=c.pk, action="reopen")
    assert reopen.data["resolve_breached"] is True and reopen.data["old_resolve_due_on"] == "2026-11-17"
    # and resolving the reopened case in time does not clear it either
    services.complaint_resolve(actor=officer, complaint=c, resolution="Refunded the fee.")
    c.refresh_from_db()
    assert services.complaint_sla(c, today=date(2027, 1, 5)).resolve_breached


def test_a_reopening_of_a_case_resolved_in_time_is_measured_by_its_new_deadline(today, officer, manager, borrower):
    c = file_complaint(officer, borrower)
    for action in ("acknowledge", "investigate"):
        move(actor=officer, complaint=c, action=action)
    services.complaint_resolve(actor=officer, complaint=c, resolution="Explained the fee.")
    business_date_set(value=date(2026, 11, 25))
    services.complaint_reopen(actor=manager, complaint=c, reason="Borrower disputes it.")
    c.refresh_from_db()
    assert c.resolve_breached_before is False
    assert not services.complaint_sla(c, today=date(2026, 12, 10)).resolve_breached
    assert services.complaint_sla(c, today=date(2026, 12, 11)).resolve_breached


def test_a_backdated_letter_is_measured_from_its_receipt(today, officer, borrower):
    c = file_complaint(officer, borrower, channel="letter", received_on=date(2026, 11, 10))
    assert (c.ack_due_on, c.resolve_due_on) == (date(2026, 11, 11), date(2026, 11, 25))
    assert services.complaint_sla(c, today=FRIDAY).ack_breached
    assert not services.complaint_sla(c, today=FRIDAY).resolve_breached
    assert services.complaint_sla(c, today=date(2026, 11, 26)).resolve_breached
