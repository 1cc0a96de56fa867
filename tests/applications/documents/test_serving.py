"""Serving a stored document (applications/documents/serving.py): who may open one, the safe
file name and its Content-Disposition, the disposition's choices."""

import pytest

from applications.documents.serving import (
    content_disposition,
    may_open_documents,
    parse_disposition,
    safe_filename,
)
from applications.models import Document
from microloan.errors import InvalidInput
from microloan.models import Role, User


def doc(name: str, content_type: str = "application/pdf") -> Document:
    return Document(pk=7, original_name=name, content_type=content_type)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("income.pdf", ("income.pdf", "income.pdf")),
        ("../../etc/passwd", ("passwd.pdf", "passwd.pdf")),
        ("C:\\Users\\me\\scan.PDF", ("scan.pdf", "scan.pdf")),
        ("page.html", ("page.pdf", "page.pdf")),  # the stored type's extension, never the client's
        ('a"b;c\r\nSet-Cookie: x.pdf', ("a_b_cSet-Cookie_x.pdf", "a_b_cSet-Cookie_ x.pdf")),
        ("身份证.pdf", ("document-7.pdf", "身份证.pdf")),
        ("营业执照 copy.pdf", ("copy.pdf", "营业执照 copy.pdf")),
        ("", ("document-7.pdf", "document-7.pdf")),
        ("...", ("document-7.pdf", "document-7.pdf")),
        ("x" * 300 + ".pdf", ("x" * 100 + ".pdf", "x" * 100 + ".pdf")),
    ],
)
def test_the_file_name_is_made_safe(name, expected):
    assert safe_filename(doc(name)) == expected


def test_the_extension_follows_the_stored_type():
    assert safe_filename(doc("photo.pdf", "image/jpeg")) == ("photo.jpg", "photo.jpg")


def test_content_disposition_gives_an_ascii_name_and_the_full_one_rfc_5987():
    assert content_disposition(doc("income.pdf"), "inline") == 'inline; filename="income.pdf"'
    assert content_disposition(doc("身份证.pdf"), "attachment") == (
        "attachment; filename=\"document-7.pdf\"; filename*=UTF-8''%E8%BA%AB%E4%BB%BD%E8%AF%81.pdf"
    )
    header = content_disposition(doc('a"b\r\n.pdf'), "attachment")
    assert "\r" not in header and "\n" not in header and header.count('"') == 2


def test_the_disposition_is_one_of_two():
    assert parse_disposition(None) == "attachment"
    assert parse_disposition("", default="inline") == "inline"
    assert parse_disposition("inline") == "inline"
    with pytest.raises(InvalidInput) as exc:
        parse_disposition("inline\x00")
    assert list(exc.value.errors) == ["disposition"]


@pytest.mark.parametrize(
    "role,opens",
    [
        (Role.OFFICER, True),
        (Role.REVIEWER, True),
        (Role.MANAGER, True),
        (Role.ADMIN, False),  # the administrator opens no borrower's file
        (Role.SUPERVISOR, True),
        (Role.BORROWER, True),  # their own applications: the scope decides
        (Role.COLLECTOR, False),
        (Role.AUDITOR, False),
    ],
)
def test_which_roles_open_documents(role, opens):
    assert may_open_documents(User(role=role)) is opens
