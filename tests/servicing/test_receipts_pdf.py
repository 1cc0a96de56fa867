"""Tests of servicing.receipts_pdf: repayment receipts and loan statements as PDF, in both
languages.

Plain pytest, no database. The text is read back with poppler's pdftotext, so these tests
check what a reader (or a search index) really gets out of the file, Chinese included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from servicing.documents_pdf import Party
from servicing.receipts_pdf import (
    AllocationRow,
    ReceiptData,
    StatementData,
    StatementLine,
    render_receipt_pdf,
    render_statement_pdf,
)

pytestmark = pytest.mark.skipif(
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


STATEMENT_LINES = (
    StatementLine(date(2026, 5, 1), "第 4 期利息计提", Decimal("40.00"), Decimal("0.00"), Decimal("4340.00")),
    StatementLine(date(2026, 5, 16), "逾期罚息 Penalty", Decimal("12.30"), Decimal("0.00"), Decimal("4352.30")),
    StatementLine(date(2026, 5, 20), "还款 RC-2026-000456", Decimal("0.00"), Decimal("1100.00"), Decimal("3252.30")),
)
SCHEDULE_ROWS = (
    (1, date(2026, 1, 15), Decimal("862.50"), Decimal("862.50"), "paid"),
    (2, date(2026, 2, 15), Decimal("862.50"), Decimal("862.50"), "paid"),
    (3, date(2026, 3, 15), Decimal("862.50"), Decimal("862.50"), "paid"),
    (4, date(2026, 4, 15), Decimal("862.50"), Decimal("300.00"), "overdue"),
    (5, date(2026, 6, 15), Decimal("862.50"), Decimal("0.00"), "due"),
    (6, date(2026, 7, 15), Decimal("862.50"), Decimal("0.00"), "due"),
)


def _statement(**changes) -> StatementData:
    data = StatementData(
        statement_number="ST-2026-05-000123",
        lender=LENDER,
        borrower_name=BORROWER_NAME,
        borrower_id_number=BORROWER_ID,
        loan_number="HT-2026-000123",
        period_start=date(2026, 5, 1),
        period_end=date(2026, 5, 31),
        principal=Decimal("5000.00"),
        annual_rate=Decimal("0.18"),
        apr=Decimal("0.1952"),
        opening_balance=Decimal("4300.00"),
        lines=STATEMENT_LINES,
        closing_balance=Decimal("3252.30"),
        schedule_rows=SCHEDULE_ROWS,
        days_past_due=46,
        penalty_outstanding=Decimal("12.30"),
    )
    return replace(data, **changes)


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, check=True, capture_output=True, timeout=60)
    return result.stdout.decode("utf-8")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _has_row(text: str, row: list[str]) -> bool:
    return any(line.split() == row for line in text.splitlines())


# --- receipts -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_text_has_parties_amount_and_allocations(language: str) -> None:
    data = _receipt()

    text = _text(render_receipt_pdf(data, language=language))

    assert BORROWER_NAME in text  # Chinese, also in the English version
    assert LENDER.name in text
    assert data.receipt_number in text
    assert data.loan_number in text
    assert data.reference in text
    assert data.channel in text
    assert "1,234.50" in text
    assert "1101**********002X" in text  # the ID number masked
    assert BORROWER_ID not in text
    for row in ALLOCATIONS:
        # One table row each: number, due date, penalty, fees, interest, principal, total.
        cells = [str(row.installment_number), row.due_date.isoformat()]
        cells += [_money(part) for part in (row.penalty, row.fee, row.interest, row.principal, row.total)]
        assert _has_row(text, cells), cells
    totals = "合计" if language == "zh-hans" else "Total"
    assert _has_row(text, [totals, "12.30", "5.00", "85.10", "997.60", "1,100.00"])  # amount - unapplied
    assert "134.50" in text  # unapplied
    assert "3,502.40" in text  # principal outstanding after
    assert "862.50" in text  # next due
    assert "已冲正" not in text and "REVERSED" not in text


def test_chinese_receipt_is_in_chinese() -> None:
    text = _text(render_receipt_pdf(_receipt(), language="zh-hans"))

    assert "还款凭证" in text
    assert "凭证编号：RC-2026-000456" in text
    assert "人民币 1,234.50 元" in text
    assert "大写：人民币壹仟贰佰叁拾肆元伍角整" in text
    assert "2026年5月20日" in text
    assert "2026年6月15日 应还 人民币 862.50 元" in text
    assert "第 1 页，共 1 页" in text
    assert "Repayment Receipt" not in text


def test_english_receipt_is_in_english() -> None:
    text = _text(render_receipt_pdf(_receipt(), language="en"))

    assert "Repayment Receipt" in text
    assert "Receipt No. RC-2026-000456" in text
    assert "CNY 1,234.50" in text
    assert "20 May 2026" in text
    assert "CNY 862.50 due on 15 June 2026" in text
    assert "Page 1 of 1" in text
    assert "还款凭证" not in text


@pytest.mark.parametrize(("language", "mark"), [("zh-hans", "已冲正"), ("en", "REVERSED")])
def test_reversed_receipt_carries_the_mark(language: str, mark: str) -> None:
    text = _text(render_receipt_pdf(_receipt(reversed=True), language=language))

    assert mark in text
    # The mark does not garble the table.
    assert _has_row(text, ["3", "2026-04-15", "12.30", "0.00", "45.10", "800.00", "857.40"])


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

    pages = [page for page in _text(render_receipt_pdf(data, language=language)).split("\f") if page.strip()]

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
    text = _text(render_receipt_pdf(_receipt(reversal_of="RC-2026-000400"), language=language))

    assert "RC-2026-000400" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_receipt_without_allocations_or_next_due(language: str) -> None:
    data = _receipt(allocations=(), unapplied=Decimal("1234.50"), next_due_date=None, next_due_amount=None)

    text = _text(render_receipt_pdf(data, language=language))

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


# --- statements -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_statement_text_has_lines_schedule_and_balances(language: str) -> None:
    data = _statement()

    text = _text(render_statement_pdf(data, language=language))

    assert BORROWER_NAME in text
    assert LENDER.name in text
    assert data.statement_number in text
    assert data.loan_number in text
    assert "19.52%" in text  # APR
    assert "18.00%" in text  # nominal rate
    assert "5,000.00" in text
    assert "4,300.00" in text  # opening
    for line in STATEMENT_LINES:
        assert line.description in text
        row = [line.date.isoformat(), *line.description.split()]
        row += [_money(amount) for amount in (line.debit, line.credit) if amount]
        row.append(_money(line.balance))
        assert _has_row(text, row), row
    # The closing row: period end, charges and payments in the period, closing balance.
    closing = next(line for line in text.splitlines() if line.strip().startswith("2026-05-31"))
    assert closing.split()[-3:] == ["52.30", "1,100.00", "3,252.30"]
    for number, due_date, due, paid, _status in SCHEDULE_ROWS:
        line = next(line for line in text.splitlines() if line.split()[:2] == [str(number), due_date.isoformat()])
        assert line.split()[2:5] == [_money(due), _money(paid), _money(due - paid)]
    assert "12.30" in text  # penalty outstanding
    assert "562.50" in text  # due and unpaid at the period end (instalment 4)


def test_chinese_statement_is_in_chinese() -> None:
    text = _text(render_statement_pdf(_statement(), language="zh-hans"))

    assert "贷款对账单" in text
    assert "对账期间：2026年5月1日 至 2026年5月31日" in text
    assert "年化利率" in text
    assert "期末余额" in text and "人民币 3,252.30 元" in text
    assert "逾期" in text and "已还清" in text and "待还" in text
    assert "贷款已逾期 46 天" in text
    assert "Loan Statement" not in text


def test_english_statement_is_in_english() -> None:
    text = _text(render_statement_pdf(_statement(), language="en"))

    assert "Loan Statement" in text
    assert "Period: 1 May 2026 to 31 May 2026" in text
    assert "APR" in text
    assert "Closing balance" in text and "CNY 3,252.30" in text
    assert "Overdue" in text and "Paid" in text
    assert "46 days past due" in text
    assert "贷款对账单" not in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_statement_without_arrears(language: str) -> None:
    rows = tuple(row[:4] + ("paid",) if row[0] <= 4 else row for row in SCHEDULE_ROWS)
    data = _statement(days_past_due=0, penalty_outstanding=Decimal("0"), schedule_rows=rows)

    text = _text(render_statement_pdf(data, language=language))

    expected = "截至对账期末，贷款无逾期" if language == "zh-hans" else "No payment is overdue"
    assert expected in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_long_statement_repeats_the_table_header_on_each_page(language: str) -> None:
    lines, balance = [], Decimal("4300.00")
    for day in range(90):
        balance += Decimal("1.50")
        lines.append(
            StatementLine(
                date(2026, 1, 1) + timedelta(days=day), f"利息计提 {day}", Decimal("1.50"), Decimal("0"), balance
            )
        )
    data = _statement(period_start=date(2026, 1, 1), period_end=date(2026, 3, 31), lines=lines, closing_balance=balance)

    pages = [page for page in _text(render_statement_pdf(data, language=language)).split("\f") if page.strip()]

    header = "摘要" if language == "zh-hans" else "Description"
    transaction_pages = [page for page in pages if "利息计提" in page]
    assert len(transaction_pages) >= 2
    for page in transaction_pages:
        assert header in page
    last = f"第 {len(pages)} 页，共 {len(pages)} 页" if language == "zh-hans" else f"Page {len(pages)} of {len(pages)}"
    assert last in pages[-1]
    assert _money(balance) in "".join(pages)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"closing_balance": Decimal("3252.31")}, "closing_balance"),
        ({"opening_balance": Decimal("4300.01")}, "balance"),
        (
            {
                "lines": (StatementLine(date(2026, 5, 1), "x", Decimal("40.00"), Decimal("0"), Decimal("4341.00")),),
                "closing_balance": Decimal("4341.00"),
            },
            r"lines\[0\]\.balance",
        ),
        (
            {
                "lines": (StatementLine(date(2026, 6, 1), "x", Decimal("40.00"), Decimal("0"), Decimal("4340.00")),),
                "closing_balance": Decimal("4340.00"),
            },
            "outside the period",
        ),
        ({"period_start": date(2026, 6, 1)}, "period"),
        ({"days_past_due": -1}, "days_past_due"),
    ],
)
def test_inconsistent_statement_is_refused(changes: dict, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_statement_pdf(_statement(**changes), language="en")


# --- both -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "fr", "", "EN"])
def test_unknown_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language"):
        render_receipt_pdf(_receipt(), language=language)
    with pytest.raises(ValueError, match="language"):
        render_statement_pdf(_statement(), language=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_data_gives_same_bytes(language: str) -> None:
    assert render_receipt_pdf(_receipt(), language=language) == render_receipt_pdf(_receipt(), language=language)
    assert render_statement_pdf(_statement(), language=language) == render_statement_pdf(
        _statement(), language=language
    )
    assert render_receipt_pdf(_receipt(), language=language).startswith(b"%PDF-")


def test_content_changes_change_the_bytes() -> None:
    receipt = render_receipt_pdf(_receipt(), language="en")

    assert receipt != render_receipt_pdf(_receipt(reversed=True), language="en")
    assert receipt != render_receipt_pdf(_receipt(), language="zh-hans")


def test_user_text_is_not_taken_as_markup() -> None:
    data = _receipt(channel="Bank & <b>Co</b>", borrower_name="O'Neil 陈")

    text = _text(render_receipt_pdf(data, language="en"))

    assert "Bank & <b>Co</b>" in text
    assert "O'Neil 陈" in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", ["receipt", "statement"])
def test_first_page_renders_to_an_image(kind: str, language: str, tmp_path: Path) -> None:
    from PIL import Image

    pdf = (
        render_receipt_pdf(_receipt(reversed=True), language=language)
        if kind == "receipt"
        else (render_statement_pdf(_statement(), language=language))
    )
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
        timeout=60,
    )
    png = tmp_path / "page.png"
    assert png.stat().st_size > 0
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(png) as image:
        width, height = image.size
        assert abs(width - 413) <= 1 and abs(height - 585) <= 1  # A4 at 50 dpi
        dark = sum(image.convert("L").histogram()[:128])
    assert dark > 2000  # ink on the page, not a blank sheet


@pytest.mark.parametrize("language", LANGUAGES)
def test_fonts_cid_for_chinese_and_helvetica_only_in_english(language: str) -> None:
    for pdf in (
        render_receipt_pdf(_receipt(reversed=True), language=language),
        render_statement_pdf(_statement(), language=language),
    ):
        result = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, timeout=60)
        if result.returncode != 0:  # pdffonts of older poppler cannot read stdin
            pytest.skip("pdffonts cannot read from stdin")
        fonts = result.stdout.decode()
        assert "STSong-Light" in fonts
        assert ("Helvetica" in fonts) == (language == "en")


def test_statement_status_text_passes_through_when_unknown() -> None:
    rows = ((1, date(2026, 6, 15), Decimal("862.50"), Decimal("0"), "展期中"),)

    text = _text(render_statement_pdf(_statement(schedule_rows=rows), language="en"))

    assert re.search(r"^\s*1\s+2026-06-15\s+862\.50\s+0\.00\s+862\.50\s+展期中\s*$", text, re.MULTILINE)
