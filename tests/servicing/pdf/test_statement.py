"""Tests of servicing.pdf.statement: the loan statement as PDF, in both languages.

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

from servicing.pdf import StatementData, StatementLine, render_statement_pdf

from .reading import LANGUAGES, LENDER, first_page_ink, fonts, has_row, money, needs_poppler, page_texts, pdf_text

pytestmark = needs_poppler

BORROWER_NAME = "陈明"
BORROWER_ID = "11010519491231002X"

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


@pytest.mark.parametrize("language", LANGUAGES)
def test_statement_text_has_lines_schedule_and_balances(language: str) -> None:
    data = _statement()

    text = pdf_text(render_statement_pdf(data, language=language))

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
        row += [money(amount) for amount in (line.debit, line.credit) if amount]
        row.append(money(line.balance))
        assert has_row(text, row), row
    # The closing row: period end, charges and payments in the period, closing balance.
    closing = next(line for line in text.splitlines() if line.strip().startswith("2026-05-31"))
    assert closing.split()[-3:] == ["52.30", "1,100.00", "3,252.30"]
    for number, due_date, due, paid, _status in SCHEDULE_ROWS:
        line = next(line for line in text.splitlines() if line.split()[:2] == [str(number), due_date.isoformat()])
        assert line.split()[2:5] == [money(due), money(paid), money(due - paid)]
    assert "12.30" in text  # penalty outstanding
    assert "562.50" in text  # due and unpaid at the period end (instalment 4)


def test_chinese_statement_is_in_chinese() -> None:
    text = pdf_text(render_statement_pdf(_statement(), language="zh-hans"))

    assert "贷款对账单" in text
    assert "对账期间：2026年5月1日 至 2026年5月31日" in text
    assert "年化利率" in text
    assert "期末余额" in text and "人民币 3,252.30 元" in text
    assert "逾期" in text and "已还清" in text and "待还" in text
    assert "贷款已逾期 46 天" in text
    assert "Loan Statement" not in text


def test_english_statement_is_in_english() -> None:
    text = pdf_text(render_statement_pdf(_statement(), language="en"))

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

    text = pdf_text(render_statement_pdf(data, language=language))

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

    pages = page_texts(render_statement_pdf(data, language=language))

    header = "摘要" if language == "zh-hans" else "Description"
    transaction_pages = [page for page in pages if "利息计提" in page]
    assert len(transaction_pages) >= 2
    for page in transaction_pages:
        assert header in page
    last = f"第 {len(pages)} 页，共 {len(pages)} 页" if language == "zh-hans" else f"Page {len(pages)} of {len(pages)}"
    assert last in pages[-1]
    assert money(balance) in "".join(pages)


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


@pytest.mark.parametrize("language", ["zh", "zh-Hans", "fr", "", "EN"])
def test_unknown_language_is_refused(language: str) -> None:
    with pytest.raises(ValueError, match="language"):
        render_statement_pdf(_statement(), language=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_data_gives_same_bytes(language: str) -> None:
    first = render_statement_pdf(_statement(), language=language)

    assert first == render_statement_pdf(_statement(), language=language)
    assert first.startswith(b"%PDF-")


@pytest.mark.parametrize("language", LANGUAGES)
def test_first_page_renders_to_an_image(language: str, tmp_path: Path) -> None:
    (width, height), dark = first_page_ink(render_statement_pdf(_statement(), language=language), tmp_path)

    assert abs(width - 413) <= 1 and abs(height - 585) <= 1  # A4 at 50 dpi
    assert dark > 2000  # ink on the page, not a blank sheet


@pytest.mark.parametrize("language", LANGUAGES)
def test_fonts_cid_for_chinese_and_helvetica_only_in_english(language: str) -> None:
    used = fonts(render_statement_pdf(_statement(), language=language))

    assert "STSong-Light" in used
    assert ("Helvetica" in used) == (language == "en")


def test_statement_status_text_passes_through_when_unknown() -> None:
    rows = ((1, date(2026, 6, 15), Decimal("862.50"), Decimal("0"), "展期中"),)

    text = pdf_text(render_statement_pdf(_statement(schedule_rows=rows), language="en"))

    assert re.search(r"^\s*1\s+2026-06-15\s+862\.50\s+0\.00\s+862\.50\s+展期中\s*$", text, re.MULTILINE)
