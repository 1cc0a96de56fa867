"""The hot reads of the REST API (issue #15, bench/API_RESULTS.md): with a real bearer token
(not force_authenticate), every check of the token kept, a constant and pinned number of
queries, and the hand-rolled serializer output equal to DRF's."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from applications.api.serializers import ProductSerializer
from applications.models import Borrower, Product
from microloan import fields
from microloan.auth_api import TokenObtainPairSerializer
from microloan.fast_read import FastRead
from microloan.models import Role
from servicing.api.loans import LoanSerializer
from servicing.models import Loan

from ..kernel.factories import UserFactory

# Queries per read with a bearer token: the user with its branch (one query), then the read's
# own. No count depends on the number of rows.
QUERIES = {
    "loan": 2,  # user, loan
    "schedule": 3,  # user, loan, its current instalments
    "loans": 3,  # user, count, page
    "products": 3,  # user, count, page
    "application": 4,  # user, application, its documents, its history
}


def bearer(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token = TokenObtainPairSerializer.get_token(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def mobile(loan):
    # The loan's borrower as a mobile login.
    user = UserFactory(username="mobile_reads", role=Role.BORROWER, branch=loan.branch)
    Borrower.objects.filter(pk=loan.borrower_id).update(user=user)
    return user


def _paths(loan) -> dict[str, str]:
    return {
        "loan": f"/api/v1/loans/{loan.pk}/",
        "schedule": f"/api/v1/loans/{loan.pk}/schedule/",
        "loans": "/api/v1/loans/",
        "products": "/api/v1/products/",
        "application": f"/api/v1/applications/{loan.application_id}/",
    }


@pytest.mark.parametrize("read", sorted(QUERIES))
def test_officer_reads_make_pinned_queries(read, loan, officer, django_assert_num_queries):
    client = bearer(officer)
    path = _paths(loan)[read]
    with django_assert_num_queries(QUERIES[read]):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize("read", ["loan", "schedule", "loans", "products"])
def test_borrower_reads_make_pinned_queries(read, loan, mobile, django_assert_num_queries):
    client = bearer(mobile)
    with django_assert_num_queries(QUERIES[read]):
        assert client.get(_paths(loan)[read]).status_code == 200


def test_the_token_checks_are_all_kept(loan, officer):
    client = bearer(officer)
    assert client.get(f"/api/v1/loans/{loan.pk}/").status_code == 200
    # A password change ends the token (the digest claim no longer matches).
    officer.set_password("another-Secret-123")
    officer.save()
    assert client.get(f"/api/v1/loans/{loan.pk}/").status_code == 401
    # So does deactivating the user, and a token of a user that no longer exists.
    client = bearer(officer)
    assert client.get(f"/api/v1/loans/{loan.pk}/").status_code == 200
    type(officer).objects.filter(pk=officer.pk).update(is_active=False)
    assert client.get(f"/api/v1/loans/{loan.pk}/").status_code == 401
    token = AccessToken()
    token["user_id"] = 2**40
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/products/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert client.get("/api/v1/products/").status_code == 401


def test_the_user_and_branch_come_in_one_query(loan, officer, django_assert_num_queries):
    # The staff scoping reads user.branch.path: no second query for it.
    client = bearer(officer)
    with django_assert_num_queries(QUERIES["loan"]):
        assert client.get(f"/api/v1/loans/{loan.pk}/").data["id"] == loan.pk


# --- FastRead: DRF's output, faster ----------------------------------------------------------


class _DRFLoan(LoanSerializer):
    # The same declared fields through DRF's own path.
    def to_representation(self, instance):
        data = fields.ModelSerializer.to_representation(self, instance)
        for f in ("annual_rate", "apr", "penalty_rate"):
            data[f] = f"{getattr(instance, f):.4f}"
        return data


def test_fast_loan_output_is_drfs(loan):
    instance = Loan.objects.get(pk=loan.pk)
    fast = LoanSerializer(instance).data
    assert LoanSerializer._fast_read_plan is not None  # the fast path ran
    assert fast == _DRFLoan(instance).data
    assert list(fast) == LoanSerializer.Meta.fields


def test_fast_product_output_is_drfs(loan):
    for product in Product.objects.all():
        fast = ProductSerializer(product).data
        drf = fields.ModelSerializer.to_representation(ProductSerializer(product), product)
        rates = ("min_rate", "max_rate", "penalty_rate", "fee_rate", "late_fee_rate", "prepayment_fee_rate")
        for f in rates:
            if drf[f] is not None:
                drf[f] = f"{getattr(product, f):.4f}"
        assert fast == drf


def test_fast_read_falls_back_to_drf_for_other_fields(loan):
    from rest_framework import serializers

    class WithMethod(FastRead, fields.ModelSerializer):
        shout = serializers.SerializerMethodField()

        class Meta:
            model = Loan
            fields = ["id", "borrower", "shout"]

        def get_shout(self, obj) -> str:
            return self.context["word"]

    instance = Loan.objects.get(pk=loan.pk)
    assert WithMethod(instance, context={"word": "a"}).data == {
        "id": loan.pk,
        "borrower": loan.borrower_id,
        "shout": "a",
    }
    assert WithMethod(instance, context={"word": "b"}).data["shout"] == "b"
    assert WithMethod._fast_read_plan is None
