"""Every officer screen renders in both languages (the demo data walks every status)."""

import re

import pytest
from django.core.management import call_command

from applications.models import Application
from microloan.models import User
from servicing.models import Loan

pytestmark = pytest.mark.django_db

NAV_EN = ["Dashboard", "Borrowers", "Applications", "Leads", "Loans", "Log out"]


@pytest.fixture
def demo(settings):
    settings.SANDBOX_ENABLED = True
    call_command("seed_demo", password="pw-demo-1", force=True)


def pages():
    app = Application.objects.filter(status="pending_approval").first()
    loan = Loan.objects.first()
    return {
        "officer": ["/", "/borrowers/", "/borrowers/new/", f"/borrowers/{app.borrower_id}/", "/applications/",
                    f"/applications/{app.pk}/", "/leads/", "/loans/", f"/loans/{loan.pk}/", "/quote/",
                    f"/underwriting/{app.pk}/", f"/applications/{loan.application_id}/contract/",
                    "/credit-records/import/", "/collections/"],
        "manager": ["/approvals/", f"/approvals/{app.pk}/", "/reviews/", "/ledger/trial-balance/", "/sandbox/"],
        "collector": ["/collections/"],
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_screen_renders_in_both_languages(client, demo, language):
    for username, urls in pages().items():
        client.force_login(User.objects.get(username=username))
        for url in urls:
            r = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert r.status_code == 200, (username, url, r.status_code)
            html = r.content.decode()
            assert f'lang="{language}"' in html
            nav = re.search(r"<nav>(.*?)</nav>", html, re.S).group(1)
            if language == "zh-hans":
                assert not any(f">{word}<" in nav for word in NAV_EN), (url, nav)
                assert "借款人" in nav
            else:
                assert "Borrowers" in nav
