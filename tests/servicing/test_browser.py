"""The officer's path from an approved application to a loan and its first repayment (the
disbursement released by the operations supervisor), in headless Chromium."""

import subprocess

import pytest
from django.core.management import call_command

from applications.models import Application
from servicing.models import Loan, Repayment

from ..browser_support import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_contract_signing_disbursement_loan_page_and_repayment(live_server, page, browser):
    # given the demo installation with an approved application
    call_command("seed_demo", password="demo-pass-1", force=True)
    app = Application.objects.filter(status="approved").first()
    login(page, live_server, "officer", "demo-pass-1")

    # when the officer generates the contract and records its signing
    page.goto(f"{live_server.url}/applications/{app.pk}/")
    page.click("#open-contract")
    page.select_option("#contract-form select[name=language]", "en")
    page.click("#generate-contract")
    page.wait_for_selector("#contracts a.pdf-link")
    with page.expect_download() as dl:
        page.click("#contracts a.pdf-link", modifiers=["Alt"])
    pdf_path = dl.value.path()
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True).stdout.decode()
    assert "Loan Contract" in text and app.borrower.full_name in text
    page.click("#record-signing")
    page.wait_for_selector("#app-status[data-status=contracted]")

    # and prepares the disbursement, which waits for another person's release
    page.fill("#disburse-form input[name=beneficiary_account]", "6222020200112233445")
    page.fill("#disburse-form input[name=reference]", "BANK-TX-778")
    page.click("#disburse")
    page.wait_for_selector("#app-status[data-status=pending_release]")
    assert page.locator("#release").count() == 0 and page.locator("#four-eyes").count() == 1

    # when the operations supervisor finds it in the queue and releases it
    other = browser.new_context(locale="en-US")
    supervisor = other.new_page()
    login(supervisor, live_server, "supervisor", "demo-pass-1")
    supervisor.click("#nav-releases")
    supervisor.click(f"#release-queue tr[data-disbursement] a[href='/applications/{app.pk}/contract/#release-form']")
    supervisor.click("#release")
    supervisor.wait_for_selector("#loan-status[data-status=active]")
    other.close()

    # then the officer's loan page shows the schedule, the balances and the journal
    page.reload()
    page.click("#open-loan")
    page.wait_for_selector("#loan-status[data-status=active]")
    loan = Loan.objects.get(application=app)
    assert page.locator("#schedule tbody tr").count() == loan.term
    assert page.locator("#journal tbody tr").count() == 3  # principal / cash / fee
    assert page.inner_text("#outstanding") == f"{loan.principal:,.2f}"

    # when the officer posts a repayment
    first = loan.installments.order_by("number").first()
    page.fill("#repay-form input[name=amount]", "500.00")
    page.click("#post-repayment")

    # then the allocation and the receipt are shown
    page.wait_for_selector("#allocation")
    allocation = page.inner_text("#allocation")
    # (paid on the disbursement day: none of instalment 1's interest is earned yet, so all of
    # it repays principal — servicing.earned)
    assert first.interest_due > 0 and "\t0.00\t500.00" in allocation
    r = Repayment.objects.get(loan=loan)
    receipt = page.request.get(live_server.url + page.get_attribute("#receipt-link", "href"))
    assert receipt.status == 200 and receipt.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=receipt.body(), capture_output=True).stdout
    assert r.receipt_number in text.decode()
    page.screenshot(path="/tmp/microloan-loan.png", full_page=True)
