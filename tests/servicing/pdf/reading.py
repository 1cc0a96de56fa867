"""Reading our PDFs back the way a reader does: text through poppler's pdftotext, the first
page as an image through pdftoppm, the fonts through pdffonts. Shared by the document tests."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from servicing.pdf import Party

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils (pdftotext, pdftoppm)",
)

LANGUAGES = ("zh-hans", "en")

LENDER = Party(
    name="星河小额贷款有限公司",
    id_number="91110105MA01ABCD2X",
    address="北京市朝阳区建国路 88 号",
    phone="010-85550000",
)


def pdf_text(pdf: bytes, *args: str) -> str:
    """The text of the PDF, laid out as on the page (``-layout``) unless other options are given."""
    result = subprocess.run(
        ["pdftotext", *(args or ("-layout",)), "-", "-"], input=pdf, check=True, capture_output=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def page_texts(pdf: bytes) -> list[str]:
    return [page for page in pdf_text(pdf).split("\f") if page.strip()]


def has_row(text: str, row: list[str]) -> bool:
    """Whether one line of the text is exactly these cells (a table row)."""
    return any(line.split() == row for line in text.splitlines())


def money(value: Decimal) -> str:
    # Written here, not with the module's formatter, so the tests check the formatter too.
    return f"{value:,.2f}"


def first_page_ink(pdf: bytes, tmp_path: Path) -> tuple[tuple[int, int], int]:
    """The first page at 50 dpi: its size in pixels and how many of them are dark."""
    from PIL import Image

    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    png = tmp_path / "page.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(png) as image:
        return image.size, sum(image.convert("L").histogram()[:128])


def fonts(pdf: bytes) -> str:
    result = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, timeout=60)
    if result.returncode != 0:  # pdffonts of older poppler cannot read stdin
        pytest.skip("pdffonts cannot read from stdin")
    return result.stdout.decode()
