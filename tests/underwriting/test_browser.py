"""The manager's approval journey in headless Chromium; the officer is kept out."""

import pytest
from django.core.management import call_command

from applications.models import Application

from ..browser_support import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_filters_queue_opens_case_and_approves(live_server, page):
    # given the demo installation, with cases pending approval
    call_command("seed_demo", password="demo-pass-1", force=True)
    pending = Application.objects.filter(status="pending_approval").order_by("amount")
    assert pending.count() >= 3
    target = pending.first()
    login(page, live_server, "manager", "demo-pass-1")

    # when the manager opens the queue and filters it by amount
    page.click("#nav-approvals")
    assert page.locator("#queue tbody tr[data-app]").count() == pending.count()
    page.fill("#id_max_amount", str(int(target.amount)))
    page.click("#apply-filter")
    page.wait_for_url("**max_amount=*")
    assert page.locator("#queue tbody tr[data-app]").count() == 1

    # and opens the case, which shows the whole file
    page.click("#queue tbody tr[data-app] a.open-case")
    page.wait_for_selector("#decision-form")
    assert page.inner_text("#score") == str(target.score)
    assert target.borrower.full_name in page.inner_text("main")
    assert page.locator("#history tbody tr").count() >= 5

    # and approves it
    page.select_option("#id_decision", "approve")
    page.click("#submit-decision")
    page.wait_for_url(f"{live_server.url}/approvals/")

    # then it has left the queue, approved
    target.refresh_from_db()
    assert target.status == "approved"
    assert page.locator(f"#queue tbody tr[data-app='{target.pk}']").count() == 0
    page.screenshot(path="/tmp/microloan-queue.png", full_page=True)


def test_officer_cannot_reach_the_decision_page(live_server, page):
    call_command("seed_demo", password="demo-pass-1", force=True)
    target = Application.objects.filter(status="pending_approval").first()
    login(page, live_server, "officer", "demo-pass-1")
    assert page.locator("#nav-approvals").count() == 0
    response = page.goto(f"{live_server.url}/approvals/{target.pk}/")
    assert response.status == 403
    target.refresh_from_db()
    assert target.status == "pending_approval"
