import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_is_served_and_every_operation_is_described(client):
    r = client.get("/api/schema/")
    assert r.status_code == 200
    schema = yaml.safe_load(r.content)
    ops = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(ops) > 15
    undescribed = [(p, m) for p, m, op in ops if not (op.get("description") or op.get("summary"))]
    assert undescribed == []
    for path in ["/api/v1/borrowers/", "/api/v1/applications/{id}/submit/", "/api/v1/auth/token/",
                 "/api/v1/applications/{id}/documents/{doc_id}/review/", "/api/v1/me/"]:
        assert path in schema["paths"]


def test_docs_page_uses_no_cdn(client):
    r = client.get("/api/docs/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
