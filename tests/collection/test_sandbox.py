"""collection.services.sandbox: the training sandbox closes days and runs each next morning's
jobs, for managers and administrators, only where it is switched on."""

from datetime import date

import pytest

from care.models import FollowUpVisit
from microloan.business_date import business_date, business_date_set
from microloan.notifications import Notification

pytestmark = pytest.mark.django_db  # (the ledger is checked after every test: tests/conftest.py)


def test_sandbox_advances_the_business_date_through_the_close(client, loan, approver, officer, settings):
    settings.SANDBOX_ENABLED = True
    business_date_set(value=date(2026, 12, 20))
    client.force_login(officer)
    assert client.post("/sandbox/advance/", {"days": "1"}).status_code == 403  # managers and admins only
    client.force_login(approver)
    r = client.post("/sandbox/advance/", {"days": "3"})
    assert r.status_code == 302
    loan.refresh_from_db()
    assert business_date() == date(2026, 12, 23) and loan.days_past_due == 2
    settings.SANDBOX_ENABLED = False
    assert client.post("/sandbox/advance/", {"days": "1"}).status_code == 403
    assert client.get("/sandbox/").status_code == 403


def test_each_sandbox_morning_runs_the_customer_service_job_and_the_reminders(client, loan, approver, settings):
    settings.SANDBOX_ENABLED = True
    business_date_set(value=date(2027, 1, 15))
    client.force_login(approver)
    assert client.post("/sandbox/advance/", {"days": "2"}).status_code == 302

    # the post-disbursement check is scheduled once, and on Jan 17 the borrower is reminded
    # of the instalment due on Jan 20 (three days before)
    assert FollowUpVisit.objects.filter(loan=loan, kind="post_disbursement").count() == 1
    due = loan.installments.get(is_current=True, due_date=date(2027, 1, 20))
    reminders = Notification.objects.filter(kind="reminder_before")
    assert reminders.exists() and set(reminders.values_list("reference", flat=True)) == {f"installment:{due.pk}"}


@pytest.mark.parametrize("days", ["abc", "0", "401", "1e3"])
def test_a_bad_number_of_days_is_400_naming_days_and_changes_nothing(client, approver, settings, days):
    settings.SANDBOX_ENABLED = True
    business_date_set(value=date(2026, 12, 20))
    client.force_login(approver)
    r = client.post("/sandbox/advance/", {"days": days}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert 'id="days-error">Days:' in r.content.decode()
    assert business_date() == date(2026, 12, 20)
