"""Auto-debit mandates (代扣) and the daily debit job: idempotent per instalment and day, a
failure's reason for the borrower (the API, a message) and the officer (the loan page)."""

from datetime import date

import pytest
from django.core.management import call_command

from microloan.business_date import business_date_set
from microloan.notifications import Notification
from servicing.mandates import debits_collect
from servicing.payment_models import DebitAttempt
from servicing.tasks import collect_debits

from .payment_support import borrower_login, demo_channel

pytestmark = pytest.mark.django_db
FIRST_DUE = date(2026, 12, 20)


@pytest.fixture
def app_user(loan):
    demo_channel()
    return borrower_login(loan)


def _mandate(api, user, last4="1234"):
    return api(user).post("/api/v1/me/mandates/", {"channel": "demo", "account_last4": last4}, format="json")


def test_a_mandate_is_given_listed_and_revoked(api, app_user):
    r = _mandate(api, app_user)
    assert r.status_code == 201 and r.json()["status"] == "active"
    assert _mandate(api, app_user).status_code == 409
    listed = api(app_user).get("/api/v1/me/mandates/").json()
    assert listed["count"] == 1 and listed["results"][0]["account_last4"] == "1234"
    r = api(app_user).post(f"/api/v1/me/mandates/{r.json()['id']}/revoke/")
    assert r.status_code == 200 and r.json()["status"] == "revoked"
    assert _mandate(api, app_user, "5678").status_code == 201


@pytest.mark.parametrize(
    "body", [{"channel": "nope", "account_last4": "1234"}, {"channel": "demo", "account_last4": "12a4"}]
)
def test_bad_mandates_are_400(api, app_user, body):
    assert api(app_user).post("/api/v1/me/mandates/", body, format="json").status_code == 400


def test_staff_give_no_mandates(api, officer):
    assert (
        api(officer)
        .post("/api/v1/me/mandates/", {"channel": "demo", "account_last4": "1234"}, format="json")
        .status_code
        == 403
    )


def test_the_job_debits_a_due_instalment_once(api, app_user, loan):
    _mandate(api, app_user)
    assert debits_collect(business_date=date(2026, 12, 19)) == {"succeeded": 0, "failed": 0}
    business_date_set(value=FIRST_DUE)
    assert debits_collect(business_date=FIRST_DUE) == {"succeeded": 1, "failed": 0}
    assert debits_collect(business_date=FIRST_DUE) == {"succeeded": 0, "failed": 0}
    attempt = DebitAttempt.objects.get()
    assert attempt.status == "succeeded" and attempt.repayment.amount == attempt.amount
    first = loan.installments.filter(is_current=True).order_by("number").first()
    assert first.status == "paid"
    # The command and the task run the same, and find nothing more to do.
    call_command("collect_debits", "--date", FIRST_DUE.isoformat())
    assert collect_debits(FIRST_DUE.isoformat())["succeeded"] == 0
    assert DebitAttempt.objects.count() == 1


def test_a_failed_debit_tells_the_borrower_and_the_officer(api, app_user, loan, officer, client, settings):
    settings.DEMO_DEBIT_FAILURE = "account frozen"
    _mandate(api, app_user)
    business_date_set(value=FIRST_DUE)
    assert debits_collect(business_date=FIRST_DUE) == {"succeeded": 0, "failed": 1}
    last = api(app_user).get("/api/v1/me/mandates/").json()["results"][0]["last_debit"]
    assert last["status"] == "failed" and last["reason"] == "account frozen"
    sms = Notification.objects.get(kind="debit_failed", channel="sms")
    assert "account frozen" in sms.body and loan.contract.number in sms.body
    from tests.kernel.factories import login_verified

    login_verified(client, officer)
    page = client.get(f"/loans/{loan.pk}/")
    assert page.status_code == 200 and "account frozen" in page.content.decode()


def test_an_account_ending_0000_has_no_funds(api, app_user):
    _mandate(api, app_user, "0000")
    business_date_set(value=FIRST_DUE)
    assert debits_collect(business_date=FIRST_DUE)["failed"] == 1
    assert DebitAttempt.objects.get().reason == "insufficient funds"
