"""The payoff quote page (/loans/<pk>/payoff/, #14 point 6): a date defaulting to the business
date as an ISO value in both languages, the quote part by part with the interest not charged,
the same figure as the API's, a bad date refused on its field, other branches' loans 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from microloan.models import Role

from ..kernel.factories import BranchFactory, UserFactory
from .test_earned import START, loan30  # noqa: F401  (the 30,000.00 loan of the fair-repayment tests)

pytestmark = pytest.mark.django_db


def client_for(user, language="en"):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    c.force_login(user)
    return c


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_quotes_the_business_date_by_default(officer, loan30, language):  # noqa: F811
    r = client_for(officer, language).get(f"/loans/{loan30.pk}/payoff/")
    html = r.content.decode()
    assert r.status_code == 200
    assert f'value="{START.isoformat()}"' in html  # an ISO value <input type="date"> accepts
    # on the disbursement day: all the principal, no interest earned yet, nothing else
    assert 'id="payoff-amount">30,000.00<' in html and 'id="payoff-interest">0.00<' in html
    assert 'id="payoff-forgiven"' in html  # the scheduled interest it does not charge


def test_a_date_ten_days_on_charges_ten_days_of_interest_the_same_as_the_api(officer, loan30):  # noqa: F811
    on = date(2026, 11, 30)
    c = client_for(officer)
    page = c.get(f"/loans/{loan30.pk}/payoff/", {"date": on.isoformat()})
    api = c.get(f"/api/v1/loans/{loan30.pk}/payoff-quote/", {"date": on.isoformat()}).json()
    # 180.00 of interest over the 30-day first period: 10 days earn 60.00
    assert api["interest"] == "60.00" and Decimal(api["amount"]) == Decimal("30060.00")
    html = page.content.decode()
    assert 'id="payoff-interest">60.00<' in html and 'id="payoff-amount">30,060.00<' in html


@pytest.mark.parametrize("bad", ["2026/11/30", "yesterday", "2026-11-19"])
def test_a_bad_or_too_early_date_is_refused_on_its_field(officer, loan30, bad):  # noqa: F811
    r = client_for(officer).get(f"/loans/{loan30.pk}/payoff/", {"date": bad})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="date-error"' in html and 'id="payoff-amount"' not in html


def test_another_branchs_officer_gets_404(loan30):  # noqa: F811
    other = UserFactory(role=Role.OFFICER, branch=BranchFactory())
    assert client_for(other).get(f"/loans/{loan30.pk}/payoff/").status_code == 404
