"""What an upload must be (applications/documents/content.py): the type by content, and the
content what the type says — no ZIP archive or HTML behind a PDF header, a PDF that ends as
one, an image whose header parses and declares a sane size."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from applications.documents import inspect_upload
from applications.models import Document

from ...conftest import client_for
from ..factories import JPEG_BYTES, PDF_BYTES, PNG_BYTES, ApplicationFactory, image_bytes


def inspect(data: bytes):
    return inspect_upload(ContentFile(data, name="upload"))


def refused(data: bytes) -> str:
    with pytest.raises(ValueError) as exc:
        inspect(data)
    return str(exc.value)


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"0" * 1_000_000)  # a megabyte in a kilobyte
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG whose header declares ``width`` × ``height`` (its pixels are not there)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def real_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "Income proof")
    page.showPage()
    page.save()
    return out.getvalue()


def test_real_files_of_each_type_pass():
    assert inspect(real_pdf())[0] == "application/pdf"
    assert inspect(PDF_BYTES)[0] == "application/pdf"
    assert inspect(PNG_BYTES)[0] == "image/png"
    assert inspect(JPEG_BYTES)[0] == "image/jpeg"
    assert inspect(image_bytes("JPEG", (3000, 4000)))[0] == "image/jpeg"  # a phone photo's size


def test_a_zip_archive_behind_a_pdf_header_is_refused_even_ending_in_eof():
    assert "ZIP archive" in refused(b"%PDF-1.4\n" + zip_archive())
    assert "ZIP archive" in refused(b"%PDF-1.4\n" + zip_archive() + b"\n%%EOF\n")


def test_a_zip_archive_behind_an_image_header_is_refused():
    assert "ZIP archive" in refused(PNG_BYTES + zip_archive())


@pytest.mark.parametrize(
    "markup",
    [b"<html><body>login</body></html>", b"<!DOCTYPE html>", b"<script>alert(1)</script>", b"<SVG onload=x>"],
)
def test_html_or_script_behind_a_pdf_header_is_refused(markup):
    assert "HTML or script" in refused(b"%PDF-1.4\n" + markup + b"\n%%EOF\n")


def test_html_in_an_images_first_bytes_is_refused():
    assert "HTML or script" in refused(JPEG_BYTES[:20] + b"<script>x</script>" + JPEG_BYTES[20:])


def test_a_pdf_must_end_as_one():
    assert "end-of-file marker" in refused(b"%PDF-1.4\n" + b"plain text, no PDF at all\n" * 10)
    # the marker must be in the last kilobyte, not anywhere
    assert "end-of-file marker" in refused(PDF_BYTES + b"x" * 2000)


def test_a_damaged_pdf_header_is_refused():
    assert "header is damaged" in refused(b"%PDF-x.y\n1 0 obj<<>>endobj\n%%EOF\n")


def test_an_image_whose_header_does_not_parse_is_refused():
    assert "not a readable PNG image" in refused(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    assert "not a readable JPEG image" in refused(b"\xff\xd8\xff\xe0" + b"\x00" * 32)


def test_an_image_declaring_more_pixels_than_the_policy_allows_is_refused():
    # 10,000 × 10,000: a few hundred bytes declaring 100 million pixels
    message = refused(png_declaring(10_000, 10_000))
    assert "10000 × 10000 pixels" in message and "60000000" in message


def test_an_absurd_declared_size_is_refused_before_anything_is_decoded():
    assert "more than 60000000 pixels" in refused(png_declaring(100_000, 100_000))


def test_the_pixel_limit_is_policy(settings):
    settings.DOCUMENTS = {"MAX_IMAGE_PIXELS": 10}
    assert "4 × 3 pixels" in refused(PNG_BYTES)
    settings.DOCUMENTS = {"MAX_IMAGE_PIXELS": 12}
    assert inspect(PNG_BYTES)[0] == "image/png"


@pytest.mark.django_db
def test_the_api_refuses_with_a_400_on_file_and_stores_nothing(officer, borrower):
    app = ApplicationFactory(borrower=borrower, created_by=officer)
    r = client_for(officer).post(
        f"/api/v1/applications/{app.pk}/documents/",
        {"kind": "income_proof", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n" + zip_archive())},
        format="multipart",
    )
    assert r.status_code == 400 and "ZIP archive" in r.data["file"][0]
    assert not Document.objects.filter(application=app).exists()


@pytest.mark.django_db
def test_the_page_says_why_in_chinese(client, officer, borrower):
    app = ApplicationFactory(borrower=borrower, created_by=officer)
    client.force_login(officer)
    r = client.post(
        f"/applications/{app.pk}/documents/",
        {"kind": "other", "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n<html>x</html>\n%%EOF")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        follow=True,
    )
    assert "该文件含有 HTML 或脚本" in r.content.decode()
    assert not Document.objects.filter(application=app).exists()
