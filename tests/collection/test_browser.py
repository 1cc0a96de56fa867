"""The checker's recovery queue in headless Chromium: a recovery a payment channel recorded on
a written-off loan, and one the manager recorded; the manager confirms the channel's
(the journal entry is posted then) and is offered no button on their own (four eyes)."""

import pytest
from django.core.management import call_command

from collection.case_models import Recovery
from collection.services.recoveries import recovery_record
from collection.services.recovery_callbacks import recovery_from_channel
from microloan.business_date import business_date
from microloan.ledger import JournalEntry
from microloan.models import User
from servicing.models import Loan, LoanStatus

from ..browser_support import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_confirms_a_channels_recovery_but_not_their_own(live_server, page):
    call_command("seed_demo", password="demo-pass-1", force=True)
    loan = Loan.objects.filter(status=LoanStatus.ACTIVE).order_by("pk").first()
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.WRITTEN_OFF)
    loan.refresh_from_db()
    today = business_date()
    by_channel, _new = recovery_from_channel(
        channel_code="unionpay", transaction_id="BR-1", loan=loan, amount="321.00", paid_on=today
    )
    manager = User.objects.get(username="manager")
    own = recovery_record(actor=manager, loan=loan, amount="100.00", received_on=today, channel="cash")

    login(page, live_server, "manager", "demo-pass-1")
    page.goto(f"{live_server.url}/recoveries/")
    row = page.locator(f"#recovery-queue tr[data-recovery='{by_channel.pk}']")
    assert "321.00" in row.inner_text() and row.locator(".by-channel").count() == 1
    mine = page.locator(f"#recovery-queue tr[data-recovery='{own.pk}']")
    assert mine.locator("button").count() == 0 and mine.locator(".four-eyes").count() == 1

    row.locator("button[value=confirm]").click()
    page.wait_for_load_state()
    assert page.locator(f"#recovery-queue tr[data-recovery='{by_channel.pk}']").count() == 0
    by_channel.refresh_from_db()
    assert (by_channel.status, by_channel.decided_by) == ("confirmed", manager)
    assert JournalEntry.objects.filter(kind="recovery", source_key=f"recovery:{by_channel.pk}").count() == 1
    assert Recovery.objects.get(pk=own.pk).status == "pending"
