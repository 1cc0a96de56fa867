"""The holiday calendar page in headless Chromium, in both languages: one administrator
proposes a holiday, another applies it from the change's page, the calendar shows it; the
proposer then proposes its deletion; the page reads in Chinese."""

from datetime import date

import pytest
from django.core.management import call_command

from microloan.config.models import ConfigChange
from microloan.holidays.models import Holiday

from ...browser_support import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "demo-pass-1"


def test_admin_proposes_another_applies_and_the_calendar_shows_it(live_server, browser):
    call_command("seed_demo", password=PASSWORD, force=True)
    maker = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    checker = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
    for p in (maker, checker):
        p.set_default_timeout(15000)

    # given the administrator on the calendar page, reached from the configuration changes
    login(maker, live_server, "admin", PASSWORD)
    maker.click("#nav-config")
    maker.click("#holiday-calendar")
    maker.goto(f"{live_server.url}/config/holidays/?year=2027")
    assert "Holiday calendar" in maker.inner_text("h1")

    # when they propose a public holiday
    maker.fill("#id_date", "2027-01-20")
    maker.select_option("#id_kind", "holiday")
    maker.fill("#id_name", "Winter festival")
    maker.fill("#id_region", "")
    maker.click("#propose-day")
    maker.wait_for_url("**/config/changes/*/")
    change = ConfigChange.objects.get(kind="holiday")
    # then nothing changes until another administrator applies it
    assert not Holiday.objects.exists()
    assert maker.locator("#apply").count() == 0 and maker.locator("#four-eyes").count() == 1

    # when the second administrator applies it
    login(checker, live_server, "admin2", PASSWORD)
    checker.goto(f"{live_server.url}/config/changes/{change.pk}/")
    checker.click("#apply")
    checker.wait_for_selector(".messages, #change-facts")
    # then the calendar holds the day, and the page lists it
    assert Holiday.objects.get().date == date(2027, 1, 20)
    checker.goto(f"{live_server.url}/config/holidays/?year=2027")
    row = checker.locator("#holidays tr[data-day='2027-01-20']")
    assert row.count() == 1 and "Winter festival" in row.inner_text() and "Public holiday" in row.inner_text()

    # and in Chinese
    checker.select_option("select[name=language]", "zh-hans")
    checker.wait_for_load_state()
    checker.wait_for_selector("text=节假日日历")
    assert "节假日日历" in checker.inner_text("h1")
    assert "法定节假日" in checker.inner_text("#holidays")
    assert "全部网点" in checker.inner_text("#holidays")

    # when the maker proposes its deletion, then it is a pending change, the day still there
    maker.goto(f"{live_server.url}/config/holidays/?year=2027")
    maker.click("#holidays tr[data-day='2027-01-20'] button.delete-day")
    maker.wait_for_url("**/config/changes/*/")
    assert ConfigChange.objects.filter(kind="holiday", operation="delete", status="pending").count() == 1
    assert Holiday.objects.count() == 1
    maker.goto(f"{live_server.url}/config/holidays/?year=2027")
    assert maker.locator("#pending-holidays tbody tr").count() == 1


def test_an_officer_reads_the_calendar_but_has_no_form(live_server, page):
    call_command("seed_demo", password=PASSWORD, force=True)
    login(page, live_server, "officer", PASSWORD)
    response = page.goto(f"{live_server.url}/config/holidays/")
    assert response.status == 200
    assert page.locator("#holiday-form").count() == 0
    assert page.locator("button.delete-day").count() == 0
