"""The OpenAPI schema is a contract a generated client can keep (issue #13 point 8): it
validates, declares the bodies the server reads, and documents each operation's errors."""

import pytest
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock(), translation.override("en"):
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                yield path, method, op


def test_the_schema_validates(schema):
    validate(schema)  # raises on the first error


def test_bodies_are_json_and_only_uploads_are_multipart(schema):
    for path, method, op in operations(schema):
        body = op.get("requestBody")
        if body is None:
            continue
        types = set(body["content"])
        assert types in ({"application/json"}, {"multipart/form-data"}), (path, method, types)
        if types == {"multipart/form-data"}:
            ref = body["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
            props = schema["components"]["schemas"][ref].get("properties", {})
            assert any(p.get("format") == "binary" for p in props.values()), (path, "multipart without a file")


def test_every_operation_documents_its_errors(schema):
    for path, method, op in operations(schema):
        codes = set(op["responses"])
        assert {"401", "403"} <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if op.get("requestBody"):
            ref = op["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ValidationError") or ref.endswith("Error"), (path, method)


def test_the_conflict_shape_is_detail_and_status(schema):
    conflict = schema["components"]["schemas"]["Conflict"]
    assert conflict["required"] == ["detail", "status"]


def test_idempotent_views_declare_the_header(schema):
    from microloan.idempotency import HEADER

    disburse = schema["paths"]["/api/v1/applications/{id}/disburse/"]["post"]
    assert any(p["name"] == HEADER and p["in"] == "header" for p in disburse["parameters"])


def test_the_document_has_servers_contact_and_described_tags(schema):
    assert schema["servers"]
    assert schema["info"]["contact"]
    used = {t for _, _, op in operations(schema) for t in op.get("tags", [])}
    assert used <= {t["name"] for t in schema["tags"]}


def test_the_answers_the_app_reads_are_typed_as_the_server_sends_them(schema):
    c = schema["components"]["schemas"]
    assert c["Quote"]["properties"]["total_payable"]["format"] == "decimal"
    assert {"loan", "schedule_version", "installments"} <= set(c["LoanSchedule"]["properties"])
    assert c["ScheduleRowOut"]["properties"]["status"].get("$ref", "").endswith("Enum")
    payoff = schema["paths"]["/api/v1/loans/{id}/payoff-quote/"]["get"]
    assert [p.get("required", False) for p in payoff["parameters"] if p["name"] == "date"] == [False]
    assert c["Product"]["properties"]["frequencies"]["items"]["$ref"].endswith("FrequencyEnum")
    assert c["Application"]["properties"]["reason_codes"]["items"] == {"type": "string"}
    assert "RepaymentMethodEnum" in str(c["Loan"]["properties"]["method"])


def test_products_and_quotes_are_open_without_a_login(schema):
    for path, method in [("/api/v1/products/", "get"), ("/api/v1/quotes/", "post")]:
        assert {} in schema["paths"][path][method]["security"], path
