"""microloan/urls.py: the API schema and its docs page, and every officer screen in both
languages (the demo data walks every status)."""

import re

import pytest
import yaml
from django.core.management import call_command

from applications.models import Application
from microloan.models import User
from servicing.models import Loan

pytestmark = pytest.mark.django_db


def test_schema_is_served_and_every_operation_is_described(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    ops = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(ops) > 15
    undescribed = [(p, m) for p, m, op in ops if not (op.get("description") or op.get("summary"))]
    assert undescribed == []
    for path in [
        "/api/v1/borrowers/",
        "/api/v1/applications/{id}/submit/",
        "/api/v1/auth/token/",
        "/api/v1/applications/{id}/documents/{doc_id}/review/",
        "/api/v1/me/",
    ]:
        assert path in schema["paths"]


def test_docs_page_uses_no_cdn(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode().lower()
    # Every script, style and font is served by the app (a plain "cdn" search would trip over
    # the random CSRF token the page carries).
    assert re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html) == []
    assert not any(host in html for host in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"))


NAV_EN = ["Dashboard", "Borrowers", "Applications", "Leads", "Loans", "Log out"]


@pytest.fixture
def demo(settings):
    settings.SANDBOX_ENABLED = True
    call_command("seed_demo", password="pw-demo-1", force=True)


def pages():
    app = Application.objects.filter(status="pending_approval").first()
    loan = Loan.objects.first()
    return {
        "officer": [
            "/",
            "/borrowers/",
            "/borrowers/new/",
            f"/borrowers/{app.borrower_id}/",
            "/applications/",
            f"/applications/{app.pk}/",
            "/leads/",
            "/loans/",
            f"/loans/{loan.pk}/",
            "/quote/",
            f"/underwriting/{app.pk}/",
            f"/applications/{loan.application_id}/contract/",
            "/credit-records/import/",
            "/collections/",
        ],
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
