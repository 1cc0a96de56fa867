"""The borrowers' app (borrower-app/, served at /app/) on a phone in headless Chromium, in
both languages: products without a login, logging in, applying, the application's timeline."""

import pytest

from applications.models import Application

from ..browser_support import phone_page
from .factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en-US": {
        "products": "Loans",
        "login": "Log in",
        "apply": "Apply",
        "timeline": "Progress",
        "switch": "中文",
        "draft": "Draft",
    },
    "zh-CN": {
        "products": "贷款产品",
        "login": "登录",
        "apply": "申请",
        "timeline": "进度",
        "switch": "English",
        "draft": "草稿",
    },
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_products_without_login_then_login_apply_and_timeline(browser, live_server, product, borrower_user, locale):
    text = TEXT[locale]
    context, page = phone_page(browser, locale)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        # Products, and the calculator, without a login, in the phone's language.
        page.goto(f"{live_server.url}/app/")
        page.wait_for_selector(f"h1:has-text('{text['products']}')")
        assert page.evaluate("document.documentElement.lang") == ("en" if locale == "en-US" else "zh-Hans")
        page.click(".card button")
        page.fill("#amount", "6000")
        page.fill("#term", "6")
        page.click("form button[type=submit]")
        page.wait_for_selector(".quote dd")
        assert page.locator(".quote dd").count() == 4

        # Log in with the password.
        page.click(f".tabbar a:has-text('{text['login']}')")
        page.fill("#username", borrower_user.username)
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_url("**/app/#/applications")

        # Apply from the calculator.
        page.goto(f"{live_server.url}/app/#/products/{product.pk}")
        page.fill("#amount", "6000")
        page.fill("#term", "6")
        page.click(".primary:has-text('" + text["apply"] + "')")
        page.fill("#purpose", "Stock for the shop")
        page.click("#apply-submit")
        page.wait_for_selector("#app-status")
        app = Application.objects.get(borrower__user=borrower_user)
        assert page.get_attribute("#app-status", "data-status") == app.status == "draft"
        assert page.inner_text("#app-status") == text["draft"]
        assert page.locator(f"h2:has-text('{text['timeline']}')").count() == 1
        # The documents the product still needs are listed.
        assert page.locator("#missing li").count() == len(product.required_documents)

        # The switch changes the language.
        page.click("#lang-switch")
        page.wait_for_selector(f"#lang-switch:has-text('{TEXT['zh-CN' if locale == 'en-US' else 'en-US']['switch']}')")
        # Nothing overflows the phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert errors == []
    finally:
        context.close()
