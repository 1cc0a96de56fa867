"""Shared set-up for the Playwright browser tests: Debian's Chromium, never a downloaded one."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), "Chromium must be installed (make test installs it)"
    # Playwright's sync API runs an event loop in this thread; Django's ORM in the same thread
    # would otherwise refuse to run (the live server itself runs in its own thread).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_load_state()
    if "/accounts/login/otp/" in page.url:
        # Managers and administrators give their authenticator's code (seed_demo's device).
        page.fill("#id_code", totp_code(username))
        page.click("#otp-submit")
    page.wait_for_url(f"{live_server.url}/")


def totp_code(username: str) -> str:
    """The current code of the user's confirmed authenticator, as their phone would show it."""
    from microloan import twofactor
    from microloan.models import User

    return twofactor.current_code(twofactor.confirmed_device(User.objects.get(username=username)))


def phone_page(browser, locale: str):
    """A phone (390×844, touch) in ``locale``: the borrowers' app's browser."""
    context = browser.new_context(
        locale=locale, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    p = context.new_page()
    p.set_default_timeout(15000)
    return context, p
