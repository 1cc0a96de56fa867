"""microloan/fields.py: an amount written in anything but the digits 0-9 (full-width,
Arabic-Indic, Devanagari: Python's Decimal reads them all) and a business date outside
1900-2100 are refused, naming the field, by the API's serializers and the screens' forms
alike; and no app builds such a field without these rules."""

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from applications.forms import BorrowerForm, LeadForm
from applications.models import Application
from microloan import fields
from servicing.forms import QuoteForm

from ..applications.test_api import app_body
from ..conftest import client_for

pytestmark = pytest.mark.django_db
NOT_ASCII = ["１０００", "١٠٠٠", "१०००", "1０00.00"]
QUOTE = {"principal": "5000.00", "annual_rate": "0.1800", "term": 6, "method": "annuity"}


def anonymous():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize("amount", NOT_ASCII)
def test_an_amount_in_other_digits_is_400_on_the_api(officer, borrower, product, amount):
    r = client_for(officer).post("/api/v1/applications/", app_body(borrower, product, amount=amount), format="json")
    assert r.status_code == 400 and "digits 0-9" in r.data["amount"][0]
    assert not Application.objects.exists()
    r = anonymous().post("/api/v1/quotes/", {**QUOTE, "principal": amount}, format="json")
    assert r.status_code == 400 and list(r.data) == ["principal"]


def test_columns_a_model_serializer_builds_are_guarded_too(officer, borrower):
    r = client_for(officer).patch(f"/api/v1/borrowers/{borrower.pk}/", {"monthly_income": "８０００"}, format="json")
    assert r.status_code == 400 and list(r.data) == ["monthly_income"]
    r = client_for(officer).patch(f"/api/v1/borrowers/{borrower.pk}/", {"household_size": "３"}, format="json")
    assert r.status_code == 400 and list(r.data) == ["household_size"]


@pytest.mark.parametrize("term", ["１２", "١٢", "१२"])
def test_a_count_in_other_digits_is_400_too(officer, borrower, product, term):
    r = client_for(officer).post("/api/v1/applications/", app_body(borrower, product, term=term), format="json")
    assert r.status_code == 400 and "digits 0-9" in r.data["term"][0]
    form = QuoteForm({**QUOTE, "term": term, "frequency": "monthly", "disbursement_date": "2026-01-15"})
    assert not form.is_valid() and list(form.errors) == ["term"]
    assert not BorrowerForm({"household_size": term}).is_valid()
    assert fields.IntegerFormField().clean("12") == 12


def test_ascii_amounts_and_numbers_still_pass():
    r = anonymous().post("/api/v1/quotes/", {**QUOTE, "principal": " 5000.00 "}, format="json")
    assert r.status_code == 200, r.content
    assert anonymous().post("/api/v1/quotes/", {**QUOTE, "principal": 5000}, format="json").status_code == 200


@pytest.mark.parametrize("day", ["1899-12-31", "2101-01-01", "0001-01-01"])
def test_a_business_date_outside_1900_to_2100_is_400(day):
    r = anonymous().post("/api/v1/quotes/", {**QUOTE, "disbursement_date": day}, format="json")
    assert r.status_code == 400
    assert r.data["disbursement_date"] == ["Enter a date between 1900-01-01 and 2100-12-31."]


def test_a_date_in_other_digits_is_400():
    r = anonymous().post("/api/v1/quotes/", {**QUOTE, "disbursement_date": "２０２６-０１-１５"}, format="json")
    assert r.status_code == 400 and "digits 0-9" in r.data["disbursement_date"][0]
    ok = anonymous().post("/api/v1/quotes/", {**QUOTE, "disbursement_date": "2100-12-31"}, format="json")
    assert ok.status_code == 200


def test_the_refusals_are_translated():
    r = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans").post("/api/v1/quotes/", {**QUOTE, "fee": "１"}, format="json")
    assert r.status_code == 400 and "半角" in r.data["fee"][0]
    r = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/api/v1/quotes/", {**QUOTE, "disbursement_date": "1800-01-01"}, format="json"
    )
    assert "1900-01-01" in r.data["disbursement_date"][0] and "日期" in r.data["disbursement_date"][0]


@pytest.mark.parametrize("amount", NOT_ASCII)
def test_the_screens_forms_refuse_them_too(amount):
    form = QuoteForm({**QUOTE, "principal": amount, "frequency": "monthly", "disbursement_date": "2026-01-15"})
    assert not form.is_valid() and list(form.errors) == ["principal"]
    lead = LeadForm({"name": "Li", "mobile": "13900000000", "channel": "street", "interest_amount": amount})
    assert not lead.is_valid() and "interest_amount" in lead.errors
    borrower = BorrowerForm({"monthly_income": amount})
    assert not borrower.is_valid() and "digits 0-9" in borrower.errors["monthly_income"][0]


def test_a_screens_date_outside_the_range_is_refused():
    form = QuoteForm({**QUOTE, "principal": "5000", "frequency": "monthly", "disbursement_date": "1800-01-15"})
    assert not form.is_valid() and list(form.errors) == ["disbursement_date"]
    assert fields.DateFormField().clean("2026-01-15") == date(2026, 1, 15)


def test_the_quote_page_shows_the_refusal(client, officer):
    client.force_login(officer)
    r = client.get("/quote/", {**QUOTE, "principal": "１０００", "frequency": "monthly"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "digits 0-9" in r.content.decode() and r.context["schedule"] is None


UNGUARDED = re.compile(
    r"\b(serializers\.(DecimalField|IntegerField|DateField|PrimaryKeyRelatedField|ModelSerializer)"
    r"|forms\.(DecimalField|IntegerField|DateField))\b"
)
APPS = ("microloan", "applications", "underwriting", "servicing", "care", "collection", "reporting")


def test_no_app_builds_an_unguarded_amount_or_date_field():
    root = Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for app in APPS
        for path in sorted((root / app).rglob("*.py"))
        if "migrations" not in path.parts and path.name != "admin.py" and path != root / "microloan" / "fields.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if UNGUARDED.search(line)
    ]
    assert offenders == []
    model_forms = [
        path
        for app in APPS
        for path in (root / app).rglob("forms.py")
        if "forms.ModelForm" in path.read_text(encoding="utf-8")
        and "formfield_callback = model_formfield" not in path.read_text(encoding="utf-8")
    ]
    assert model_forms == []
