"""A charge on the loan page, in headless Chromium: the officer sees the late fee the close
charged (kind, instalment, amount, paid, waived, status) and asks for its waiver."""

from datetime import date
from decimal import Decimal

import pytest

from collection.close import close_day
from microloan.business_date import business_date_set
from servicing.models import Charge

from ..browser_support import login
from .test_earned import make_loan30

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_charge_is_shown_on_the_loan_page_and_its_waiver_requested(live_server, page, officer):
    # given a loan whose first instalment is 4 days overdue (grace 3): a 50.00 late fee
    loan = make_loan30(officer, late_fee_fixed=Decimal("50.00"))
    business_date_set(value=date(2026, 12, 24))
    close_day(business_date=date(2026, 12, 24))
    officer.set_password("officer-pass-1")
    officer.save(update_fields=["password"])
    login(page, live_server, officer.username, "officer-pass-1")

    # when the officer opens the loan
    page.goto(f"{live_server.url}/loans/{loan.pk}/")
    row = page.locator("#charges tbody tr").first
    # then the charge is there
    cells = row.locator("td").all_inner_texts()
    assert cells[:6] == ["Late-payment fee", "1", "2026-12-24", "50.00", "0.00", "0.00"]
    assert "Open" in cells[6]

    # and when they ask for its waiver, another person's approval is awaited
    row.locator("input[name=reason]").fill("bank outage on the due date")
    row.locator("button[data-action=request_waiver]").click()
    page.wait_for_selector("#charges .s-waiver_requested")
    assert Charge.objects.get(loan=loan).status == "waiver_requested"
    assert page.locator("#charges button[data-action=approve_waiver]").count() == 0
