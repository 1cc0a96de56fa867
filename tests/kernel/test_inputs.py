"""microloan/inputs.py: a NUL in any query-string parameter (and, on the officer screens, in
a posted form) is a 400 naming the parameter, JSON on the API, a translated page otherwise,
before any filter sends it to the database."""

import pytest
from django.test import Client

from microloan.inputs import printable_name, text_refusal

from ..conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url,name",
    [
        ("/api/v1/borrowers/?q=a%00b", "q"),
        ("/api/v1/complaints/?status=%00", "status"),
        ("/api/v1/complaints/?category=%00", "category"),
        ("/api/v1/complaints/?channel=x%00", "channel"),
        ("/api/v1/credit-reviews/?status=%00", "status"),
        ("/api/v1/credit-reviews/?trigger=%00", "trigger"),
        ("/api/v1/follow-up-visits/?kind=%00", "kind"),
        ("/api/v1/follow-up-visits/?status=%00", "status"),
        ("/api/v1/borrowers/?page=1&a%00=1", "a\\x00"),
    ],
)
def test_a_nul_in_an_api_query_parameter_is_400_naming_it(manager, url, name):
    r = client_for(manager).get(url)
    assert r.status_code == 400
    assert list(r.json()) == [name] and "NUL" in r.json()[name][0]


@pytest.mark.parametrize(
    "url,name",
    [("/borrowers/?q=a%00b", "q"), ("/applications/?status=%00", "status"), ("/loans/?status=%00", "status")],
)
def test_a_nul_in_a_page_query_parameter_is_a_translated_400_page(officer, url, name):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(officer)
    r = client.get(url)
    assert r.status_code == 400 and r["Content-Type"].startswith("text/html")
    text = r.content.decode()
    assert f"“{name}”" in text and "请求有误" in text and "被拒绝" in text


def test_a_nul_in_a_page_form_is_400_and_changes_nothing(officer):
    from applications.models import Borrower

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(officer)
    r = client.post("/borrowers/new/", {"full_name": "Li", "id_number": "1\x00"})
    assert r.status_code == 400 and "id_number" in r.content.decode()
    assert not Borrower.objects.exists()


def test_the_same_pages_answer_normally_without_it(officer):
    client = Client()
    client.force_login(officer)
    assert client.get("/borrowers/?q=Li").status_code == 200


def test_what_is_refused():
    assert text_refusal("李 \U0001f600 ok") is None
    assert text_refusal("a\x00") and text_refusal("\ud800") and text_refusal("x\udc00y")
    assert printable_name("a\x00") == "a\\x00" and printable_name("q") == "q"
