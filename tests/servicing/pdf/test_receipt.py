"""Tests of servicing.pdf.receipt: the repayment receipt as PDF, in both languages.

No database. The text is read back with poppler's pdftotext, so these tests check what a
reader (or a search index) really gets out of the file, Chinese included.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from servicing.pdf import AllocationRow, ReceiptData, render_receipt_pdf

from .reading import LANGUAGES, LENDER, first_page_ink, fonts, has_row, money, needs_poppler, page_texts, pdf_text

pytestmark = needs_poppler

BORROWER_NAME = "陈明"
BORROWER_ID = "11010519491231002X"

ALLOCATIONS = (
    AllocationRow(3, date(2026, 4, 15), Decimal("12.30"), Decimal("0.00"), Decimal("45.10"), Decimal("800.00")),
    AllocationRow(4, date(2026, 5, 15), Decimal("0.00"), Decimal("5.00"), Decimal("40.00"), Decimal("197.60")),
)


def _receipt(**changes) -> ReceiptData:
    data = ReceiptData(
        receipt_number="RC-2026-000456",
        lender=LENDER,
        borrower_name=BORROWER_NAME,
        borrower_id_number=BORROWER_ID,
        loan_number="HT-2026-000123",
        paid_on=date(2026, 5, 20),
        amount=Decimal("1234.50"),
        channel="微信支付",
        reference="WX20260520123456",
        allocations=ALLOCATIONS,
        unapplied=Decimal("134.50"),
        outstanding_principal_after=Decimal("3502.40"),
        next_due_date=date(2026, 6, 15),
        next_due_amount=Decimal("862.50"),
        posted_by="张丽",
    )
    return replace(data, **changes)


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_text_has_parties_amount_and_allocations(language: str) -> None:
    data = _receipt()

    text = pdf_text(render_receipt_pdf(data, language=language))

    assert BORROWER_NAME in text  # Chinese, also in the English version
    assert LENDER.name in text
    assert data.receipt_number in text
    assert data.loan_number in text
    assert data.reference in text
    assert data.channel in text
    assert "1,234.50" in text
    assert "110105********002X" in text  # the ID number masked
    assert BORROWER_ID not in text
    for row in ALLOCATIONS:
        # One table row each: number, due date, penalty, fees, interest, principal, total.
        cells = [str(row.installment_number), row.due_date.isoformat()]
        cells += [money(part) for part in (row.penalty, row.fee, row.interest, row.principal, row.total)]
        assert has_row(text, cells), cells
    totals = "合计" if language == "zh-hans" else "Total"
    assert has_row(text, [totals, "12.30", "5.00", "85.10", "997.60", "1,100.00"])  # amount - unapplied
    assert "134.50" in text  # unapplied
    assert "3,502.40" in text  # principal outstanding after
    assert "862.50" in text  # next due
    assert "已冲正" not in text and "REVERSED" not in text


def test_chinese_receipt_is_in_chinese() -> None:
    text = pdf_text(render_receipt_pdf(_receipt(), language="zh-hans"))

    assert "还款凭证" in text
    assert "凭证编号：RC-2026-000456" in text
    assert "人民币 1,234.50 元" in text
    assert "大写：人民币壹仟贰佰叁拾肆元伍角整" in text
    assert "2026年5月20日" in text
    assert "2026年6月15日 应还 人民币 862.50 元" in text
    assert "第 1 页，共 1 页" in text
    assert "Repayment Receipt" not in text


def test_english_receipt_is_in_english() -> None:
    text = pdf_text(render_receipt_pdf(_receipt(), language="en"))

    assert "Repayment Receipt" in text
    assert "Receipt No. RC-2026-000456" in text
    assert "CNY 1,234.50" in text
    assert "20 May 2026" in text
    assert "CNY 862.50 due on 15 June 2026" in text
    assert "Page 1 of 1" in text
    assert "还款凭证" not in text


@pytest.mark.parametrize(("language", "mark"), [("zh-hans", "已冲正"), ("en", "REVERSED")])
def test_reversed_receipt_carries_the_mark(language: str, mark: str) -> None:
    text = pdf_text(render_receipt_pdf(_receipt(reversed=True), language=language))

    assert mark in text
    # The mark does not garble the table.
    assert has_row(text, ["3", "2026-04-15", "12.30", "0.00", "45.10", "800.00", "857.40"])


@pytest.mark.parametrize(("language", "mark"), [("zh-hans", "已冲正"), ("en", "REVERSED")])
def test_reversed_mark_on_every_page_of_a_long_receipt(language: str, mark: str) -> None:
    rows = tuple(
        AllocationRow(
            n,
            date(2026, 1, 15) + timedelta(days=30 * n),
            Decimal("1.00"),
            Decimal("0"),
            Decimal("2.00"),
            Decimal("7.00"),
        )
        for n in range(1, 81)
    )
    data = _receipt(allocations=rows, amount=Decimal("800.00"), unapplied=Decimal("0"), reversed=True)

    pages = page_texts(render_receipt_pdf(data, language=language))

    assert len(pages) >= 2
    for page in pages:
        assert mark in page
    header = "应还日" if language == "zh-hans" else "Due date"
    table_pages = [page for page in pages if re.search(r"^\s*\d+\s+20\d\d-\d\d-\d\d\s", page, re.MULTILINE)]
    assert len(table_pages) >= 2
    for page in table_pages:
        assert header in page  # the allocation table's header row repeats


@pytest.mark.parametrize("language", LANGUAGES)
def test_reversal_receipt_names_the_original(language: str) -> None:
    text = pdf_text(render_receipt_pdf(_receipt(reversal_of="RC-2026-000400"), language=language))

    assert "RC-2026-000400" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_without_allocations_or_next_due(language: str) -> None:
    data = _receipt(allocations=(), unapplied=Decimal("1234.50"), next_due_date=None, next_due_amount=None)

    text = pdf_text(render_receipt_pdf(data, language=language))

    assert "1,234.50" in text
    if language == "zh-hans":
        assert "本次还款未冲抵任何期次" in text and "本息已全部还清" in text
    else:
        assert "Nothing from this payment was applied" in text and "repaid in full" in text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unapplied": Decimal("134.49")}, "amount"),
        ({"amount": Decimal("1234.51")}, "amount"),
        ({"unapplied": Decimal("-1"), "amount": Decimal("1099.00")}, "unapplied"),
        ({"amount": Decimal("0"), "allocations": (), "unapplied": Decimal("0")}, "amount"),
        ({"next_due_amount": None}, "next_due"),
        (
            {
                "allocations": (
                    AllocationRow(1, date(2026, 2, 15), Decimal("-1"), Decimal("0"), Decimal("0"), Decimal("1")),
                ),
                "amount": Decimal("0.50"),
                "unapplied": Decimal("0.50"),
            },
            "penalty",
        ),
    ],
)
def test_inconsistent_receipt_is_refused(changes: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_receipt_pdf(_receipt(**changes), language="en")


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "fr", "", "EN"])
def test_unknown_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language"):
        render_receipt_pdf(_receipt(), language=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_data_gives_same_bytes(language: str) -> None:
    first = render_receipt_pdf(_receipt(), language=language)

    assert first == render_receipt_pdf(_receipt(), language=language)
    assert first.startswith(b"%PDF-")


def test_content_changes_change_the_bytes() -> None:
    receipt = render_receipt_pdf(_receipt(), language="en")

    assert receipt != render_receipt_pdf(_receipt(reversed=True), language="en")
    assert receipt != render_receipt_pdf(_receipt(), language="zh-hans")


def test_user_text_is_not_taken_as_markup() -> None:
    data = _receipt(channel="Bank & <b>Co</b>", borrower_name="O'Neil 陈")

    text = pdf_text(render_receipt_pdf(data, language="en"))

    assert "Bank & <b>Co</b>" in text
    assert "O'Neil 陈" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_page_renders_to_an_image(language: str, tmp_path: Path) -> None:
    (width, height), dark = first_page_ink(render_receipt_pdf(_receipt(reversed=True), language=language), tmp_path)

    assert abs(width - 413) <= 1 and abs(height - 585) <= 1  # A4 at 50 dpi
    assert dark > 2000  # ink on the page, not a blank sheet


@pytest.mark.parametrize("language", LANGUAGES)
def test_fonts_cid_for_chinese_and_helvetica_only_in_english(language: str) -> None:
    used = fonts(render_receipt_pdf(_receipt(reversed=True), language=language))

    assert "STSong-Light" in used
    assert ("Helvetica" in used) == (language == "en")
