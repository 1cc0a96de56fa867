"""The trial balance page: both languages, an as-of date, staff only, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from microloan.ledger import Account, AccountType, Acct
from microloan.models import Role

from ..factories import UserFactory
from .helpers import JAN_10, JAN_15, JAN_20, D, disburse, post_across

pytestmark = pytest.mark.django_db


@pytest.mark.urls("tests.kernel.ledger_urls")
@pytest.mark.parametrize(
    "language, words",
    [
        ("zh-hans", ["贷款本金", "现金及存放/放款清算"]),
        ("en", ["Trial balance", "Loan principal receivable", "Cash and disbursement clearing"]),
    ],
)
def test_trial_balance_page_in_both_languages_shows_balanced_totals(client, language, words):
    client.force_login(UserFactory(role=Role.AUDITOR))
    disburse("10000.00")
    r = client.get("/ledger/trial-balance/", HTTP_ACCEPT_LANGUAGE=language)
    html = r.content.decode()
    assert r.status_code == 200
    assert r.context["tb"]["balanced"] and r.context["tb"]["total_debit"] == D("10000.00")
    for word in words:
        assert word in html
    assert 'id="total-debit">10,000.00<' in html and 'id="total-credit">10,000.00<' in html
    assert 'id="tb-status" class="status"' in html


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_trial_balance_page_takes_an_as_of_date_and_refuses_a_bad_one(client):
    client.force_login(UserFactory(role=Role.MANAGER))
    disburse("1000.00", day=JAN_10)
    disburse("300.00", day=JAN_20)
    r = client.get("/ledger/trial-balance/?date=2026-01-15", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.context["tb"]["as_of"] == JAN_15
    assert 'id="total-debit">1,000.00<' in r.content.decode() and "2026-01-15" in r.content.decode()
    r = client.get("/ledger/trial-balance/?date=15/01/2026", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and r.context["tb"] is None
    assert "date" in r.context["form"].errors


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_trial_balance_page_is_for_staff_only(client):
    assert client.get("/ledger/trial-balance/").status_code == 302  # to the login page
    client.force_login(UserFactory(role=Role.BORROWER))
    r = client.get("/ledger/trial-balance/")
    assert r.status_code == 302 and r["Location"] == "/app/"  # a borrower is sent to the app


@pytest.mark.urls("tests.kernel.ledger_urls")
def test_trial_balance_page_makes_a_constant_number_of_queries(client):
    client.force_login(UserFactory(role=Role.AUDITOR))
    post_across([Acct.CASH, Acct.LOAN_PRINCIPAL])
    with CaptureQueriesContext(connection) as two:
        assert client.get("/ledger/trial-balance/").status_code == 200
    extra = [Account(code=f"90{n:02d}", name=f"测试{n}", type=AccountType.INCOME) for n in range(20)]
    Account.objects.bulk_create(extra)
    post_across([a.code for a in extra])
    with CaptureQueriesContext(connection) as twenty:
        r = client.get("/ledger/trial-balance/")
    assert r.status_code == 200 and "测试19" in r.content.decode()
    assert len(two) == len(twenty)
