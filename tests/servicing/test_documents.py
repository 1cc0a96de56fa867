"""Tests of servicing.documents: receipts and statements built from the books, each line
described in the reader's language."""

from datetime import date
from decimal import Decimal

import pytest

from microloan.business_date import business_date_set
from microloan.ledger import Acct, Line, journal_post
from servicing.documents import receipt_pdf, statement_pdf
from servicing.repayments import repayment_post

from .pdf.reading import needs_poppler, pdf_text

pytestmark = [needs_poppler, pytest.mark.django_db]

DUE1 = date(2026, 12, 20)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ["放款", "第1期利息", "罚息", "罚息减免", "还款 {receipt}"]),
        ("en", ["Disbursement", "Interest, instalment 1", "Penalty interest", "Penalty waived", "Repayment {receipt}"]),
    ],
)
def test_statement_lines_are_described_in_the_readers_language(officer, loan, language, words):
    # given a repayment, a penalty and its waiver on the books
    business_date_set(value=DUE1)
    repayment = repayment_post(actor=officer, loan=loan, amount=Decimal("900.00"), paid_on=DUE1, channel="cash")
    journal_post(
        kind="penalty",
        business_date=DUE1,
        source_key="t-pen",
        lines=[
            Line(Acct.PENALTY_RECEIVABLE, debit=Decimal("12.34"), loan_id=loan.pk),
            Line(Acct.PENALTY_INCOME, credit=Decimal("12.34"), loan_id=loan.pk),
        ],
    )
    journal_post(
        kind="waiver",
        business_date=DUE1,
        source_key="t-waive",
        lines=[
            Line(Acct.PENALTY_INCOME, debit=Decimal("12.34"), loan_id=loan.pk),
            Line(Acct.PENALTY_RECEIVABLE, credit=Decimal("12.34"), loan_id=loan.pk),
        ],
    )

    loan.refresh_from_db()  # the figures as the books keep them

    # when
    text = pdf_text(statement_pdf(loan=loan, start=date(2026, 11, 1), end=date(2026, 12, 31), language=language))

    # then
    for word in words:
        assert word.format(receipt=repayment.receipt_number) in text
    other = "Disbursement" if language == "zh-hans" else "放款"
    assert other not in text


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "还款凭证"), ("en", "Repayment Receipt")])
def test_receipt_in_the_readers_language(officer, loan, language, title):
    business_date_set(value=DUE1)
    repayment = repayment_post(actor=officer, loan=loan, amount=Decimal("900.00"), paid_on=DUE1, channel="cash")

    text = pdf_text(receipt_pdf(repayment=repayment, language=language))

    assert title in text and repayment.receipt_number in text and "900.00" in text
