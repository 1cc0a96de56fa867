"""The administration screens through the test client: who sees them, each screen's form
proposing (nothing changes until another administrator applies), field errors on the page
(never a 500), rates typed as percentages, constant queries, and ``/admin/``'s entry."""

from decimal import Decimal

import pytest

from microloan.config.models import ConfigChange
from microloan.models import Branch, Role

from ..applications.factories import ProductFactory
from .factories import BranchFactory, UserFactory, administrators, login_verified

pytestmark = pytest.mark.django_db

SCREENS = [
    "/administration/",
    "/administration/branches/",
    "/administration/branches/new/",
    "/administration/staff/",
    "/administration/staff/new/",
    "/administration/products/",
    "/administration/products/new/",
    "/administration/limits/",
    "/administration/scorecard/",
    "/administration/policy/",
]


@pytest.fixture
def maker(client):
    admin, _other = administrators()
    client.force_login(admin)
    return admin


@pytest.mark.parametrize("url", SCREENS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_screen_opens_for_the_administrator_in_both_languages(client, maker, url, language):
    ProductFactory()
    r = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 200
    assert ("系统管理" if language == "zh-hans" else "Administration") in r.content.decode()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.MANAGER, Role.AUDITOR])
def test_other_roles_are_refused_and_see_no_administration_in_the_nav(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get("/administration/").status_code == 403
    assert client.get("/administration/products/").status_code == 403
    assert 'id="nav-administration"' not in client.get("/").content.decode()


def test_the_nav_shows_administration_to_the_administrator(client, maker):
    assert 'id="nav-administration"' in client.get("/").content.decode()


def test_a_branch_proposed_from_the_screen(client, maker):
    parent = BranchFactory(code="HQ")
    r = client.post(
        "/administration/branches/new/",
        {"code": "E1", "name": "East", "parent": parent.pk, "region": "SH", "timezone": "Asia/Shanghai"},
    )
    change = ConfigChange.objects.get(kind="branch")
    assert r.status_code == 302 and r.url == f"/config/changes/{change.pk}/"
    assert change.payload["parent"] == parent.pk and not Branch.objects.filter(code="E1").exists()


def test_a_branch_renamed_proposes_only_what_changed_and_shows_field_errors(client, maker):
    branch = BranchFactory(code="W1", name="West")
    url = f"/administration/branches/{branch.pk}/"
    form = {"code": "W1", "name": "West side", "parent": "", "region": "", "timezone": "Asia/Shanghai"}
    assert client.post(url, form).status_code == 302
    assert ConfigChange.objects.get(kind="branch").payload == {"name": "West side"}
    r = client.post(url, {**form, "timezone": "Nowhere/City"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "Not a time zone" in r.content.decode()
    r = client.post(url, {**form, "name": "West"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "Nothing to change" in r.content.decode()


def test_staff_proposed_from_the_screen_with_a_reset(client, maker):
    officer = UserFactory(role=Role.OFFICER)
    url = f"/administration/staff/{officer.pk}/"
    form = {
        "username": officer.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "role": Role.OFFICER,
        "branch": officer.branch_id,
        "language": "zh-hans",
        "is_active": "on",
        "reset_two_factor": "on",
    }
    assert client.post(url, form).status_code == 302
    assert ConfigChange.objects.get(kind="staff").payload == {"reset_two_factor": True}
    r = client.post(url, {**form, "role": "borrower"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "Select a valid choice" in r.content.decode()


def product_form(product, **changes):
    data = {
        "code": product.code,
        "name": product.name,
        "name_en": "",
        "category": product.category,
        "min_amount": "1000.00",
        "max_amount": "50000.00",
        "min_term": "3",
        "max_term": "24",
        "min_rate": "5",
        "max_rate": "24",
        "methods": ["annuity"],
        "frequencies": ["monthly"],
        "guarantee_type": "credit",
        "required_documents": ["borrower_id"],
        "fee_rate": "0",
        "fee_fixed": "0",
        "penalty_rate": "",
        "grace_days": "0",
        "prepayment_mode": "next_installments",
        "due_date_rule": "keep",
        "day_count": "calendar",
        "grace_periods": "0",
        "late_fee_fixed": "0",
        "late_fee_rate": "0",
        "service_fee": "0",
        "insurance_fee": "0",
        "prepayment_fee_rate": "0",
        "min_age": "18",
        "max_age": "65",
        "is_active": "on",
    }
    return {**data, **changes}


def test_a_product_rate_is_typed_in_percent_and_proposed_as_the_fraction(client, maker):
    product = ProductFactory(methods=["annuity"], frequencies=["monthly"], required_documents=["borrower_id"])
    url = f"/administration/products/{product.pk}/"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="24"' in page and 'value="5"' in page  # shown as percentages
    r = client.post(url, product_form(product, max_rate="7.2", late_fee_rate="1.5"))
    assert r.status_code == 302
    change = ConfigChange.objects.get(kind="product")
    assert change.payload == {"max_rate": "0.072000", "late_fee_rate": "0.015000"}
    detail = client.get(r.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "7.2%" in detail and "24%" in detail and "Maximum annual rate" in detail


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"max_rate": "4"}, "max_rate"),  # below the minimum
        ({"max_amount": "500"}, "max_amount"),
        ({"methods": ["bogus"]}, "methods"),
        ({"required_documents": ["passport_of_mars"]}, "required_documents"),
        ({"due_date_rule": "whenever"}, "due_date_rule"),
        ({"max_rate": "abc"}, "max_rate"),
        ({"penalty_rate": "150"}, "penalty_rate"),
    ],
)
def test_a_bad_product_is_shown_by_field_and_nothing_is_proposed(client, maker, changes, field):
    product = ProductFactory(methods=["annuity"], frequencies=["monthly"], required_documents=["borrower_id"])
    r = client.post(f"/administration/products/{product.pk}/", product_form(product, **changes))
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert not ConfigChange.objects.exists()


def test_a_new_product_from_the_screen(client, maker):
    product = ProductFactory.build(code="NEW1")
    r = client.post("/administration/products/new/", product_form(product, code="NEW1", name="新产品"))
    assert r.status_code == 302
    change = ConfigChange.objects.get(kind="product", operation="create")
    assert change.payload["min_rate"] == "0.050000" and change.payload["methods"] == ["annuity"]


def test_the_policy_screen_proposes_a_percentage_and_a_table(client, maker):
    r = client.post(
        "/administration/policy/",
        {"key": "UNDERWRITING:APR_CAP", "underwriting-apr_cap-value": "20", "underwriting-apr_cap-comment": "x"},
    )
    assert r.status_code == 302
    change = ConfigChange.objects.get(kind="policy")
    assert change.payload == {"setting": "UNDERWRITING", "key": "APR_CAP", "value": "0.2"}
    rates = {
        f"collection-provision_rates-{c}": v
        for c, v in zip(
            ["normal", "special_mention", "substandard", "doubtful", "loss"],
            ["1.5", "3", "25", "50", "100"],
            strict=True,
        )
    }
    r = client.post("/administration/policy/", {"key": "COLLECTION:PROVISION_RATES", **rates})
    assert r.status_code == 302
    assert ConfigChange.objects.filter(kind="policy").first().payload["value"]["normal"] == "0.015"
    detail = client.get(r.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1.5%" in detail and "Provision rate per class" in detail


def test_the_policy_screen_shows_a_refusal_on_the_row(client, maker):
    r = client.post(
        "/administration/policy/",
        {"key": "COLLECTION:CONDUCT.MAX_DIAL_ATTEMPTS", "collection-conduct-max_dial_attempts-value": "1"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert r.status_code == 200 and "Not a valid value" in r.content.decode()
    assert not ConfigChange.objects.exists()


def test_the_policy_screen_shows_rates_as_percentages(client, maker):
    page = client.get("/administration/policy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "24%" in page and "200,000.00" in page and "Reminder before a due date" in page


@pytest.mark.parametrize("url", ["/administration/branches/", "/administration/staff/", "/administration/products/"])
def test_the_lists_take_the_same_queries_for_one_row_as_for_many(client, maker, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    BranchFactory()
    ProductFactory()
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        UserFactory(branch=BranchFactory())
        ProductFactory()
    with django_assert_max_num_queries(len(one)):
        client.get(url)


def test_admin_index_sends_the_administrator_to_administration(client):
    admin, _other = administrators()
    login_verified(client, admin)
    r = client.get("/admin/")
    assert r.status_code == 302 and r.url == "/administration/"


def test_admin_index_sends_other_staff_to_their_dashboard(client):
    client.force_login(UserFactory(role=Role.OFFICER))
    r = client.get("/admin/")
    assert r.status_code == 302 and r.url == "/"


def test_admin_index_asks_a_stranger_to_log_in(client):
    r = client.get("/admin/")
    assert r.status_code == 302 and r.url.startswith("/admin/login/")


def test_admin_index_still_opens_the_django_admin_for_a_superuser(client, admin_user):
    login_verified(client, admin_user)
    assert client.get("/admin/").status_code == 200


def test_decimal_percent_in_product_list(client, maker):
    ProductFactory(min_rate=Decimal("0.072"), max_rate=Decimal("0.24"))
    page = client.get("/administration/products/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "7.20%" in page and "24.00%" in page
