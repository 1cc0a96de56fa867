"""The officer's intake journey in headless Chromium, against the live server."""

import pytest
from django.core.management import call_command

from applications.models import Application

from ..browser_support import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_officer_registers_borrower_applies_uploads_and_submits(live_server, page):
    # given the demo installation
    call_command("seed_demo", password="demo-pass-1", force=True)
    login(page, live_server, "officer", "demo-pass-1")

    # when the officer registers a borrower
    page.click("#nav-borrowers")
    page.click("#new-borrower")
    page.fill("#id_full_name", "林小梅")
    page.fill("#id_id_number", "330106198707032564")
    page.fill("#id_mobile", "13912345678")
    page.select_option("#id_segment", "small_business")
    page.fill("#id_monthly_income", "9500")
    page.click("#save-borrower")
    page.wait_for_selector("text=1987-07-03")  # date of birth derived from the ID number

    # and takes an application
    page.click("#new-application")
    page.select_option("#id_product", label="XD-CONS Small consumer loan")
    page.fill("#id_amount", "8000")
    page.fill("#id_term", "6")
    page.select_option("#id_method", "annuity")
    page.fill("#id_purpose", "Stock for the grocery shop")
    page.click("#save-application")
    assert page.get_attribute("#app-status", "data-status") == "draft"

    # and uploads the two required documents
    for kind in ("borrower_id", "income_proof"):
        page.select_option("#upload-form select[name=kind]", kind)
        page.set_input_files(
            "#upload-form input[name=file]",
            files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
        page.click("#upload-document")
        page.wait_for_selector(f"#checklist li.ok[data-kind={kind}]")

    # and a file that only pretends to be a PDF is refused
    page.select_option("#upload-form select[name=kind]", "other")
    page.set_input_files(
        "#upload-form input[name=file]",
        files=[{"name": "fake.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a fake"}],
    )
    page.click("#upload-document")
    page.wait_for_selector(".messages li.error")
    assert page.locator("#documents tbody tr[data-doc]").count() == 2

    # and submits
    page.click("#action-submit")

    # then the status shows submitted, on the page and in the database
    page.wait_for_selector("#app-status[data-status=submitted]")
    assert page.locator("#history").inner_text().count("Submitted") >= 1
    app = Application.objects.get(borrower__id_number="330106198707032564")
    assert app.status == "submitted" and app.documents.count() == 2
    page.screenshot(path="/tmp/microloan-intake.png", full_page=True)
