"""Tests of servicing.pdf.kit: what every document shares (language check, masked IDs,
amounts in the reader's language, the page footer), and that the words of the PDF package
come from the catalog, not from text written into the code."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation
from reportlab.platypus import PageBreak

import servicing.pdf
from servicing.pdf.kit import (
    DocumentBuilder,
    check_language,
    content_width,
    mask_id,
    render_document,
)

from .reading import needs_poppler, page_texts


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_known_languages_pass(language: str) -> None:
    check_language(language)


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "fr", "", "EN"])
def test_unknown_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language"):
        check_language(language)


@pytest.mark.parametrize(
    ("value", "masked"),
    [("11010519491231002X", "110105********002X"), ("123456", "****56"), ("1234", "**34"), ("", "")],
)
def test_mask_id_keeps_the_first_six_and_last_four(value: str, masked: str) -> None:
    assert mask_id(value) == masked


@pytest.mark.parametrize(
    ("language", "currency", "amount", "unit"),
    [
        ("zh-hans", "CNY", "人民币 1,234.50 元", "金额单位：人民币元"),
        ("en", "CNY", "CNY 1,234.50", "Amounts in CNY"),
        ("zh-hans", "USD", "USD 1,234.50", "金额单位：USD"),
        ("en", "USD", "USD 1,234.50", "Amounts in USD"),
    ],
)
def test_amount_and_unit_in_the_readers_language(language: str, currency: str, amount: str, unit: str) -> None:
    with translation.override(language):
        builder = DocumentBuilder(language, content_width(), currency)

        assert builder.amount(Decimal("1234.5")) == amount
        assert builder.unit().getPlainText() == unit


@needs_poppler
@pytest.mark.parametrize(
    ("language", "page_word", "mark"),
    [("zh-hans", "第 {page} 页，共 3 页", "已冲正"), ("en", "Page {page} of 3", "REVERSED")],
)
def test_footer_counts_the_pages_and_repeats_the_mark_after_the_first(language: str, page_word: str, mark: str) -> None:
    with translation.override(language):
        builder = DocumentBuilder(language, content_width(), "CNY")
        story = [builder.para("一"), PageBreak(), builder.para("二"), PageBreak(), builder.para("三")]
        pdf = render_document(
            story, builder.footer("No. 42", mark=mark), language=language, title="t", author="a", subject="s"
        )

    pages = page_texts(pdf)
    assert len(pages) == 3
    for number, page in enumerate(pages, start=1):
        assert page_word.format(page=number) in page
        assert "No. 42" in page
        assert (mark in page) == (number > 1)  # page 1 carries the big stamp in its story instead


def test_the_pdf_package_writes_no_words_of_its_own() -> None:
    # Every label is a gettext string whose Chinese lives in the catalog: no Chinese text in
    # the code (but the capital numerals, which are arithmetic) and no per-language tables.
    package = Path(servicing.pdf.__file__).parent
    for path in sorted(package.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
        code = re.sub(r'"""(?:.|\n)*?"""', "", code)  # docstrings may quote the documents
        if path.name == "formats.py":
            code = re.sub(r"_(?:DIGITS|PLACES|GROUPS)_ZH: Final = .*", "", code)
            code = re.sub(r'"(?:零元整|零|元|角|分|整)"', "", code)
        assert not re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", code), path.name
        assert not re.search(r"""["'](?:zh-hans|en)["']\s*:""", source), path.name
