"""403, 404 and 500 pages in both languages, with the layout and a way back (#14 point 7);
the API keeps its JSON error shape."""

import pytest
from django.test import Client

from microloan.models import Role
from tests.kernel.factories import UserFactory


def client(language, user=None):
    c = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        c.force_login(user)
    return c


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, title, back",
    [("en", "Page not found", "Back to the dashboard"), ("zh-hans", "页面不存在", "返回工作台")],
)
def test_an_unknown_page_is_a_404_in_the_readers_language(officer, language, title, back):
    response = client(language, officer).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert title in html and back in html
    assert 'class="top"' in html  # the layout, with its navigation
    assert 'id="error-back"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language, title", [("en", "Not allowed"), ("zh-hans", "无权操作")])
def test_a_refused_page_is_a_403_with_the_reason(branch, language, title):
    auditor = UserFactory(role=Role.AUDITOR, branch=branch)
    response = client(language, auditor).get("/sandbox/")
    assert response.status_code == 403
    html = response.content.decode()
    assert title in html
    assert 'id="error-back"' in html


@pytest.mark.django_db
def test_the_api_keeps_json_for_an_unknown_path(officer):
    response = client("en", officer).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Page not found"}


@pytest.mark.parametrize("language, title", [("en", "Something went wrong"), ("zh-hans", "系统出错了")])
def test_a_server_error_page_renders_without_the_database(rf, language, title):
    from django.utils import translation

    from microloan.views import server_error

    with translation.override(language):
        response = server_error(rf.get("/loans/1/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert title in html and 'id="error-back"' in html
