"""Officer screens: access, both languages, forms through services, constant queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application, Borrower, LeadStatus
from microloan.audit import audit_history

from ..kernel.factories import UserFactory
from .factories import PDF_BYTES, ApplicationFactory, BorrowerFactory, DocumentFactory, LeadFactory, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, officer):
    client.force_login(officer)
    return client


def test_login_page_in_both_languages(client):
    zh = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    en = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in zh and "Log in" in en


def test_language_switch_sticks(web):
    r = web.post("/i18n/setlang/", {"language": "en", "next": "/borrowers/"})
    assert r.status_code == 302
    assert "Borrowers" in web.get("/borrowers/").content.decode()
    web.post("/i18n/setlang/", {"language": "zh-hans", "next": "/borrowers/"})
    assert "借款人" in web.get("/borrowers/").content.decode()


def test_pages_require_login(client):
    r = client.get("/borrowers/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_borrower_users_cannot_open_staff_pages(client, borrower_user):
    client.force_login(borrower_user)
    for url in ("/", "/borrowers/", "/loans/"):  # a borrower on the staff site is sent to the app
        r = client.get(url)
        assert r.status_code == 302 and r["Location"] == "/app/"
    assert client.post("/borrowers/new/", {}).status_code == 403


def test_static_assets_are_served_by_the_app_no_cdn(web):
    html = web.get("/").content.decode()
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert "/static/css/app.css" in html


def test_register_borrower_through_the_form(web, officer):
    r = web.post(
        "/borrowers/new/",
        {
            "full_name": "刘芳",
            "id_number": "110105198003136763",
            "mobile": "13800000002",
            "segment": "salaried",
            "monthly_income": "8000",
            "years_in_business": 3,
            "marital_status": "single",
            "household_size": 2,
            "existing_debts": "0",
            "language": "zh-hans",
        },
    )
    b = Borrower.objects.get(id_number="110105198003136763")
    assert r.status_code == 302 and r["Location"] == f"/borrowers/{b.pk}/"
    assert b.branch == officer.branch and str(b.date_of_birth) == "1980-03-13"


FORM = {
    "full_name": "刘芳",
    "id_number": "110105198003136763",
    "mobile": "13800000002",
    "segment": "salaried",
    "monthly_income": "8000",
    "years_in_business": 3,
    "marital_status": "single",
    "household_size": 2,
    "existing_debts": "0",
    "language": "en",
}


@pytest.mark.parametrize(
    "bad,field,reason",
    [
        ({"mobile": "12345"}, "mobile", "Enter a phone number of 7 to 15 digits."),
        ({"mobile": "1380000000a"}, "mobile", "Enter a phone number of 7 to 15 digits."),
        ({"monthly_income": "-500"}, "monthly_income", "Must not be negative."),
        ({"existing_debts": "-0.01"}, "existing_debts", "Must not be negative."),
    ],
)
def test_the_form_refuses_what_the_api_refuses_with_the_services_reason(web, bad, field, reason):
    r = web.post("/borrowers/new/", {**FORM, **bad}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and r.context["form"].errors[field] == [reason]
    assert Borrower.objects.count() == 0


def test_the_form_stores_the_mobile_number_as_the_api_does(web):
    r = web.post("/borrowers/new/", {**FORM, "mobile": "138-0000 0003"})
    assert r.status_code == 302 and Borrower.objects.get().mobile == "13800000003"


def test_invalid_id_is_shown_on_the_field(web):
    r = web.post(
        "/borrowers/new/",
        {
            "full_name": "X",
            "id_number": "110105194912310021",
            "mobile": "13800000002",
            "segment": "salaried",
            "monthly_income": "8000",
            "years_in_business": 0,
            "marital_status": "single",
            "household_size": 1,
            "existing_debts": "0",
            "language": "en",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200
    assert "check character" in r.context["form"].errors["id_number"][0]
    assert Borrower.objects.count() == 0


def test_application_intake_upload_and_submit(web, officer, borrower, product):
    r = web.post(
        f"/borrowers/{borrower.pk}/apply/",
        {
            "product": product.pk,
            "amount": "6000",
            "term": 6,
            "method": "annuity",
            "frequency": "monthly",
            "purpose": "inventory",
        },
    )
    app = Application.objects.get()
    assert r.status_code == 302
    # submit without documents: refused with a message naming what is missing
    r = web.post(f"/applications/{app.pk}/submit/", follow=True)
    assert "income_proof" in r.content.decode()
    for kind in ("borrower_id", "income_proof"):
        web.post(f"/applications/{app.pk}/documents/", {"kind": kind, "file": SimpleUploadedFile("a.pdf", PDF_BYTES)})
    # a fake PDF is refused by content
    r = web.post(
        f"/applications/{app.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("fake.pdf", b"GIF89a....")},
        follow=True,
    )
    assert app.documents.count() == 2
    web.post(f"/applications/{app.pk}/submit/")
    app.refresh_from_db()
    assert app.status == "submitted"


def test_other_branch_pages_are_404(web, other_branch, product):
    theirs = BorrowerFactory(branch=other_branch)
    app = ApplicationFactory(borrower=theirs, product=product)
    assert web.get(f"/borrowers/{theirs.pk}/").status_code == 404
    assert web.get(f"/applications/{app.pk}/").status_code == 404
    assert web.post(f"/applications/{app.pk}/submit/").status_code == 404


@pytest.mark.parametrize("path", ["/", "/borrowers/", "/applications/", "/leads/"])
def test_list_pages_make_constant_queries(web, officer, borrower, product, path):
    def grow(n, offset):
        for i in range(n):
            b = BorrowerFactory(branch=officer.branch, id_number=id_number(offset + i))
            DocumentFactory(application=ApplicationFactory(borrower=b, product=product, created_by=officer))

    grow(1, 500)
    with CaptureQueriesContext(connection) as small:
        assert web.get(path).status_code == 200
    grow(12, 600)
    with CaptureQueriesContext(connection) as large:
        assert web.get(path).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


def test_detail_pages_make_constant_queries(web, officer, borrower, product):
    app = ApplicationFactory(borrower=borrower, product=product, created_by=officer)
    DocumentFactory(application=app)
    with CaptureQueriesContext(connection) as small:
        web.get(f"/applications/{app.pk}/")
    for _ in range(8):
        DocumentFactory(application=app)
    with CaptureQueriesContext(connection) as large:
        assert web.get(f"/applications/{app.pk}/").status_code == 200
    assert len(large) == len(small)


def test_manager_and_auditor_see_dashboard(client, branch):
    for role in ("manager", "auditor", "reviewer", "collector", "admin"):
        client.force_login(UserFactory(role=role, branch=branch))
        assert client.get("/").status_code == 200


# --- converting a lead -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("officer", True),
        ("manager", True),
        ("admin", False),  # the administrator takes no business action (permission table)
        ("reviewer", False),
        ("collector", False),
        ("auditor", False),
    ],
)
def test_the_lead_list_shows_convert_where_the_leads_table_allows_it(client, officer, role, shown):
    new = LeadFactory(officer=officer)
    done = LeadFactory(officer=officer, status=LeadStatus.CONVERTED)
    client.force_login(UserFactory(role=role, branch=officer.branch))
    html = client.get("/leads/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert new.name in html and done.name in html
    button = f'<a class="button" id="convert-{new.pk}" href="/leads/{new.pk}/convert/">转化</a>'
    assert (button in html) is shown
    assert f'id="convert-{done.pk}"' not in html


def test_posting_the_convert_form_converts_the_lead(web, officer):
    lead = LeadFactory(officer=officer, name="王芳", mobile="13800138000")
    page = web.get(f"/leads/{lead.pk}/convert/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Convert lead 王芳" in page.content.decode()
    assert page.context["form"].initial == {"full_name": "王芳", "mobile": "138****8000"}  # masked (microloan/pii.py)
    assert "13800138000" not in page.content.decode()
    assert (
        "转化营销线索：王芳" in web.get(f"/leads/{lead.pk}/convert/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )

    # The masked mobile kept as the form showed it: the lead's own number.
    r = web.post(f"/leads/{lead.pk}/convert/", {**FORM, "full_name": "王芳", "mobile": "138****8000"})

    borrower = Borrower.objects.get(id_number=FORM["id_number"])
    assert borrower.mobile == "13800138000"
    assert r.status_code == 302 and r["Location"] == f"/borrowers/{borrower.pk}/"
    lead.refresh_from_db()
    assert (lead.status, lead.borrower, borrower.full_name) == (LeadStatus.CONVERTED, borrower, "王芳")
    assert [e.action for e in audit_history(entity="lead", entity_id=lead.pk)] == ["convert"]
    # once converted there is nothing left to convert
    again = web.post(f"/leads/{lead.pk}/convert/", {**FORM, "id_number": id_number(7)})
    assert again.status_code == 302 and again["Location"] == "/leads/"
    assert Borrower.objects.count() == 1


def test_the_convert_form_shows_bad_input_on_its_field_and_converts_nothing(web, officer):
    lead = LeadFactory(officer=officer)
    r = web.post(f"/leads/{lead.pk}/convert/", {**FORM, "mobile": "12345"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "mobile" in r.context["form"].errors
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and Borrower.objects.count() == 0


def test_a_role_the_table_does_not_allow_cannot_convert(client, officer):
    lead = LeadFactory(officer=officer)
    client.force_login(UserFactory(role="reviewer", branch=officer.branch))
    r = client.post(f"/leads/{lead.pk}/convert/", FORM)
    assert r.status_code == 403  # the permission table: reviewers convert no lead
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and Borrower.objects.count() == 0


def test_another_branchs_lead_is_404(web, other_branch):
    theirs = LeadFactory(officer=UserFactory(role="officer", branch=other_branch))
    assert web.get(f"/leads/{theirs.pk}/convert/").status_code == 404
    assert web.post(f"/leads/{theirs.pk}/convert/", FORM).status_code == 404
