"""applications/configkinds.py: a product is created and changed only through a proposal
another administrator applies (microloan.config); its validation is the product form's."""

from decimal import Decimal

import pytest

from applications.models import Product
from microloan.config import services as config
from microloan.config.models import ConfigChange
from microloan.errors import InvalidInput, NotAllowed
from microloan.models import AuditEvent

from ..kernel.factories import administrators
from .factories import ProductFactory

pytestmark = pytest.mark.django_db

NEW_PRODUCT = {
    "code": "NEW-1",
    "name": "新产品",
    "name_en": "New product",
    "category": "consumer_branch",
    "min_amount": "1000.00",
    "max_amount": "20000.00",
    "min_term": 3,
    "max_term": 12,
    "min_rate": "0.0800",
    "max_rate": "0.2000",
    "methods": ["annuity"],
    "frequencies": ["monthly"],
    "guarantee_type": "credit",
    "required_documents": ["borrower_id"],
    "fee_rate": "0",
    "fee_fixed": "0",
    "penalty_rate": None,
    "grace_days": 0,
    "channels": [],
    "prepayment_mode": "next_installments",
    "min_age": 18,
    "max_age": 65,
    "is_active": True,
}


@pytest.fixture
def admins(branch):
    return administrators(branch)


def test_a_new_product_is_made_when_applied(admins):
    maker, checker = admins
    change = config.config_change_propose(actor=maker, kind="product", operation="create", payload=NEW_PRODUCT)
    assert change.target_id is None and change.payload["max_amount"] == "20000.00"
    assert not Product.objects.filter(code="NEW-1").exists()
    config.config_change_apply(actor=checker, change=change)
    product = Product.objects.get(code="NEW-1")
    change.refresh_from_db()
    assert change.target_id == product.pk and product.max_amount == Decimal("20000.00")
    assert product.methods == ["annuity"]


def test_a_change_of_a_product_is_applied_rejected_or_withdrawn(admins, product):
    maker, checker = admins
    applied = config.config_change_propose(
        actor=maker, kind="product", operation="update", target_id=product.pk, payload={"max_amount": "30000"}
    )
    assert applied.before["max_amount"] == "50000.00" and applied.payload == {"max_amount": "30000.00"}
    product.refresh_from_db()
    assert product.max_amount == Decimal("50000.00")
    config.config_change_apply(actor=checker, change=applied)
    product.refresh_from_db()
    assert product.max_amount == Decimal("30000.00")
    event = AuditEvent.objects.get(entity="config_change", entity_id=applied.pk, action="apply")
    assert (event.data["before"]["max_amount"], event.data["after"]["max_amount"]) == ("50000.00", "30000.00")

    rejected = config.config_change_propose(
        actor=maker, kind="product", operation="update", target_id=product.pk, payload={"is_active": False}
    )
    config.config_change_reject(actor=checker, change=rejected, reason="still sold")
    withdrawn = config.config_change_propose(
        actor=maker, kind="product", operation="update", target_id=product.pk, payload={"grace_days": 5}
    )
    config.config_change_withdraw(actor=maker, change=withdrawn)
    product.refresh_from_db()
    assert (product.is_active, product.grace_days) == (True, 0)
    assert set(ConfigChange.objects.values_list("status", flat=True)) == {"applied", "rejected", "withdrawn"}


def test_the_proposer_may_not_apply_their_own(admins, product):
    maker, _checker = admins
    change = config.config_change_propose(
        actor=maker, kind="product", operation="update", target_id=product.pk, payload={"max_amount": "30000"}
    )
    with pytest.raises(NotAllowed, match="Four eyes"):
        config.config_change_apply(actor=maker, change=change)


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"max_amount": "500.00"}, "max_amount"),  # below the minimum
        ({"min_amount": "１０００"}, "min_amount"),  # not ASCII digits
        ({"methods": ["balloon"]}, "methods"),
        ({"category": "nonsense"}, "category"),
        ({"max_age": 10}, "max_age"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_an_invalid_change_is_refused_naming_the_field(admins, product, payload, field):
    maker, _checker = admins
    with pytest.raises(InvalidInput) as exc:
        config.config_change_propose(
            actor=maker, kind="product", operation="update", target_id=product.pk, payload=payload
        )
    assert list(exc.value.errors) == [field]


def test_a_new_product_with_a_taken_code_is_refused(admins):
    ProductFactory(code="NEW-1")
    with pytest.raises(InvalidInput) as exc:
        config.config_change_propose(actor=admins[0], kind="product", operation="create", payload=NEW_PRODUCT)
    assert list(exc.value.errors) == ["code"]


def test_a_product_is_not_deleted(admins, product):
    with pytest.raises(InvalidInput) as exc:
        config.config_change_propose(actor=admins[0], kind="product", operation="delete", target_id=product.pk)
    assert list(exc.value.errors) == ["operation"]


def test_the_api_proposes_a_product_change_and_refuses_the_proposer(admins, product, api):
    maker, checker = admins
    body = {"kind": "product", "operation": "update", "target_id": product.pk, "payload": {"max_rate": "0.2000"}}
    r = api(maker).post("/api/v1/config-changes/", body, format="json")
    assert r.status_code == 201 and r.data["payload"] == {"max_rate": "0.200000"}
    pk = r.data["id"]
    refused = api(maker).post(f"/api/v1/config-changes/{pk}/apply/", {}, format="json")
    assert refused.status_code == 403 and "Four eyes" in refused.data["detail"]
    assert api(checker).post(f"/api/v1/config-changes/{pk}/apply/", {}, format="json").status_code == 200
    product.refresh_from_db()
    assert product.max_rate == Decimal("0.2")
    bad = api(maker).post("/api/v1/config-changes/", {**body, "payload": {"min_term": 0}}, format="json")
    assert bad.status_code == 400 and list(bad.data) == ["min_term"]


# --- the Django admin -----------------------------------------------------------------------


@pytest.fixture
def admin_client(branch):
    from django.test import Client

    from ..kernel.factories import UserFactory, login_verified

    user = UserFactory(role="admin", branch=branch, is_staff=True, is_superuser=True)
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_verified(c, user)
    return c


def _form(product, **changes):
    data = {k: v for k, v in NEW_PRODUCT.items() if v is not None}
    data.update({k: getattr(product, k) for k in ("code", "name", "min_amount", "max_amount")} if product else {})
    data.update(changes)
    data["is_active"] = "on" if data.get("is_active") else ""
    return data


def test_saving_a_product_in_the_admin_proposes_and_changes_nothing(admin_client, product):
    from django.urls import reverse

    before = Product.objects.values().get(pk=product.pk)
    r = admin_client.post(
        reverse("admin:applications_product_change", args=[product.pk]), _form(product, max_amount="40000.00")
    )
    change = ConfigChange.objects.get()
    assert r.status_code == 302 and r.url == f"/config/changes/{change.pk}/"
    assert Product.objects.values().get(pk=product.pk) == before
    assert change.operation == "update" and change.payload["max_amount"] == "40000.00"
    assert "max_amount" in change.payload and "code" not in change.payload
    r = admin_client.post(reverse("admin:applications_product_add"), _form(None, code="ADM-NEW"))
    assert r.status_code == 302 and not Product.objects.filter(code="ADM-NEW").exists()
    assert ConfigChange.objects.filter(operation="create", kind="product").count() == 1
    from django.contrib.admin.models import LogEntry

    assert not LogEntry.objects.exists()  # nothing was changed, so the admin's log says nothing


def test_the_proposer_applying_a_product_change_on_the_page_is_403_with_the_reason(admins, product, client):
    maker, checker = admins
    change = config.config_change_propose(
        actor=maker, kind="product", operation="update", target_id=product.pk, payload={"grace_days": 7}
    )
    client.force_login(maker)
    r = client.post(f"/config/changes/{change.pk}/", {"step": "apply"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403 and "Four eyes" in r.content.decode()
    shown = client.get(f"/config/changes/{change.pk}/").content.decode()
    assert 'id="apply"' not in shown and product.code in shown  # the target's label
    client.force_login(checker)
    assert client.post(f"/config/changes/{change.pk}/", {"step": "apply"}).status_code == 302
    product.refresh_from_db()
    assert product.grace_days == 7
